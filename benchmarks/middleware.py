"""Per-request cost of authentication layers, in process, on a cache-friendly token.

ASGI apps are called directly with a prebuilt scope and ``receive``/``send``
inside one event loop (a test client would cost more than the apps do); WSGI
apps with a prebuilt environ. Every protected contender refuses a request with
a tampered token and accepts the real one (checked before timing), verifies an
HS256 signature with the allow-list ``["HS256"]`` and checks ``exp``, ``aud``
and ``iss``. jwtguard rows run with ``security_headers=None`` so they do the
same work as the peers; one extra row shows the cost with the default headers.
"""

from __future__ import annotations

import asyncio
import gc
import io
import sys
import time
import warnings
from collections.abc import Callable
from itertools import repeat
from typing import Any

from benchmarks._material import AUDIENCE, ISSUER, Material, claims_for, tamper
from benchmarks._timing import Plan, Runner, compare

__all__ = ["CONFIGURATION", "pyjwt_backend", "run"]

CONFIGURATION = {
    "Starlette bare": "Starlette app, one route returning PlainTextResponse('ok')",
    "Starlette + jwtguard": "the same app with Middleware(JWTGuardMiddleware, guard=Guard(secret, "
    "algorithms=['HS256'], audience, issuer), security_headers=None); cache hit",
    "Starlette + jwtguard + headers": "as above with the default OWASP security headers "
    "(extra work the peers do not do)",
    "Starlette + raw dict middleware": "reference floor: a pure ASGI middleware that finds the "
    "Authorization header, looks the token up in a dict and compares exp with time.time()",
    "Starlette + AuthenticationMiddleware (PyJWT)": "Starlette's AuthenticationMiddleware with a "
    "backend calling jwt.decode(token, secret, algorithms=['HS256'], audience, issuer) and "
    "raising AuthenticationError on a missing or bad token",
    "FastAPI bare": "FastAPI app, one async route returning PlainTextResponse('ok')",
    "FastAPI + jwtguard JWTBearer": "the route depends on Depends(JWTBearer(guard)); cache hit",
    "FastAPI + HTTPBearer (PyJWT)": "the route depends on an async dependency taking "
    "HTTPBearer() credentials and calling jwt.decode as above",
    "Flask bare": "Flask app, one view returning 'ok'",
    "Flask + jwtguard extension": "JWTGuard(app, guard=..., security_headers=None) and "
    "@jwt_required on the view; cache hit",
    "Flask + jwtguard WSGI middleware": "JWTGuardWSGIMiddleware(flask_app, guard=..., "
    "security_headers=None); cache hit",
    "Flask + flask-jwt-extended": "JWTManager(app) with JWT_SECRET_KEY, JWT_DECODE_AUDIENCE, "
    "JWT_DECODE_ISSUER, JWT_ALGORITHM='HS256'; @jwt_required() on the view",
}

ASGI_BASE = "Starlette bare"
FASTAPI_BASE = "FastAPI bare"
WSGI_BASE = "Flask bare"


# -- apps -------------------------------------------------------------------------------


def _starlette_apps(guard: Any, secret: str) -> dict[str, Any]:
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.middleware.authentication import AuthenticationMiddleware
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    async def endpoint(request: Any) -> Any:
        return PlainTextResponse("ok")

    routes = [Route("/", endpoint)]

    apps = {
        "Starlette bare": Starlette(routes=routes),
        "Starlette + AuthenticationMiddleware (PyJWT)": Starlette(
            routes=routes,
            middleware=[Middleware(AuthenticationMiddleware, backend=pyjwt_backend(secret))],
        ),
        "Starlette + raw dict middleware": Starlette(
            routes=routes, middleware=[Middleware(_DictMiddleware, guard=guard)]
        ),
    }
    try:
        from jwtguard.adapters.asgi import JWTGuardMiddleware
    except ImportError:
        return apps
    apps["Starlette + jwtguard"] = Starlette(
        routes=routes,
        middleware=[Middleware(JWTGuardMiddleware, guard=guard, security_headers=None)],
    )
    apps["Starlette + jwtguard + headers"] = Starlette(
        routes=routes, middleware=[Middleware(JWTGuardMiddleware, guard=guard)]
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


class _DictMiddleware:
    """The least an ASGI authentication middleware can do with a cache (reference floor)."""

    def __init__(self, app: Any, guard: Any) -> None:
        self.app = app
        self.entries: dict[bytes, tuple[Any, float]] = {}
        self.guard = guard

    def remember(self, token: str) -> None:
        claims = self.guard.verify(token)
        self.entries[token.encode()] = (claims, float(claims["exp"]))

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            entry = None
            for name, value in scope["headers"]:
                if name == b"authorization" and value[:7].lower() == b"bearer ":
                    entry = self.entries.get(value[7:])
                    break
            if entry is None or time.time() >= entry[1]:
                await send({"type": "http.response.start", "status": 401, "headers": []})
                await send({"type": "http.response.body", "body": b""})
                return
            scope["user"] = entry[0]
        await self.app(scope, receive, send)


def _fastapi_apps(guard: Any, secret: str) -> dict[str, Any]:
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

    apps = {"FastAPI bare": bare, "FastAPI + HTTPBearer (PyJWT)": pyjwt_app}
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
    return apps


def _flask_apps(guard: Any, secret: str) -> dict[str, Any]:
    from flask import Flask

    def view() -> str:
        return "ok"

    bare = Flask("bare")
    bare.route("/")(view)
    apps: dict[str, Any] = {"Flask bare": bare}
    try:
        from flask_jwt_extended import JWTManager
        from flask_jwt_extended import jwt_required as fjwt_required

        fjwt = Flask("fjwt")
        fjwt.config.update(
            JWT_SECRET_KEY=secret,
            JWT_ALGORITHM="HS256",
            JWT_DECODE_ALGORITHMS=["HS256"],
            JWT_DECODE_AUDIENCE=AUDIENCE,
            JWT_DECODE_ISSUER=ISSUER,
            JWT_TOKEN_LOCATION=["headers"],
        )
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
    wrapped = Flask("wrapped")
    wrapped.route("/")(view)
    apps["Flask + jwtguard WSGI middleware"] = JWTGuardWSGIMiddleware(
        wrapped, guard=guard, security_headers=None
    )
    return apps


# -- drivers ----------------------------------------------------------------------------


def _scope(token: str) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/",
        "raw_path": b"/",
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"127.0.0.1:8000"),
            (b"user-agent", b"bench/1.0"),
            (b"accept", b"*/*"),
            (b"authorization", b"Bearer " + token.encode("ascii")),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }


