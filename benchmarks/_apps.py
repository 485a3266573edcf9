"""The in-process apps that ``benchmarks.middleware`` times: bare, jwtguard, and peers.

The jwtguard rows appear only when the adapters can be imported.
"""

from __future__ import annotations

import functools
import time
from typing import Any

from benchmarks._material import AUDIENCE, ISSUER

__all__ = [
    "DictMiddleware",
    "appending_headers",
    "dict_decorator",
    "fastapi_apps",
    "flask_apps",
    "flask_jwt_extended_config",
    "pyjwt_backend",
    "starlette_apps",
]


def starlette_apps(guard: Any, secret: str, uncached: Any = None) -> dict[str, Any]:
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.middleware.authentication import AuthenticationMiddleware
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    async def endpoint(request: Any) -> Any:
        return PlainTextResponse("ok")

    routes = [Route("/", endpoint)]

    apps: dict[str, Any] = {
        "Starlette bare": Starlette(routes=routes),
        "Starlette + AuthenticationMiddleware (PyJWT)": Starlette(
            routes=routes,
            middleware=[Middleware(AuthenticationMiddleware, backend=pyjwt_backend(secret))],
        ),
        "Starlette + raw dict middleware": Starlette(
            routes=routes, middleware=[Middleware(DictMiddleware, guard=guard)]
        ),
    }
    try:
        from jwtguard.adapters.asgi import JWTGuardMiddleware
    except ImportError:
        return apps
    from jwtguard import SecurityHeaders
    from jwtguard.adapters.headers import SecurityHeadersMiddleware

    api_set = SecurityHeaders().asgi_headers([], authenticated=True)
    apps["Starlette + raw dict middleware + headers"] = Starlette(
        routes=routes, middleware=[Middleware(DictMiddleware, guard=guard, headers=api_set)]
    )
    apps["Starlette + jwtguard"] = Starlette(
        routes=routes,
        middleware=[Middleware(JWTGuardMiddleware, guard=guard, security_headers=None)],
    )
    apps["Starlette + jwtguard (default)"] = Starlette(
        routes=routes, middleware=[Middleware(JWTGuardMiddleware, guard=guard)]
    )
    apps["Starlette + SecurityHeadersMiddleware"] = Starlette(
        routes=routes, middleware=[Middleware(SecurityHeadersMiddleware)]
    )
    if uncached is not None:
        apps["Starlette + jwtguard (cache off)"] = Starlette(
            routes=routes,
            middleware=[Middleware(JWTGuardMiddleware, guard=uncached, security_headers=None)],
        )
    return apps


def pyjwt_backend(secret: str) -> Any:
    """A Starlette AuthenticationBackend calling PyJWT, refusing missing or bad tokens."""
    import jwt
    from starlette.authentication import (
        AuthCredentials,
        AuthenticationBackend,
        AuthenticationError,
        SimpleUser,
    )

    class PyJWTBackend(AuthenticationBackend):
        async def authenticate(self, conn: Any) -> Any:
            header = conn.headers.get("authorization")
            if header is None:
                raise AuthenticationError("missing token")
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer":
                raise AuthenticationError("not a bearer token")
            try:
                claims = jwt.decode(
                    token,
                    secret,
                    algorithms=["HS256"],
                    audience=AUDIENCE,
                    issuer=ISSUER,
                    options={"require": ["exp"]},
                )
            except jwt.InvalidTokenError as exc:
                raise AuthenticationError("invalid token") from exc
            return AuthCredentials(claims.get("scope", "").split()), SimpleUser(claims["sub"])

    return PyJWTBackend()


