"""Pure ASGI middleware (Starlette, FastAPI, any ASGI app).

::

    app = JWTGuardMiddleware(app, guard=guard, exempt=["/health"])

Trust model: the middleware trusts only the token. It authenticates ``http``
requests and ``websocket`` handshakes; every other scope (``lifespan``, ...)
passes through untouched. Rules and exempt paths are matched on the route path,
the path the app's router sees (``root_path`` removed, as Starlette's
``get_route_path`` does), so they are written relative to where the middleware
sits: inside ``Mount("/v1", app=...)`` or under ``uvicorn --root-path /api`` a rule
for ``/admin`` protects ``/v1/admin`` and ``/api/admin``. On success
``scope["user"]`` and ``scope["auth"]`` have the shape of Starlette's ``BaseUser`` /
``AuthCredentials`` (``request.auth.scopes`` holds ``"authenticated"`` and the
token's scopes, so ``request.user``, ``@requires("authenticated")`` and
``@requires("admin")`` work) and the claims are in ``scope["state"]["claims"]``
(``request.state.claims``). A refused websocket handshake is answered with the same
401/403 response as a plain request where the server supports the ASGI websocket
denial-response extension (uvicorn does); elsewhere it is closed with 1008 (policy
violation) before it is accepted, which clients see as a bare HTTP 403.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any

from jwtguard.adapters._asgi_scope import client_certificate, request_from_scope, route_path
from jwtguard.adapters._asgi_user import ANONYMOUS, NO_CREDENTIALS, JWTAuthCredentials, JWTUser
from jwtguard.adapters._middleware import set_up
from jwtguard.adapters._nonce_headers import asgi_send_adding_nonce
from jwtguard.claims import Claims
from jwtguard.guard import Guard
from jwtguard.http.pipeline import (
    DEFAULT,
    Denial,
    Pending,
    PipelineOptions,
    SecurityHeadersOption,
    let_through,
)
from jwtguard.http.request import WEBSOCKET
from jwtguard.http.requirement import Requirement
from jwtguard.http.sender import dpop_nonce

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = [
    "LET_THROUGH_KEY",
    "JWTAuthCredentials",
    "JWTGuardMiddleware",
    "JWTUser",
    "client_certificate",
    "request_from_scope",
    "route_path",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_DENIAL_EXTENSION = "websocket.http.response"
_CORS_FIX = (
    "list CORSMiddleware before JWTGuardMiddleware in middleware=[...], or add it after "
    "JWTGuardMiddleware with app.add_middleware (the last added is the outermost)"
)
_AWAIT = Pending.AWAIT
LET_THROUGH_KEY = "jwtguard_let_through"
"""``scope["state"]`` key: the refusal a report-only middleware let through (counted)."""
_TWO: Any = object()


def _principal(claims: Claims) -> tuple[JWTUser, JWTAuthCredentials]:
    """``scope["user"]`` and ``scope["auth"]`` for ``claims`` (kept on them by the caller)."""
    return JWTUser(claims), JWTAuthCredentials(claims)


class JWTGuardMiddleware:
    """Authenticate every HTTP request and websocket handshake with a :class:`Guard`.

    Args:
        app: the ASGI app to protect.
        guard: verifies tokens.
        security_headers: a :class:`jwtguard.SecurityHeaders` applied to every
            HTTP response (default: the OWASP defaults; ``None``: off).
        **options: see :class:`jwtguard.http.PipelineOptions` (``exempt``,
            ``cookie``, ``scopes``, ``rules``, ``report_only``, ...).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        guard: Guard,
        security_headers: SecurityHeadersOption = DEFAULT,
        **options: Unpack[PipelineOptions],
    ) -> None:
        self.app = app
        self.pipeline, policy, self._html_path = set_up(
            app, guard, security_headers, options, "asgi", "JWTGuardMiddleware", _CORS_FIX
        )
        self.security_headers = policy
        self._merge = None if policy is None else policy.asgi_merge
        # by (html, authenticated): 2 * html + authenticated
        self._senders = (
            None
            if policy is None
            else tuple(
                policy.asgi_sender(authenticated=authenticated, html=html)
                for html in (False, True)
                for authenticated in (False, True)
            )
        )
        pipeline = self.pipeline
        self._header_only = pipeline.header_only
        self._authorization_only = pipeline.locations.authorization_only
        self._route = pipeline.route
        self._on_headers = pipeline.decide_on_headers
        self._on_authorization = pipeline.decide_on_authorization
        self._adecide = pipeline.adecide
        self._nonces = pipeline.dpop_nonces
        self._report_only = pipeline.report_only
        # The fastest path: a token allowed before, on a pipeline that reads only the
        # Authorization header and asks nothing more of the claims (report-only mode
        # takes the general path, which keeps what it let through). What it reads, in
        # one attribute: the cache look-up, the authenticated API sender, the HTML paths.
        remembered = pipeline.remembered_claims
        self._remembered = (
            (
                remembered,
                None if self._senders is None else self._senders[1],
                self._html_path,
            )
            if remembered is not None
            and pipeline.header_only
            and not pipeline.report_only
            and not pipeline.dpop_nonces
            else None
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        remembered = self._remembered
        if remembered is not None and scope["type"] == "http":
            found = None
            for name, value in scope["headers"]:
                if name == b"authorization":
                    if found is not None:  # two: refused on the general path
                        found = None
                        break
                    found = value
            else:
                if found is not None and scope["method"] != "OPTIONS":
                    lookup, sender, html_path = remembered
                    claims = lookup(found)
                    if claims is not None:  # else: decided the usual way, counted there
                        # _admitted for an authenticated HTTP request, in this frame
                        state = scope.get("state")
                        if state is None:
                            scope["state"] = {"claims": claims}
                        else:
                            state["claims"] = claims
                        principal = claims._view
                        if principal is None:
                            principal = claims._view = _principal(claims)
                        scope["user"] = principal[0]
                        scope["auth"] = principal[1]
                        if sender is not None:
                            if html_path is not None and html_path(route_path(scope)):
                                sender = self._senders[3]  # type: ignore[index]
                            send = sender(send)
                        await self.app(scope, receive, send)
                        return
        await self._decide(scope, receive, send)

    async def _decide(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The general path: every scope, every option."""
        kind = scope["type"]
        if kind != "http" and kind != "websocket":
            await self.app(scope, receive, send)
            return
        method = scope.get("method") or WEBSOCKET
        if self._report_only:
            let_through()  # forget an earlier request's
        if self._header_only and method != "OPTIONS":
            found = None
            for name, value in scope["headers"]:
                if name == b"authorization":
                    if found is not None:  # two: decide_on_headers refuses them
                        found = _TWO
                        break
                    found = value
            if found is _TWO:
                result = self._on_headers(method, scope["path"], scope["headers"])
            else:
                result = self._on_authorization(method, scope["path"], found)
        elif self._authorization_only and method != "OPTIONS":
            # Only the route path and Authorization count: decided on them, without a
            # request view (the same decision: Pipeline.route, then decide_on_headers).
            raw = scope.get("raw_path")
            routed = self._route(
                method, route_path(scope), None if raw is None else raw.decode("latin-1")
            )
            if isinstance(routed, Requirement):
                result = self._on_headers(method, scope["path"], scope["headers"], routed)
            else:
                result = routed
        else:
            result = await self._adecide(request_from_scope(scope))
        if result is _AWAIT:  # a key fetch may be needed: awaited, not blocking the loop
            result = await self._adecide(request_from_scope(scope))
        if self._nonces:  # a fresh DPoP nonce for the response (RFC 9449 section 8.2)
            nonce = dpop_nonce()
            if nonce is not None and kind == "http" and type(result) is not Denial:
                send = asgi_send_adding_nonce(send, nonce)
        if type(result) is Denial:
            if kind == "http":
                await self._send_denial(result, send, "http.response")
            elif _DENIAL_EXTENSION in (scope.get("extensions") or ()):
                await self._send_denial(result, send, _DENIAL_EXTENSION)
            else:
                await send({"type": "websocket.close", "code": 1008, "reason": result.code})
            return
        send = self._admitted(scope, result, send)  # type: ignore[arg-type]
        if self._report_only:  # counted and logged here: a JWTBearer behind must not again
            code = let_through()
            if code is not None:
                scope["state"][LET_THROUGH_KEY] = code
        await self.app(scope, receive, send)

    def _admitted(self, scope: Scope, claims: Claims | None, send: Send) -> Send:
        """Put the decision on ``scope`` (claims, user, auth); the ``send`` the app gets:
        ``send`` adding the security headers to an HTTP response."""
        state = scope.get("state")
        if state is None:
            scope["state"] = {"claims": claims}
        else:
            state["claims"] = claims
        if claims is None:
            if "user" not in scope:  # keep what an outer authentication layer set
                scope["user"] = ANONYMOUS
                scope["auth"] = NO_CREDENTIALS
        else:
            # The Guard hands out the same Claims object for every hit on one token:
            # the user objects built for it are kept with it.
            principal = claims._view
            if principal is None:
                principal = claims._view = _principal(claims)
            scope["user"] = principal[0]
            scope["auth"] = principal[1]
        senders = self._senders
        if senders is None or scope["type"] == "websocket":
            return send
        html = self._html_path is not None and self._html_path(route_path(scope))
        wrap: Callable[[Send], Send] = senders[(2 if html else 0) + (0 if claims is None else 1)]
        return wrap(send)

    async def _send_denial(self, denial: Denial, send: Send, kind: str) -> None:
        """The refusal as ``http.response.*`` (or ``websocket.http.response.*``) messages."""
        headers: Any = list(denial.raw_headers)
        if self._merge is not None:
            headers = self._merge(headers, False, False, denial.status)
        await send({"type": kind + ".start", "status": denial.status, "headers": headers})
        await send({"type": kind + ".body", "body": denial.body})