_REQUEST = {"type": "http.request", "body": b"", "more_body": False}


async def _receive() -> dict[str, Any]:
    return _REQUEST


def asgi_status(app: Any, token: str, loop: asyncio.AbstractEventLoop) -> int:
    """Serve one request and return its status code."""
    status = [0]

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status[0] = message["status"]

    loop.run_until_complete(app(_scope(token), _receive, send))
    return status[0]


def asgi_runner(app: Any, token: str, loop: asyncio.AbstractEventLoop) -> Runner:
    """Serve ``n`` requests in one event-loop run; nanoseconds per request."""
    base = _scope(token)

    async def send(message: dict[str, Any]) -> None:
        pass

    async def batch(n: int) -> None:
        for _ in repeat(None, n):
            await app(dict(base), _receive, send)

    def run(n: int) -> float:
        gc.disable()
        try:
            start = time.perf_counter_ns()
            loop.run_until_complete(batch(n))
            return (time.perf_counter_ns() - start) / n
        finally:
            gc.enable()

    return run


def _environ(token: str) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": "/",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_USER_AGENT": "bench/1.0",
        "HTTP_ACCEPT": "*/*",
        "HTTP_AUTHORIZATION": f"Bearer {token}",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }


def wsgi_call(app: Any, environ: dict[str, Any]) -> int:
    """Serve one request (body consumed, iterable closed) and return its status code."""
    status = [0]

    def start_response(line: str, headers: Any, exc_info: Any = None) -> Callable[..., Any]:
        status[0] = int(line[:3])
        return _ignore

    body = app(dict(environ), start_response)
    try:
        for _ in body:
            pass
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()
    return status[0]


def _ignore(*_args: Any) -> None:
    pass


def wsgi_runner(app: Any, token: str) -> Runner:
    """Serve ``n`` requests; nanoseconds per request."""
    base = _environ(token)

    def run(n: int) -> float:
        gc.disable()
        try:
            start = time.perf_counter_ns()
            for _ in repeat(None, n):
                wsgi_call(app, base)
            return (time.perf_counter_ns() - start) / n
        finally:
            gc.enable()

    return run


# -- run --------------------------------------------------------------------------------


def _check(name: str, status_of: Callable[[str], int], token: str) -> None:
    ok, bad = status_of(token), status_of(tamper(token))
    protected = name not in (ASGI_BASE, FASTAPI_BASE, WSGI_BASE)
    if ok != 200 or (protected and not 400 <= bad < 500):
        raise AssertionError(f"{name}: valid token gave {ok}, tampered token gave {bad}")