class DictMiddleware:
    """The least an ASGI authentication middleware can do with a cache (reference floor);
    with ``headers`` (raw byte pairs), the least one adding response headers can do: append
    them, unchecked, to every response start through a send wrapper. With ``learn``, a
    token not remembered yet is verified by ``guard`` once and remembered (over HTTP,
    where the server does not know the users' tokens in advance)."""

    def __init__(self, app: Any, guard: Any, headers: Any = (), *, learn: bool = False) -> None:
        self.app = app
        self.entries: dict[bytes, tuple[Any, float]] = {}
        self.guard = guard
        self.headers = list(headers)  # appended to every response start when given
        self.learn = learn

    def remember(self, token: str) -> tuple[Any, float]:
        claims = self.guard.verify(token)
        entry = self.entries[token.encode()] = (claims, float(claims["exp"]))
        return entry

    def _learned(self, token: bytes) -> tuple[Any, float] | None:
        try:
            return self.remember(token.decode("latin-1"))
        except Exception:  # any refusal: not remembered, answered 401
            return None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            entry = None
            for name, value in scope["headers"]:
                if name == b"authorization" and value[:7].lower() == b"bearer ":
                    entry = self.entries.get(value[7:])
                    if entry is None and self.learn:
                        entry = self._learned(value[7:])
                    break
            if entry is None or time.time() >= entry[1]:
                await send({"type": "http.response.start", "status": 401, "headers": []})
                await send({"type": "http.response.body", "body": b""})
                return
            scope["user"] = entry[0]
        extra = self.headers
        if not extra:
            await self.app(scope, receive, send)
            return

        def send_with_headers(message: Any) -> Any:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *extra]
            return send(message)

        await self.app(scope, receive, send_with_headers)


def fastapi_apps(guard: Any, secret: str) -> dict[str, Any]:
    import jwt
    from fastapi import Depends, FastAPI, HTTPException
    from fastapi.responses import PlainTextResponse
    from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

    bare = FastAPI()

    @bare.get("/")
    async def bare_view() -> Any:
        return PlainTextResponse("ok")

    security = HTTPBearer()

    async def current_claims(
        credentials: HTTPAuthorizationCredentials = Depends(security),  # noqa: B008
    ) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                credentials.credentials,
                secret,
                algorithms=["HS256"],
                audience=AUDIENCE,
                issuer=ISSUER,
                options={"require": ["exp"]},
            )
        except jwt.InvalidTokenError:
            raise HTTPException(status_code=401, detail="invalid token") from None
        return claims

    pyjwt_app = FastAPI()

    @pyjwt_app.get("/")
    async def pyjwt_view(claims: dict[str, Any] = Depends(current_claims)) -> Any:  # noqa: B008
        return PlainTextResponse("ok")

    async def nothing() -> None:
        return None

    noop_app = FastAPI()

    @noop_app.get("/")
    async def noop_view(claims: None = Depends(nothing)) -> Any:
        return PlainTextResponse("ok")

    apps: dict[str, Any] = {
        "FastAPI bare": bare,
        "FastAPI + empty dependency": noop_app,
        "FastAPI + HTTPBearer (PyJWT)": pyjwt_app,
    }
    try:
        from jwtguard.adapters.fastapi import JWTBearer
    except ImportError:
        return apps
    bearer = JWTBearer(guard)
    ours = FastAPI()
    bearer.install(ours)

    @ours.get("/")
    async def ours_view(claims: Any = Depends(bearer)) -> Any:  # noqa: B008
        return PlainTextResponse("ok")

    apps["FastAPI + jwtguard JWTBearer"] = ours
    from jwtguard.adapters.headers import SecurityHeadersMiddleware

    hardened = FastAPI()
    bearer.install(hardened)

    @hardened.get("/")
    async def hardened_view(claims: Any = Depends(bearer)) -> Any:  # noqa: B008
        return PlainTextResponse("ok")

    apps["FastAPI + jwtguard JWTBearer + SecurityHeadersMiddleware"] = SecurityHeadersMiddleware(
        hardened
    )
    return apps


def dict_decorator(guard: Any, token: str = "", *, learn: bool = False) -> Any:
    """The least a Flask view decorator can do with a cache (reference floor): read
    ``Authorization`` through ``request.headers``, look the token up in a dict, compare exp.
    ``token`` is remembered beforehand; with ``learn`` any other is verified by ``guard``
    once and remembered (see :class:`DictMiddleware`)."""
    from flask import g, request

    entries: dict[str, tuple[Any, float]] = {}

    def remember(token: str) -> tuple[Any, float] | None:
        try:
            claims = guard.verify(token)
        except Exception:  # any refusal: not remembered, answered 401
            return None
        entry = entries[token] = (claims, float(claims["exp"]))
        return entry

    if token and remember(token) is None:
        raise ValueError("dict_decorator: the token to remember does not verify")

    def decorator(view: Any) -> Any:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            header = request.headers.get("Authorization")
            entry = None
            if header is not None and header[:7].lower() == "bearer ":
                entry = entries.get(header[7:])
                if entry is None and learn:
                    entry = remember(header[7:])
            if entry is None or time.time() >= entry[1]:
                return "", 401
            g.claims = entry[0]
            return view(*args, **kwargs)

        return wrapper

    return decorator


