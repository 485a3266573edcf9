"""The HTTP-neutral request layer every adapter shares: the request view adapters build
(:mod:`.request`), which requirement a route path gets (:mod:`.routing`), where credentials are read
(:mod:`.credentials`), cookies and CSRF (:mod:`.cookies`, :mod:`.csrf`), how refusals
are answered (:mod:`.challenges`, :mod:`.denial`), security headers
(:mod:`.security_headers`), per-route requirements (:mod:`.requirement`), the one
decision (:mod:`.pipeline`) and the refresh-token route flow (:mod:`.refresh_flow`).
No web framework is imported here.
"""

from jwtguard.http.denial import Denial
from jwtguard.http.pipeline import DEFAULT, Decision, Pipeline, PipelineOptions
from jwtguard.http.request import Headers, RequestView
from jwtguard.http.requirement import Requirement
from jwtguard.http.routing import PathRules
from jwtguard.http.sender import dpop_nonce

__all__ = [
    "DEFAULT",
    "Decision",
    "Denial",
    "Headers",
    "PathRules",
    "Pipeline",
    "PipelineOptions",
    "RequestView",
    "Requirement",
    "dpop_nonce",
]
