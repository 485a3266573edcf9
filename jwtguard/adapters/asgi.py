"""Pure ASGI middleware (Starlette, FastAPI, any ASGI app).

::

    app = JWTGuardMiddleware(app, guard=guard, exempt=["/health"])

Trust model: the middleware trusts only the token. It authenticates ``http``
requests and ``websocket`` handshakes; every other scope (``lifespan``, ...)
passes through untouched. On success ``scope["user"]`` and ``scope["auth"]``
have the shape of Starlette's ``BaseUser`` / ``AuthCredentials`` (so
``request.user``, ``request.auth.scopes`` and ``@requires`` work) and the claims
are in ``scope["state"]["claims"]`` (``request.state.claims``). A refused
websocket is closed with 1008 (policy violation) before it is accepted.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any

from jwtguard.claims import Claims
from jwtguard.guard import Guard
from jwtguard.http.pipeline import DEFAULT, Denial, Pipeline, resolve_security_headers

if TYPE_CHECKING:
    from starlette.authentication import AuthCredentials as _CredentialsBase
    from starlette.authentication import BaseUser as _UserBase
else:
    try:
        from starlette.authentication import AuthCredentials as _CredentialsBase
        from starlette.authentication import BaseUser as _UserBase
    except ImportError:  # a plain ASGI app without Starlette: duck-typed classes
        _CredentialsBase = _UserBase = object

__all__ = ["JWTAuthCredentials", "JWTGuardMiddleware", "JWTUser"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class JWTUser(_UserBase):
    """``request.user`` for a verified token: ``identity``/``display_name`` are ``sub``."""

    def __init__(self, claims: Claims | None) -> None:
        self.claims = claims

    @property
    def is_authenticated(self) -> bool:
        """True when a token was verified (False for anonymous requests)."""
        return self.claims is not None

    @property
    def display_name(self) -> str:
        """The subject (``sub``), or ``""``."""
        return (self.claims.subject if self.claims is not None else None) or ""

    @property
    def identity(self) -> str:
        """The subject (``sub``), or ``""``."""
        return self.display_name


class JWTAuthCredentials(_CredentialsBase):
    """``request.auth``: ``scopes`` and ``claims``.

    ``scopes`` is a sorted tuple (Starlette's is a list): one object serves every
    request with the same token, so it must not be mutable.
    """

    def __init__(self, claims: Claims | None) -> None:
        self.claims = claims
        self.scopes = () if claims is None else tuple(sorted(claims.scopes))  # type: ignore[assignment]


_ANONYMOUS = JWTUser(None)
_NO_CREDENTIALS = JWTAuthCredentials(None)


class JWTGuardMiddleware:
    """Authenticate every HTTP request and websocket handshake with a :class:`Guard`.

    Args:
        app: the ASGI app to protect.
        guard: verifies tokens.
        security_headers: a :class:`jwtguard.SecurityHeaders` applied to every
            HTTP response (default: the OWASP defaults; ``None``: off).
        **options: see :class:`jwtguard.adapters.Pipeline` (``exempt``,
            ``cookie``, ``scopes``, ``rules``, ``report_only``, ...).
    """

    def __init__(
        self, app: ASGIApp, *, guard: Guard, security_headers: Any = DEFAULT, **options: Any
    ) -> None:
        self.app = app
        self.pipeline = Pipeline(guard, **options)
        self.security_headers = resolve_security_headers(security_headers, self.pipeline)
        self._decide = self.pipeline.decide_asgi
        self._principals: dict[int, tuple[Claims, JWTUser, JWTAuthCredentials]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind != "http" and kind != "websocket":
            await self.app(scope, receive, send)
            return
        result = self._decide(scope)
        if type(result) is Denial:
            if kind == "websocket":
                await send({"type": "websocket.close", "code": 1008, "reason": result.code})
            else:
                await self._send_denial(result, send)
            return
        state = scope.get("state")
        if state is None:
            scope["state"] = {"claims": result}
        else:
            state["claims"] = result
        if result is None:
            if "user" not in scope:  # keep what an outer authentication layer set
                scope["user"] = _ANONYMOUS
                scope["auth"] = _NO_CREDENTIALS
        else:
            # The Guard hands out the same Claims object for every hit on one token:
            # reuse the user objects built for it (keyed by identity, checked with ``is``).
            found = self._principals.get(id(result))
            if found is None or found[0] is not result:
                found = self._principal(result)
            scope["user"] = found[1]
            scope["auth"] = found[2]
        if self.security_headers is None or kind == "websocket":
            await self.app(scope, receive, send)
            return
        policy = self.security_headers
        authenticated = result is not None

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.get("headers", ())
                message["headers"] = policy.asgi_headers(
                    headers if type(headers) is list else list(headers),
                    authenticated=authenticated,
                )
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _principal(self, claims: Claims) -> tuple[Claims, JWTUser, JWTAuthCredentials]:
        if len(self._principals) >= 1024:
            self._principals.clear()
        found = (claims, JWTUser(claims), JWTAuthCredentials(claims))
        self._principals[id(claims)] = found
        return found

    async def _send_denial(self, denial: Denial, send: Send) -> None:
        headers = list(denial.raw_headers)
        if self.security_headers is not None:
            headers = self.security_headers.asgi_headers(headers, authenticated=False)
        await send({"type": "http.response.start", "status": denial.status, "headers": headers})
        await send({"type": "http.response.body", "body": denial.body})