def appending_headers(wsgi_app: Any, lines: Any) -> Any:
    """``wsgi_app`` appending ``lines`` (``str`` pairs), unchecked, to every response's
    headers through a ``start_response`` wrapper: the least a WSGI layer adding headers
    does (the Flask analogue of ``DictMiddleware(headers=...)``)."""
    extra = list(lines)

    def app(environ: Any, start_response: Any) -> Any:
        def start(status: str, headers: list[Any], exc_info: Any = None) -> Any:
            return start_response(status, headers + extra, exc_info)

        return wsgi_app(environ, start)

    return app


def flask_jwt_extended_config(secret: str) -> dict[str, Any]:
    """flask-jwt-extended's settings for the benchmarks' tokens: HS256 only, the same
    audience and issuer jwtguard checks, the token from the Authorization header."""
    return {
        "JWT_SECRET_KEY": secret,
        "JWT_ALGORITHM": "HS256",
        "JWT_DECODE_ALGORITHMS": ["HS256"],
        "JWT_DECODE_AUDIENCE": AUDIENCE,
        "JWT_DECODE_ISSUER": ISSUER,
        "JWT_TOKEN_LOCATION": ["headers"],
    }


def flask_apps(guard: Any, secret: str, uncached: Any = None, token: str = "") -> dict[str, Any]:
    from flask import Flask

    def view() -> str:
        return "ok"

    bare = Flask("bare")
    bare.route("/")(view)
    apps: dict[str, Any] = {"Flask bare": bare}
    if token:
        floor = Flask("floor")
        floor.route("/")(dict_decorator(guard, token)(view))
        apps["Flask + plain dict decorator"] = floor
        try:
            from jwtguard import SecurityHeaders
        except ImportError:
            pass
        else:  # the view answers text/html: the lines jwtguard's default adds to it
            lines = SecurityHeaders().wsgi_headers([], authenticated=True, html=True)
            floored = Flask("floor_headers")
            floored.route("/")(dict_decorator(guard, token)(view))
            floored.wsgi_app = appending_headers(floored.wsgi_app, lines)  # type: ignore[method-assign]
            apps["Flask + plain dict decorator + headers"] = floored
    try:
        from flask_jwt_extended import JWTManager
        from flask_jwt_extended import jwt_required as fjwt_required

        fjwt = Flask("fjwt")
        fjwt.config.update(flask_jwt_extended_config(secret))
        JWTManager(fjwt)
        fjwt.route("/")(fjwt_required()(view))
        apps["Flask + flask-jwt-extended"] = fjwt
    except ImportError:
        pass
    try:
        from jwtguard.adapters.flask import JWTGuard, jwt_required
        from jwtguard.adapters.wsgi import JWTGuardWSGIMiddleware
    except ImportError:
        return apps
    ext = Flask("ext")
    JWTGuard(ext, guard=guard, security_headers=None)
    ext.route("/")(jwt_required(view))
    apps["Flask + jwtguard extension"] = ext
    default = Flask("ext_default")
    JWTGuard(default, guard=guard)
    default.route("/")(jwt_required(view))
    apps["Flask + jwtguard extension (default)"] = default
    if uncached is not None:
        off = Flask("ext_uncached")
        JWTGuard(off, guard=uncached, security_headers=None)
        off.route("/")(jwt_required(view))
        apps["Flask + jwtguard extension (cache off)"] = off
    wrapped = Flask("wrapped")
    wrapped.route("/")(view)
    apps["Flask + jwtguard WSGI middleware"] = JWTGuardWSGIMiddleware(
        wrapped, guard=guard, security_headers=None
    )
    wrapped_default = Flask("wrapped_default")
    wrapped_default.route("/")(view)
    apps["Flask + jwtguard WSGI middleware (default)"] = JWTGuardWSGIMiddleware(
        wrapped_default, guard=guard
    )
    return apps
