"""The HTTP-neutral request layer every adapter shares: where credentials are read
(:mod:`.credentials`), cookies and CSRF (:mod:`.cookies`, :mod:`.csrf`), how refusals
are answered (:mod:`.challenges`, :mod:`.denial`), security headers
(:mod:`.security_headers`), per-route requirements (:mod:`.requirement`), the one
decision (:mod:`.pipeline`) and the refresh-token route flow (:mod:`.refresh_flow`).
No web framework is imported here.
"""

from jwtguard.http.denial import Denial
from jwtguard.http.pipeline import Pipeline
from jwtguard.http.requirement import Requirement

__all__ = ["Denial", "Pipeline", "Requirement"]
