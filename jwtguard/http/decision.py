"""What the shared decision answers and the options every adapter passes to it.

The vocabulary between :class:`~jwtguard.http.pipeline.Pipeline` and the adapters:
a :data:`Decision` (claims, ``None`` or a :class:`Denial`), :data:`Pending.AWAIT` from the
hot path when a verification would wait, the :data:`DEFAULT` sentinel and the typed
``**options`` (:class:`PipelineOptions`).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from typing import Final, Literal, TypedDict

from jwtguard.claims import Claims
from jwtguard.http.denial import Denial
from jwtguard.http.requirement import Predicate, Requirement
from jwtguard.http.security_headers import SecurityHeaders
from jwtguard.oauth.resource import ResourceServer

__all__ = [
    "DEFAULT",
    "Context",
    "Decision",
    "Default",
    "Pending",
    "PipelineOptions",
    "SecurityHeadersOption",
    "TWO_TOKENS",
]


TWO_TOKENS: Final = "The request carries more than one access token."
"""The description of the refusal of a request carrying two tokens (two ``Authorization``
lines, or a DPoP token and a cookie, header or query token)."""


class Default(enum.Enum):
    """The type of :data:`DEFAULT`, a sentinel for options whose ``None`` means "off"."""

    DEFAULT = "DEFAULT"


DEFAULT: Final = Default.DEFAULT
"""Sentinel: "use the default" (e.g. the default SecurityHeaders policy)."""


Context = tuple["str | None", "str | None"]
"""(the request's authorization scheme, the route's binding): what a resource server's
refusal is built for (None, None elsewhere)."""


class Pending(enum.Enum):
    """:meth:`Pipeline.decide_on_headers` could not finish without waiting: use adecide."""

    AWAIT = "AWAIT"


Decision = Claims | Denial | None
"""What a decision answers: the verified claims (allowed), ``None`` (allowed without a
token: exempt, a preflight, or anonymous where the requirement is optional) or a
:class:`Denial` to send."""


SecurityHeadersOption = SecurityHeaders | Literal[Default.DEFAULT] | None
"""An adapter's ``security_headers``: a policy, :data:`DEFAULT` (the OWASP defaults), or
``None`` (off)."""


class PipelineOptions(TypedDict, total=False):
    """The keyword options every adapter takes, as :class:`Pipeline` does (typed ``**options``)."""

    realm: str | None
    authorization: bool
    cookie: str | None
    header: str | None
    query_param: str | None
    csrf: bool
    csrf_header: str
    csrf_cookie: str | None
    trusted_origins: Iterable[str]
    exempt: Iterable[str]
    exempt_methods: Iterable[str]
    allow_preflight: bool
    optional: bool
    scopes: str | Iterable[str]
    roles: str | Iterable[str]
    predicate: Predicate | None
    rules: Mapping[str, Requirement] | None
    roles_claim: str
    report_only: bool
    log_level: int
    on_deny: Callable[[Denial], Denial] | None
    resource_server: ResourceServer | None
