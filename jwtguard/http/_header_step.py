"""The decision from the ``Authorization`` header alone (the adapters' hot path), and the
allowing end every way through the decision shares (the requirement, then counting).

:class:`HeaderStep` is a base class of :class:`~jwtguard.http.pipeline.Pipeline` (above
:class:`~jwtguard.http._route_step.RouteStep`), so ``decide_on_headers`` and
``decide_on_authorization`` are the pipeline's own methods, called without delegation;
the pipeline's constructor sets the state declared here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Final, Literal

from jwtguard.claims import Claims
from jwtguard.errors import InvalidRequestError, TokenBindingError, TokenError
from jwtguard.guard import Guard
from jwtguard.http._route_step import RouteStep
from jwtguard.http.credentials import MissingTokenError, parse_authorization
from jwtguard.http.decision import TWO_TOKENS, Context, Decision, Pending
from jwtguard.http.request import RequestView
from jwtguard.http.requirement import Requirement

if TYPE_CHECKING:
    from jwtguard.http._resource_step import ResourceStep

__all__ = ["BOUND_AS_BEARER", "HeaderStep"]

_PARSED_CACHE_SIZE: Final = 4096
BOUND_AS_BEARER: Final = "A sender-constrained access token must be sent with its proof."


class HeaderStep(RouteStep):
    """The hot path and the allowing end of the decision."""

    guard: Guard
    verify: Callable[[str | bytes], Claims]
    default: Requirement
    _parsed: dict[bytes | str, str]
    _may_wait: bool
    _roles_claim: tuple[str, ...]
    _tenant_counters: dict[str, Callable[[], object]]
    _count_allowed: Callable[[], object]
    _count_anonymous: Callable[[], object]
    _resource: ResourceStep | None
    remembered_claims: Callable[[bytes | str], Claims | None] | None
    """The adapters' fastest path, where :attr:`decides_remembered`: for an
    ``Authorization`` value whose token this pipeline allowed before, the claims while its
    verification stays cached and valid, counted allowed; None for anything else (not
    seen, expired, evicted), with nothing counted: then decide the usual way, which
    refuses and counts once. None itself where the guard answers nothing from its cache
    alone (:meth:`Guard.cache_lookup`) or decisions are counted per tenant."""

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
                    if self._resource is not None:  # refused there, on the right challenge
                        return Pending.AWAIT
                    return self._refuse(
                        InvalidRequestError(TWO_TOKENS), method, path, None, count=True
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
        with ``", "``, which is refused as two tokens). The same conditions apply.

        Under a resource server it answers only what needs nothing sender-constrained (see
        :meth:`_bearer_under_resource`), and :data:`Pending.AWAIT` for the rest: then
        decide on the request view (:meth:`decide`, :meth:`adecide`)."""
        if self._resource is not None:
            return self._bearer_under_resource(method, path, authorization, requirement)
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
                error = TokenBindingError(BOUND_AS_BEARER)
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

    @property
    def decides_remembered(self) -> bool:
        """True when a request :meth:`headers_decide` lets the ``Authorization`` header
        decide, without a route's own requirement, may be answered by
        :attr:`remembered_claims`: no resource server, and a default requirement that asks
        nothing of the claims."""
        return self._resource is None and not self.default.checks_claims

    def _bearer_under_resource(
        self,
        method: str,
        path: str,
        authorization: bytes | str | None,
        requirement: Requirement | None,
    ) -> Decision | Literal[Pending.AWAIT]:
        """The resource server's fast path: a cached ``Bearer`` token without ``cnf``, on a
        route that demands no binding, is decided here (as the full decision would: the
        same answers, counted once). Anything else may need the request view: a DPoP
        credential and its proof, a ``cnf`` (refused as a downgrade, or checked against
        the client certificate), the RFC 9728 metadata path, a missing or malformed
        credential (answered on the resource server's challenges): :data:`Pending.AWAIT`.
        """
        if requirement is None:
            requirement = self.default
        if (
            authorization is None
            or (requirement.binding is not None and requirement.binding != "bearer")
            or "/.well-known/" in path
        ):
            return Pending.AWAIT
        token = self._parsed.get(authorization)
        remembered = token is not None
        if token is None:
            text = (
                authorization if isinstance(authorization, str) else authorization.decode("latin-1")
            )
            try:
                token = parse_authorization(text)
            except TokenError:
                return Pending.AWAIT
            if token is None:  # another scheme
                return Pending.AWAIT
            # a look that counts nothing: a cnf token is the full decision's to verify
            # (and count), once; remembered tokens never have a cnf
            cached = self.guard.cached_claims(token)
            if cached is None or "cnf" in cached:  # new, or bound
                return Pending.AWAIT
        context = ("Bearer", requirement.binding)
        try:
            claims = self.verify(token)
        except TokenError as exc:  # expired or revoked since it was cached; counted
            return self._refuse(exc, method, path, None, False, context)
        if not remembered:  # only verified tokens: junk headers cannot fill memory
            if len(self._parsed) >= _PARSED_CACHE_SIZE:
                self._parsed.clear()
            self._parsed[authorization] = token
        return self._authorize(claims, requirement, method, path, context)

    def _bearer(
        self, request: RequestView, requirement: Requirement, *, wait: bool
    ) -> Decision | Literal[Pending.AWAIT]:
        """The decision when only ``Authorization`` is read: :meth:`decide_on_authorization`."""
        lines = request.headers.get_all("authorization")
        pairs = [(b"authorization", line.encode("latin-1")) for line in lines]
        return self.decide_on_headers(request.method, request.path, pairs, requirement, wait=wait)

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