def run(quick: bool = True, *, tiny: bool = False, progress: Any = None) -> dict[str, Any]:
    """Per-request nanoseconds and overheads over the bare app, side by side."""
    from jwtguard import Guard

    plan = Plan.for_mode(quick, tiny=tiny)
    material = Material.make("HS256")
    secret = material.verify_text
    claims = {**claims_for(7), "type": "access", "fresh": False}  # flask-jwt-extended wants these
    token = material.token(claims)
    guard = Guard(secret, algorithms=["HS256"], audience=AUDIENCE, issuer=ISSUER)
    loop = asyncio.new_event_loop()
    out: dict[str, Any] = {"plan": {"rounds": plan.rounds, "batch_ms": plan.batch_ms}}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            groups: dict[str, dict[str, Runner]] = {"asgi": {}, "wsgi": {}}
            asgi_apps = {**_starlette_apps(guard, secret), **_fastapi_apps(guard, secret)}
            for name, app in asgi_apps.items():
                for middleware in _middlewares(app):
                    if isinstance(middleware, _DictMiddleware):
                        middleware.remember(token)
                _check(name, lambda t, app=app: asgi_status(app, t, loop), token)
                groups["asgi"][name] = asgi_runner(app, token, loop)
            for name, app in _flask_apps(guard, secret).items():
                _check(name, lambda t, app=app: wsgi_call(app, _environ(t)), token)
                groups["wsgi"][name] = wsgi_runner(app, token)
            for group, runners in groups.items():
                if progress:
                    progress(f"middleware {group}")
                measured = compare(runners, plan)
                out[group] = _summarise(measured)
    finally:
        loop.close()
    out["targets"] = targets(out)
    return out


def _middlewares(app: Any) -> list[Any]:
    """Build a Starlette app's middleware stack and return its layers."""
    if not hasattr(app, "build_middleware_stack"):
        return []
    if app.middleware_stack is None:
        app.middleware_stack = app.build_middleware_stack()
    layers, layer = [], app.middleware_stack
    while layer is not None and hasattr(layer, "app"):
        layers.append(layer)
        layer = layer.app
    return layers


def _base_of(name: str) -> str:
    if name.startswith("FastAPI"):
        return FASTAPI_BASE
    return ASGI_BASE if name.startswith("Starlette") else WSGI_BASE


def _summarise(measured: dict[str, Any]) -> dict[str, Any]:
    rows = {}
    for name, result in measured.items():
        base = measured[_base_of(name)]
        ratio = result.ratio_to(base)
        rows[name] = {
            "median_ns": result.median_ns,
            "quartiles_ns": result.spread(),
            "vs_bare": ratio,
            "overhead": ratio - 1.0,
            "base": _base_of(name),
        }
    return rows


def _overhead_ratio(rows: dict[str, Any], peer: str, ours: str) -> float | None:
    if peer not in rows or ours not in rows:
        return None
    return rows[peer]["overhead"] / max(rows[ours]["overhead"], 1e-3)


def targets(out: dict[str, Any]) -> list[dict[str, Any]]:
    """The adapters issue's targets with their measured values."""
    asgi, wsgi = out.get("asgi", {}), out.get("wsgi", {})
    found: list[dict[str, Any]] = []
    if "Starlette + jwtguard" in asgi:
        overhead = asgi["Starlette + jwtguard"]["overhead"]
        found.append(
            {
                "target": "ASGI middleware overhead on a cache hit <= 20% of bare Starlette",
                "measured": overhead,
                "limit": 0.20,
                "met": overhead <= 0.20,
                "unit": "fraction",
            }
        )
    for label, rows, peer, ours in (
        ("AuthenticationMiddleware+PyJWT overhead / jwtguard ASGI overhead", asgi,
         "Starlette + AuthenticationMiddleware (PyJWT)", "Starlette + jwtguard"),
        ("HTTPBearer+PyJWT overhead / jwtguard JWTBearer overhead (FastAPI)", asgi,
         "FastAPI + HTTPBearer (PyJWT)", "FastAPI + jwtguard JWTBearer"),
        ("flask-jwt-extended overhead / jwtguard Flask extension overhead", wsgi,
         "Flask + flask-jwt-extended", "Flask + jwtguard extension"),
        ("flask-jwt-extended overhead / jwtguard WSGI middleware overhead", wsgi,
         "Flask + flask-jwt-extended", "Flask + jwtguard WSGI middleware"),
    ):  # fmt: skip
        ratio = _overhead_ratio(rows, peer, ours)
        if ratio is not None:
            found.append(
                {"target": f"{label} >= 10", "measured": ratio, "limit": 10.0,
                 "met": ratio >= 10.0, "unit": "x"}
            )  # fmt: skip
    return found


def table(out: dict[str, Any]) -> str:
    """Plain-text rows: microseconds per request and overhead over the bare app."""
    lines = []
    for group in ("asgi", "wsgi"):
        lines.append(f"\n{group}")
        for name, row in out.get(group, {}).items():
            lines.append(
                f"  {name:<46} {row['median_ns'] / 1000:>8.2f} us  "
                f"{row['overhead'] * 100:>+7.1f}% over {row['base']}"
            )
    lines.append("\ntargets")
    for t in out["targets"]:
        mark = "met " if t["met"] else "MISS"
        lines.append(f"  [{mark}] {t['target']}: {t['measured']:.2f}")
    return "\n".join(lines)


if __name__ == "__main__":
    result = run(quick="--full" not in sys.argv[1:], progress=lambda m: print(m, file=sys.stderr))
    print(table(result))
