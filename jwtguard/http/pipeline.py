"""The one per-request decision every adapter shares, free of I/O and of any framework.

preflight or exempt method? -> the route path's requirement (exempt, a rule, the
default; ambiguous paths refused) -> find the token -> verify -> requirements -> allow
(claims, or None for anonymous) or deny (a :class:`Denial`: status, headers, body).
Adapters build a :class:`~jwtguard.http.request.RequestView` and translate the answer;
:meth:`Pipeline.decide` serves sync code (WSGI), :meth:`Pipeline.adecide` async code,
where a key fetch for a new ``kid`` is awaited instead of blocking the event loop.

Kept whole: this module builds the pipeline (its documented options) and holds the
general decision flow. Its parts: the routing step (``_route_step``) and the
``Authorization`` hot path with the allowing end (``_header_step``), both base classes
of :class:`Pipeline`; the resource-server step (``_resource_step``), the refusals
(``_refusals``), and the vocabulary the adapters share (:mod:`jwtguard.http.decision`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Final

from jwtguard.claims import Claims
from jwtguard.errors import ConfigError, TokenBindingError, TokenError
from jwtguard.guard import Guard
from jwtguard.http._header_step import BOUND_AS_BEARER, HeaderStep
from jwtguard.http._refusals import Refusals, let_through
from jwtguard.http._resource_step import ResourceStep
from jwtguard.http.credentials import MissingTokenError, TokenLocations
from jwtguard.http.decision import (
    DEFAULT,
    Context,
    Decision,
    Default,
    Pending,
    PipelineOptions,
    SecurityHeadersOption,
)
from jwtguard.http.denial import Denial
from jwtguard.http.request import RequestView
from jwtguard.http.requirement import Predicate, Requirement
from jwtguard.http.routing import PathRules
from jwtguard.http.security_headers import SecurityHeaders
from jwtguard.oauth.resource import ResourceServer
from jwtguard.observability.counters import ALLOWED, ANONYMOUS, EXEMPT

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


class Pipeline(HeaderStep):
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
            # under a resource server, only require_binding needs more than Authorization
            # for every request (see HeaderStep._bearer_under_resource)
            more_than_bearer=resource_server is not None
            and getattr(resource_server, "require_binding", True),
        )
        self.default = Requirement.build(scopes, roles, predicate, optional)
        paths = PathRules(exempt, rules, self.default)
        if isinstance(exempt_methods, str):
            exempt_methods = (exempt_methods,)
        methods = frozenset(m.upper() for m in exempt_methods)
        preflight = bool(allow_preflight)
        if not isinstance(roles_claim, str) or not roles_claim:
            raise ConfigError("roles_claim: must be a non-empty claim name")
        self._roles_claim = tuple(roles_claim.split("."))
        report_only = self.report_only = bool(report_only)
        if not isinstance(log_level, int):
            raise ConfigError("log_level: must be a logging level number")
        self.log_level = log_level
        if on_deny is not None and not callable(on_deny):
            raise ConfigError("on_deny: must be callable")
        refusals = Refusals(guard, adapter, realm, report_only, log_level, on_deny)
        self._refusals = refusals
        self._refuse = refusals.refuse
        if resource_server is not None and not isinstance(resource_server, ResourceServer):
            raise ConfigError("resource_server: must be a jwtguard.oauth.ResourceServer")
        self.resource_server = resource_server
        resource = None
        if resource_server is not None:
            resource = ResourceStep(
                resource_server,
                guard,
                realm,
                self.locations,
                rules,
                self._refuse,
                self._authorize,
                self._count_anonymous,
            )
            refusals.challenges = resource.challenges
        self._resource = resource
        self.dpop_nonces = resource is not None and resource.dpop_nonces
        """True under server nonces: adapters put :func:`~jwtguard.http.dpop_nonce` on
        allowed responses."""
        self._set_routes(
            paths,
            methods,
            preflight,
            self.locations.authorization_only,
            None if resource is None else resource.metadata,
            self._refuse,
            self._count_exempt,
        )
        self._parsed: dict[bytes | str, str] = {}
        self._may_wait = guard.may_wait
        self.remembered_claims = (
            guard.cache_lookup(self._parsed.get, self._count_allowed)
            if self.decides_remembered and not self._tenant_counters
            else None
        )
        # decide() tries the Authorization-only path first, but not under a resource
        # server: a DPoP request would pay for the attempt
        self._bearer_first = self.locations.authorization_only and resource is None

    @property
    def metadata(self) -> Denial | None:
        """The RFC 9728 metadata answer (status 200) the pipeline serves, or None."""
        return None if self._metadata is None else self._metadata[1]

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
        if self._resource is not None:
            scheme = self._resource.scheme_of(claims)
        error = requirement.check(claims, self._roles_claim)
        if error is None:  # the request was counted allowed when it was decided
            return None
        found = self._refuse(error, method, path, claims, True, (scheme, requirement.binding))
        return found if isinstance(found, Denial) else None

    # -- the decision ------------------------------------------------------------------

    def decide(self, request: RequestView, requirement: Requirement | None = None) -> Decision:
        """The decision for ``request`` (``requirement``: a route's own, instead of the paths').

        Synchronous: a key source that must fetch (a remote JWKS and a new ``kid``) is
        waited for in this thread. Async code calls :meth:`adecide`.
        """
        routed = self._route(request, requirement)
        if not isinstance(routed, Requirement):
            return routed
        if self._bearer_first:
            return self._bearer(request, routed, wait=True)  # type: ignore[return-value]
        if self._resource is not None:
            return self._resource.decide(request, routed)
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
        if self._bearer_first:
            found = self._bearer(request, routed, wait=False)
            if found is not Pending.AWAIT:
                return found
        if self._resource is not None:
            return await self._resource.adecide(request, routed)
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
            error = TokenBindingError(BOUND_AS_BEARER)
            return self._refuse(error, request.method, request.path, None, count=True)
        return self._authorize(claims, routed, request.method, request.path)

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

    def denial(self, error: TokenError, context: Context = (None, None)) -> Denial:
        """The (cached) :class:`Denial` answering ``error``. Under a resource server,
        ``context`` is the request's scheme (whose challenge carries the error) and the
        route's binding (which challenges it answers with)."""
        return self._refusals.denial(error, context)
