"""The one per-request decision every adapter shares, free of I/O and of any framework.

preflight or exempt method? -> the route path's requirement (exempt, a rule, the
default; ambiguous paths refused) -> find the token -> verify -> requirements -> allow
(claims, or None for anonymous) or deny (a :class:`Denial`: status, headers, body).
Adapters build a :class:`~jwtguard.http.request.RequestView` and translate the answer;
:meth:`Pipeline.decide` serves sync code (WSGI), :meth:`Pipeline.adecide` async code,
where a key fetch for a new ``kid`` is awaited instead of blocking the event loop.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar
from typing import Any, Final, Literal, TypedDict

from jwtguard.claims import Claims
from jwtguard.errors import (
    ConfigError,
    InvalidDPoPProofError,
    InvalidRequestError,
    TokenBindingError,
    TokenError,
)
from jwtguard.guard import Guard
from jwtguard.http.challenges import Challenges
from jwtguard.http.credentials import MissingTokenError, TokenLocations, parse_authorization
from jwtguard.http.denial import Denial, deny_for
from jwtguard.http.request import RequestView
from jwtguard.http.requirement import Predicate, Requirement
from jwtguard.http.routing import PathRules
from jwtguard.http.security_headers import SecurityHeaders
from jwtguard.http.sender import REPLAYED, SenderCheck
from jwtguard.oauth.resource import ResourceServer
from jwtguard.observability.counters import ALLOWED, ANONYMOUS, EXEMPT, REFUSED, WOULD_REFUSE
from jwtguard.observability.logs import refusal_fields
from jwtguard.protocols import ReplayCache

__all__ = [
    "DEFAULT",
    "Decision",
    "SecurityHeadersOption",
    "Default",
    "Denial",
    "Pending",
    "Pipeline",
    "PipelineOptions",
    "Predicate",
    "Requirement",
    "let_through",
    "resolve_security_headers",
]

logger = logging.getLogger("jwtguard.adapters")

_DENIAL_CACHE_SIZE: Final = 256
_PARSED_CACHE_SIZE: Final = 4096
_TWO_TOKENS: Final = "The request carries more than one access token."
_BOUND_AS_BEARER: Final = "A sender-constrained access token must be sent with its proof."
_METADATA_METHODS: Final = frozenset({"GET", "HEAD"})
_LET_THROUGH: Final[ContextVar[str | None]] = ContextVar("jwtguard_let_through", default=None)


def let_through() -> str | None:
    """Under ``report_only``: the code of the refusal a pipeline last let through in this
    context (thread or task), then forgotten; None when it let none through.

    For an adapter whose request may meet a second decision after the first (a view's
    own requirement behind a middleware): enforcement would have stopped at the first
    refusal, so report-only mode must not count or log the request again. Call it before
    deciding (to forget an earlier request's) and after.
    """
    code = _LET_THROUGH.get()
    if code is not None:
        _LET_THROUGH.set(None)
    return code


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


def resolve_security_headers(
    value: SecurityHeadersOption, pipeline: Pipeline
) -> SecurityHeaders | None:
    """``DEFAULT`` -> the default ``SecurityHeaders``; anything else is returned as is.

    When the token may come from a cookie, which the browser attaches by itself, ``Vary``
    also names ``Cookie`` and ``Cross-Origin-Resource-Policy: same-origin`` keeps other
    origins from embedding the responses (``<script>``/``<img>`` loads carry cookies)."""
    if value is not DEFAULT:
        return value
    if pipeline.locations.cookie is not None:
        return _COOKIE_DEFAULT
    return _DEFAULT


_DEFAULT: Final = SecurityHeaders()
_COOKIE_DEFAULT: Final = SecurityHeaders(
    vary=("Authorization", "Cookie"), cross_origin_resource_policy="same-origin"
)


class Pipeline:
    """The shared decision. Built once per adapter; :meth:`decide`/:meth:`adecide` per request.

    Args:
        guard: the :class:`jwtguard.Guard` that verifies tokens.
        realm: the ``realm`` of every ``WWW-Authenticate`` challenge (None: omitted).
        authorization: read ``Authorization: Bearer``. This and the seven below are the
            token locations and the CSRF rule, see :class:`TokenLocations`.
        cookie: name of a cookie holding the token (None: not read).
        header: name of a custom header holding the raw token.
        query_param: name of a query parameter holding the token (discouraged).
        csrf: for a token from the cookie on an unsafe method, require ``csrf_header``.
        csrf_header: a header a cross-site form cannot send.
        csrf_cookie: when set, double-submit: ``csrf_header`` must equal this cookie.
        trusted_origins: origins accepted on a websocket handshake authenticated by cookie.
        exempt: route paths served without authentication: ``"/health"`` exactly,
            ``"/static/*"`` everything below ``/static/``. See :mod:`jwtguard.http.routing`
            for the pattern semantics and the paths refused as ambiguous.
        exempt_methods: methods served without authentication (on every path).
        allow_preflight: let CORS preflights (``OPTIONS`` + ``Origin`` +
            ``Access-Control-Request-Method``) through; browsers never send credentials on them.
        optional: the default :class:`Requirement`'s ``optional`` (as the three below).
        scopes: the scopes every request needs, unless a rule says otherwise.
        roles: the roles every request needs.
        predicate: a check on the claims every request must pass.
        rules: per-path requirements (same patterns as ``exempt``; a rule ``"/admin/*"``
            also covers ``/admin``; the most specific pattern wins, exempt or rule).
        roles_claim: claim holding roles; dots walk into objects (``realm_access.roles``).
        report_only: decide and record everything, but let every request through.
        log_level: level of the one log line per refusal (code, never the token; its
            fields are in the record's ``extra``, see docs/observability.md).
        on_deny: ``Denial -> Denial`` hook to customise refusals.
        resource_server: a :class:`jwtguard.oauth.ResourceServer`: DPoP proofs,
            certificate-bound tokens, RFC 9728 metadata (served here on ``GET``) and the
            challenges naming it; with a ``resource``, the Guard's audience (or each
            tenant's) must name it. Without one, a sender-constrained token (any ``cnf``)
            is refused: its binding cannot be checked (see docs/resource-server.md).
        adapter: the name decisions are counted and logged under (each adapter passes
            its own: ``"asgi"``, ``"wsgi"``, ``"flask"``...), see ``guard.decisions``.
    """

    def __init__(
        self,
        guard: Guard,
        *,
        realm: str | None = "api",
        authorization: bool = True,
        cookie: str | None = None,
        header: str | None = None,
        query_param: str | None = None,
        csrf: bool = True,
        csrf_header: str = "X-CSRF-Token",
        csrf_cookie: str | None = None,
        trusted_origins: Iterable[str] = (),
        exempt: Iterable[str] = (),
        exempt_methods: Iterable[str] = (),
        allow_preflight: bool = True,
        optional: bool = False,
        scopes: str | Iterable[str] = (),
        roles: str | Iterable[str] = (),
        predicate: Predicate | None = None,
        rules: Mapping[str, Requirement] | None = None,
        roles_claim: str = "roles",
        report_only: bool = False,
        log_level: int = logging.INFO,
        on_deny: Callable[[Denial], Denial] | None = None,
        resource_server: ResourceServer | None = None,
        adapter: str = "custom",
    ) -> None:
        if not isinstance(guard, Guard):
            raise ConfigError("guard: must be a jwtguard.Guard")
        if not isinstance(adapter, str) or not adapter.isidentifier():
            raise ConfigError("adapter: a name made of letters, digits and underscores")
        self.adapter = adapter
        decisions = guard.decisions
        self._decisions = decisions
        # bound once: counting a hot-path decision is then one lock-free C call
        self._count_allowed = decisions.counter(adapter, ALLOWED)
        # with tenants, an allowed decision is counted under the tenant the token named
        self._tenant_counters = {
            issuer: decisions.counter(adapter, ALLOWED, "", issuer) for issuer in guard.tenants
        }
        self._count_anonymous = decisions.counter(adapter, ANONYMOUS)
        self._count_exempt = decisions.counter(adapter, EXEMPT)
        if realm is not None and (
            not isinstance(realm, str) or any(not 0x20 <= ord(c) < 0x7F for c in realm)
        ):
            raise ConfigError("realm: printable ASCII only")
        self.guard = guard
        self.verify = guard.verify
        self.realm = realm
        self.locations = TokenLocations(
            authorization=authorization,
            cookie=cookie,
            header=header,
            query_param=query_param,
            csrf=csrf,
            csrf_header=csrf_header,
            csrf_cookie=csrf_cookie,
            trusted_origins=tuple(trusted_origins),
            more_than_bearer=resource_server is not None,
        )
        self.default = Requirement.build(scopes, roles, predicate, optional)
        self.paths = PathRules(exempt, rules, self.default)
        if isinstance(exempt_methods, str):
            exempt_methods = (exempt_methods,)
        self._exempt_methods = frozenset(m.upper() for m in exempt_methods)
        self._preflight = bool(allow_preflight)
        if not isinstance(roles_claim, str) or not roles_claim:
            raise ConfigError("roles_claim: must be a non-empty claim name")
        self._roles_claim = tuple(roles_claim.split("."))
        self.report_only = bool(report_only)
        if not isinstance(log_level, int):
            raise ConfigError("log_level: must be a logging level number")
        self.log_level = log_level
        if on_deny is not None and not callable(on_deny):
            raise ConfigError("on_deny: must be callable")
        self._on_deny = on_deny
        self._denials: dict[tuple[Any, ...], Denial] = {}
        self._set_resource_server(resource_server, rules)
        locations = self.locations
        self._other_locations = bool(locations.cookie or locations.header or locations.query_param)
        self._parsed: dict[bytes | str, str] = {}
        self._may_wait = guard.may_wait
        self._authorization_only = self.locations.authorization_only
        self.header_only = bool(
            self.paths.empty and not self._exempt_methods and self.locations.authorization_only
        )
        """True when, but for ``OPTIONS`` requests, the decision reads nothing but the
        ``Authorization`` header: adapters may then call :meth:`decide_on_headers`."""

    def _set_resource_server(
        self, resource_server: ResourceServer | None, rules: Mapping[str, Requirement] | None
    ) -> None:
        if resource_server is not None and not isinstance(resource_server, ResourceServer):
            raise ConfigError("resource_server: must be a jwtguard.oauth.ResourceServer")
        self.resource_server = resource_server
        self._sender: SenderCheck | None = None
        self._replay: ReplayCache | None = None
        self._metadata: tuple[str, Denial] | None = None
        self._challenges: dict[str | None, Challenges] = {}
        if resource_server is None:
            return
        guard = self.guard
        audiences = [t.audience or guard.policy.audience for t in guard.tenants.values()]
        problems = resource_server.audience_problems(audiences or [guard.policy.audience])
        if resource_server.require_binding and any(
            r.binding == "bearer" for r in (rules or {}).values()
        ):
            problems.append("rules: a 'bearer' route contradicts require_binding")
        if problems:
            raise ConfigError(problems)
        self._sender = sender = SenderCheck(resource_server, self.guard.clock)
        self._replay = None if sender.dpop is None else sender.dpop.replay
        algs = None if sender.dpop is None else sender.dpop.challenge_algorithms()
        metadata_url = resource_server.metadata_url
        bearer = not resource_server.require_binding or resource_server.mtls is not None
        self._challenges = {
            binding: Challenges(
                self.realm,
                bearer=accepts_bearer,
                dpop_algs=None if binding == "mtls" else algs,
                resource_metadata=metadata_url,
            )
            for binding, accepts_bearer in (
                (None, bearer),
                ("bearer", True),
                ("bound", resource_server.mtls is not None or algs is None),
                ("dpop", algs is None),
                ("mtls", True),
            )
        }
        path = resource_server.metadata_path
        if path is not None and resource_server.serve_metadata:
            issuers = self.guard.policy.issuer or tuple(self.guard.tenants)
            methods = ("header", "query") if self.locations.query_param else ("header",)
            body = resource_server.metadata_body(issuers, methods)
            headers = [
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(body))),
                ("Cache-Control", "public, max-age=3600"),
                ("Access-Control-Allow-Origin", "*"),
            ]
            self._metadata = (path, Denial.build(200, "resource_metadata", headers, body))

    @property
    def metadata(self) -> Denial | None:
        """The RFC 9728 metadata answer (status 200) the pipeline serves, or None."""
        return None if self._metadata is None else self._metadata[1]

    def headers_decide(self, method: str, requirement: Requirement | None = None) -> bool:
        """Whether :meth:`decide_on_headers` / :meth:`decide_on_authorization` may decide a
        request with this method (and a route's own ``requirement``, if any)."""
        if requirement is not None:  # a preflight is let through even then: see _route
            return self._authorization_only and (method != "OPTIONS" or not self._preflight)
        return self.header_only and method != "OPTIONS"

    def unmet(self, claims: Claims, requirement: Requirement) -> TokenError | None:
        """Why verified ``claims`` fail ``requirement`` (None: they meet it), with this
        pipeline's roles claim: for permission checks made after authentication (DRF)."""
        return requirement.check(claims, self._roles_claim)

    def judge(
        self, claims: Claims, requirement: Requirement, method: str = "GET", path: str = ""
    ) -> Denial | None:
        """The refusal of ``claims`` this pipeline already accepted for a request (a
        middleware decided it) under a view's own ``requirement``, or None: what
        :meth:`decide` would answer without verifying again, which a DPoP request could
        not survive (its proof is single use). ``method`` and ``path`` are only logged."""
        if not requirement.checks_claims:
            return None
        scheme = None
        if self._sender is not None:
            cnf = claims.get("cnf")
            scheme = "DPoP" if isinstance(cnf, Mapping) and "jkt" in cnf else "Bearer"
        error = requirement.check(claims, self._roles_claim)
        if error is None:  # the request was counted allowed when it was decided
            return None
        found = self._refuse(error, method, path, claims, True, (scheme, requirement.binding))
        return found if isinstance(found, Denial) else None

    # -- routing -----------------------------------------------------------------------

    def requirement_for(self, request: RequestView) -> Requirement | None:
        """The requirement for ``request``, or None when it is exempt (a preflight, an
        exempt method or path). Raises InvalidRequestError (400) for an ambiguous path."""
        method = request.method
        if method in self._exempt_methods or (
            self._preflight and method == "OPTIONS" and request.preflight
        ):
            return None
        return self.paths.requirement_for(request.path, request.raw_path)

    # -- the decision ------------------------------------------------------------------

    def decide(self, request: RequestView, requirement: Requirement | None = None) -> Decision:
        """The decision for ``request`` (``requirement``: a route's own, instead of the paths').

        Synchronous: a key source that must fetch (a remote JWKS and a new ``kid``) is
        waited for in this thread. Async code calls :meth:`adecide`.
        """
        routed = self._route(request, requirement)
        if not isinstance(routed, Requirement):
            return routed
        if self._authorization_only:
            return self._bearer(request, routed, wait=True)  # type: ignore[return-value]
        if self._sender is not None:
            return self._decide_constrained(request, routed)
        token = self._token(request, routed)
        if not isinstance(token, str):
            return token
        try:
            claims = self.verify(token)
        except TokenError as exc:  # counted by the Guard
            return self._refuse(exc, request.method, request.path, None, count=False)
        return self._unconstrained(claims, routed, request)

    async def adecide(
        self, request: RequestView, requirement: Requirement | None = None
    ) -> Decision:
        """:meth:`decide` for async code: a key fetch is awaited, never blocking the loop."""
        routed = self._route(request, requirement)
        if not isinstance(routed, Requirement):
            return routed
        if self._authorization_only:
            found = self._bearer(request, routed, wait=False)
            if found is not Pending.AWAIT:
                return found
        if self._sender is not None:
            return await self._adecide_constrained(request, routed)
        token = self._token(request, routed)
        if not isinstance(token, str):
            return token
        try:
            if self._may_wait:
                claims = await self.guard.averify(token)
            else:  # CPU only: no need for a coroutine
                claims = self.verify(token)
        except TokenError as exc:  # counted by the Guard
            return self._refuse(exc, request.method, request.path, None, count=False)
        return self._unconstrained(claims, routed, request)

    def _unconstrained(self, claims: Claims, routed: Requirement, request: RequestView) -> Decision:
        """The answer to verified ``claims`` without a resource server: a token bound to a
        key or certificate (``cnf``) is refused, as nothing here checks its proof."""
        if "cnf" in claims:
            error = TokenBindingError(_BOUND_AS_BEARER)
            return self._refuse(error, request.method, request.path, None, count=True)
        return self._authorize(claims, routed, request.method, request.path)

    def _decide_constrained(self, request: RequestView, routed: Requirement) -> Decision:
        """:meth:`decide` under a resource server: binding, proof and its single use."""
        found = self._credential(request, routed)
        if not isinstance(found, tuple):
            return found
        token, scheme = found
        context = (scheme, routed.binding)
        claims = None
        try:
            claims = self.verify(token)
            proof = self._sender.check(  # type: ignore[union-attr]
                request, token, claims, scheme == "DPoP", routed.binding
            )
            if proof is not None and not self._replay.first_use(  # type: ignore[union-attr]
                proof.replay_key, proof.expires_at
            ):
                raise InvalidDPoPProofError("replayed", REPLAYED)
        except TokenError as exc:  # the Guard counted its own
            return self._refuse(
                exc, request.method, request.path, None, claims is not None, context
            )
        return self._authorize(claims, routed, request.method, request.path, context)

    async def _adecide_constrained(self, request: RequestView, routed: Requirement) -> Decision:
        """:meth:`_decide_constrained` for async code: key fetch and replay check awaited."""
        found = self._credential(request, routed)
        if not isinstance(found, tuple):
            return found
        token, scheme = found
        context = (scheme, routed.binding)
        claims = None
        try:
            claims = await self.guard.averify(token) if self._may_wait else self.verify(token)
            proof = self._sender.check(  # type: ignore[union-attr]
                request, token, claims, scheme == "DPoP", routed.binding
            )
            if proof is not None and not await self._replay.afirst_use(  # type: ignore[union-attr]
                proof.replay_key, proof.expires_at
            ):
                raise InvalidDPoPProofError("replayed", REPLAYED)
        except TokenError as exc:  # the Guard counted its own
            return self._refuse(
                exc, request.method, request.path, None, claims is not None, context
            )
        return self._authorize(claims, routed, request.method, request.path, context)

    def _credential(
        self, request: RequestView, requirement: Requirement
    ) -> tuple[str, str] | Decision:
        """``(token, scheme)`` under a resource server, or already the answer."""
        context: Context = (None, requirement.binding)
        scheme = "DPoP"  # a malformed DPoP credential: the error goes on the DPoP challenge
        try:
            token = self._sender.dpop_token(request)  # type: ignore[union-attr]
            if token is None:
                scheme = "Bearer"
                token = self.locations.find(request)
            elif self._other_locations and self.locations.find(request) is not None:
                raise InvalidRequestError(_TWO_TOKENS)  # a cookie, header or query token too
        except TokenError as exc:
            context = (scheme, requirement.binding)
            return self._refuse(exc, request.method, request.path, None, True, context)
        if token is not None:
            return token, scheme
        if requirement.optional:
            self._count_anonymous()
            return None
        error = MissingTokenError()
        return self._refuse(error, request.method, request.path, None, True, context)

    def decide_on_headers(
        self,
        method: str,
        path: str,
        raw_headers: Iterable[tuple[bytes, bytes]],
        requirement: Requirement | None = None,
        *,
        wait: bool = False,
    ) -> Decision | Literal[Pending.AWAIT]:
        """The decision from the ``Authorization`` header alone: what :meth:`decide`
        answers, without building a :class:`RequestView` (the adapters' hot path).

        Only valid when the decision reads nothing else: :attr:`header_only` and ``method``
        is not ``OPTIONS``, or the requirement is known (a route's own, or :meth:`route`'s)
        and ``locations.authorization_only`` (see :meth:`headers_decide`).
        ``raw_headers``: the request's ``(name, value)`` byte pairs, names lower-case.
        ``path`` is only logged. Answers :data:`Pending.AWAIT` instead of waiting when the
        token is not cached and the key source may fetch (then call :meth:`adecide`),
        unless ``wait`` (sync code): then it verifies, waiting if it must.
        """
        found = None
        for name, value in raw_headers:
            if name == b"authorization":
                if found is not None:
                    return self._refuse(
                        InvalidRequestError(_TWO_TOKENS), method, path, None, count=True
                    )
                found = value
        return self.decide_on_authorization(method, path, found, requirement, wait=wait)

    def decide_on_authorization(
        self,
        method: str,
        path: str,
        authorization: bytes | str | None,
        requirement: Requirement | None = None,
        *,
        wait: bool = False,
    ) -> Decision | Literal[Pending.AWAIT]:
        """:meth:`decide_on_headers` given the request's one ``Authorization`` value: the
        bytes of an ASGI header, or the ``str`` WSGI has (the server joins repeated lines
        with ``", "``, which is refused as two tokens). The same conditions apply."""
        found = authorization
        try:
            if found is None:
                token = None
            else:
                # Parsing is a pure function of the header: recent results of tokens that
                # verified are remembered below (bytes and str keys never collide). The
                # remembered str keeps its hash, which makes the Guard's look-up cheaper.
                token = self._parsed.get(found)
                if token is None:
                    text = found if isinstance(found, str) else found.decode("latin-1")
                    token = parse_authorization(text)
                else:
                    found = None  # already remembered
            if token is None:
                if (requirement or self.default).optional:
                    self._count_anonymous()
                    return None
                raise MissingTokenError
        except TokenError as exc:
            return self._refuse(exc, method, path, None, count=True)
        if self._may_wait and not wait and not self.guard.has_cached(token):
            return Pending.AWAIT
        try:
            claims = self.verify(token)
        except TokenError as exc:  # counted by the Guard
            return self._refuse(exc, method, path, None, count=False)
        if found is not None:  # only verified tokens: junk headers cannot fill memory
            if "cnf" in claims:  # bound to a key or certificate nobody checks here
                error = TokenBindingError(_BOUND_AS_BEARER)
                return self._refuse(error, method, path, None, count=True)
            if len(self._parsed) >= _PARSED_CACHE_SIZE:
                self._parsed.clear()
            self._parsed[found] = token
        if requirement is None:
            requirement = self.default
        if requirement.checks_claims:
            return self._authorize(claims, requirement, method, path)
        if self._tenant_counters:
            self._count_tenant(claims)
        else:
            self._count_allowed()
        return claims

    def _route(
        self, request: RequestView, requirement: Requirement | None
    ) -> Requirement | Decision:
        """The requirement ``request`` must meet, or already the answer (None: exempt).
        A CORS preflight passes even a route's own requirement: browsers never send
        credentials with one, and a CORS layer inside the route (flask-cors's
        ``@cross_origin`` under ``@jwt_required``) must be able to answer it."""
        method = request.method
        if self._preflight and method == "OPTIONS" and request.preflight:
            self._count_exempt()
            return None
        if requirement is not None:
            return requirement
        metadata = self._metadata
        if (
            metadata is not None
            and request.full_path == metadata[0]
            and method in _METADATA_METHODS
        ):
            return metadata[1]
        return self.route(method, request.path, request.raw_path)

    def route(self, method: str, path: str, raw_path: str | None = None) -> Requirement | Decision:
        """The requirement for a request that is not a CORS preflight, from its method and
        route path (see :class:`~jwtguard.http.request.RequestView`), or already the answer:
        None (exempt) or the :class:`Denial` of an ambiguous path. With
        :meth:`decide_on_headers` it is :meth:`decide` on primitives, for adapters' hot paths."""
        try:
            found = self.demand(method, path, raw_path)
        except TokenError as exc:
            return self._refuse(exc, method, path, None, count=True)
        if found is None:
            self._count_exempt()
        return found

    def demand(self, method: str, path: str, raw_path: str | None = None) -> Requirement | None:
        """What :meth:`route` finds (None: exempt), as a question about the configuration:
        nothing is counted or logged, and an ambiguous path raises its ``TokenError``
        (for documentation, such as the OpenAPI schema)."""
        if method in self._exempt_methods:
            return None
        return self.paths.requirement_for(path, raw_path)

    def _bearer(
        self, request: RequestView, requirement: Requirement, *, wait: bool
    ) -> Decision | Literal[Pending.AWAIT]:
        """The decision when only ``Authorization`` is read: :meth:`decide_on_authorization`."""
        lines = request.headers.get_all("authorization")
        pairs = [(b"authorization", line.encode("latin-1")) for line in lines]
        return self.decide_on_headers(request.method, request.path, pairs, requirement, wait=wait)

    def _token(self, request: RequestView, requirement: Requirement) -> str | Decision:
        """The token to verify, or already the answer (anonymous, or a refusal)."""
        try:
            token = self.locations.find(request)
        except TokenError as exc:
            return self._refuse(exc, request.method, request.path, None, count=True)
        if token is not None:
            return token
        if requirement.optional:
            self._count_anonymous()
            return None
        return self._refuse(MissingTokenError(), request.method, request.path, None, count=True)

    def _authorize(
        self,
        claims: Claims,
        requirement: Requirement,
        method: str,
        path: str,
        context: Context = (None, None),
    ) -> Decision:
        if requirement.checks_claims:
            error = requirement.check(claims, self._roles_claim)
            if error is not None:
                return self._refuse(error, method, path, claims, True, context)
        if self._tenant_counters:
            self._count_tenant(claims)
        else:
            self._count_allowed()
        return claims

    def _count_tenant(self, claims: Claims) -> None:
        """Count an allowed decision under the tenant of ``claims`` (a Guard with tenants
        accepted them, so their issuer is one of its tenants')."""
        issuer = claims.get("iss")
        count = self._tenant_counters.get(issuer) if isinstance(issuer, str) else None
        (count or self._count_allowed)()

    def _refuse(
        self,
        error: TokenError,
        method: str,
        path: str,
        claims: Claims | None,
        count: bool,
        context: Context = (None, None),
    ) -> Decision:
        if count:
            self.guard.record_reject(error.code)
        report_only = self.report_only
        tenant = error.tenant or self._tenant_of(claims)
        self._decisions.add(
            self.adapter, WOULD_REFUSE if report_only else REFUSED, error.code, tenant or ""
        )
        if logger.isEnabledFor(self.log_level):
            method = method[:16] if method.isalnum() else "?"
            path = path[:200]
            logger.log(
                self.log_level,
                "jwtguard: %s %s %r: %d %s",
                "would reject" if report_only else "rejected",
                method,
                path,
                error.status_code,
                error.code,
                extra=refusal_fields(
                    error.code,
                    error.status_code,
                    self.adapter,
                    method,
                    path,
                    report_only,
                    tenant,
                    error.kid,
                ),
            )
        if self.report_only:
            _LET_THROUGH.set(error.code)
            return claims
        return self.denial(error, context)

    def _tenant_of(self, claims: Claims | None) -> str | None:
        """The tenant of verified ``claims`` (its configured issuer), for the log record."""
        if claims is None:
            return None
        issuer = claims.get("iss")
        return issuer if isinstance(issuer, str) and issuer in self.guard.tenants else None

    def denial(self, error: TokenError, context: Context = (None, None)) -> Denial:
        """The (cached) :class:`Denial` answering ``error``. Under a resource server,
        ``context`` is the request's scheme (whose challenge carries the error) and the
        route's binding (which challenges it answers with)."""
        scheme, binding = context
        challenges = self._challenges.get(binding) or self._challenges.get(None)
        if getattr(error, "retry_after", None) is not None or getattr(error, "nonce", None):
            return self._customise(deny_for(error, self.realm, challenges, scheme))
        key = (type(error), error.description, getattr(error, "required", ()), scheme, binding)
        found = self._denials.get(key)
        if found is None:
            found = self._customise(deny_for(error, self.realm, challenges, scheme))
            if len(self._denials) >= _DENIAL_CACHE_SIZE:
                self._denials.clear()
            self._denials[key] = found
        return found

    def _customise(self, denial: Denial) -> Denial:
        return denial if self._on_deny is None else self._on_deny(denial)
