"""What only the ASGI middleware does: websockets, lifespan, Starlette's user/auth/state."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.authentication import requires
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import WebSocketDenialResponse
from starlette.websockets import WebSocket

from jwtguard.adapters.asgi import JWTGuardMiddleware
from jwtguard.testing import TokenFactory

from .conftest import TestClient


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def whoami(request: Request) -> JSONResponse:
    return JSONResponse(
        {
            "identity": request.user.identity,
            "display_name": request.user.display_name,
            "authenticated": request.user.is_authenticated,
            "scopes": list(request.auth.scopes),
            "claims_sub": None if request.state.claims is None else request.state.claims["sub"],
        }
    )


@requires("admin")
async def admin(request: Request) -> PlainTextResponse:
    return PlainTextResponse("admin")


@requires("authenticated")
async def members(request: Request) -> PlainTextResponse:
    return PlainTextResponse("members")


async def socket(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_json(
        {"sub": websocket.user.identity, "scopes": list(websocket.auth.scopes)}
    )
    await websocket.close()


def starlette_app(**options: Any) -> Any:
    app = Starlette(
        routes=[
            Route("/me", whoami),
            Route("/admin", admin),
            Route("/members", members),
            WebSocketRoute("/ws", socket),
        ]
    )
    return JWTGuardMiddleware(app, **options)


def test_request_user_auth_and_state(factory: TokenFactory) -> None:
    client = TestClient(starlette_app(guard=factory.guard()))
    response = client.get("/me", headers=bearer(factory.issue(sub="ann", scope="b a")))
    assert response.json() == {
        "identity": "ann",
        "display_name": "ann",
        "authenticated": True,
        "scopes": ["authenticated", "a", "b"],
        "claims_sub": "ann",
    }


def test_anonymous_user_on_optional_routes(factory: TokenFactory) -> None:
    client = TestClient(starlette_app(guard=factory.guard(), optional=True))
    assert client.get("/me").json() == {
        "identity": "",
        "display_name": "",
        "authenticated": False,
        "scopes": [],
        "claims_sub": None,
    }


def test_starlette_requires_decorator(factory: TokenFactory) -> None:
    client = TestClient(starlette_app(guard=factory.guard()))
    assert client.get("/admin", headers=bearer(factory.issue(scope="admin"))).text == "admin"
    assert client.get("/admin", headers=bearer(factory.issue(scope="read"))).status_code == 403


def test_requires_authenticated_as_starlette_documents_it(factory: TokenFactory) -> None:
    """Starlette's docs and AuthenticationMiddleware grant "authenticated" to every
    authenticated request; ``@requires("authenticated")`` relies on it."""
    client = TestClient(starlette_app(guard=factory.guard(), optional=True))
    assert client.get("/members", headers=bearer(factory.issue(sub="m"))).text == "members"
    assert client.get("/members").status_code == 403  # anonymous: no "authenticated"
    anonymous = client.get("/me").json()
    assert anonymous["scopes"] == [] and anonymous["authenticated"] is False


def test_websocket_handshake_authenticated(factory: TokenFactory) -> None:
    client = TestClient(starlette_app(guard=factory.guard()))
    token = factory.issue(sub="ws", scope="chat")
    with client.websocket_connect("/ws", headers=bearer(token)) as ws:
        assert ws.receive_json() == {"sub": "ws", "scopes": ["authenticated", "chat"]}


REFUSED_HANDSHAKES = [
    pytest.param({}, 401, "missing_token", id="no-token"),
    pytest.param({"Authorization": "Bearer junk"}, 401, "invalid_token", id="bad-token"),
    pytest.param({"Authorization": "Bearer a b"}, 400, "invalid_request", id="malformed"),
]


@pytest.mark.parametrize(("headers", "status", "error"), REFUSED_HANDSHAKES)
def test_websocket_refused_with_the_http_denial(
    factory: TokenFactory, headers: dict[str, str], status: int, error: str
) -> None:
    """The server offers the denial-response extension (TestClient does, as uvicorn):
    the handshake is answered like a plain request, challenge and JSON body included."""
    client = TestClient(starlette_app(guard=factory.guard()))
    with (
        pytest.raises(WebSocketDenialResponse) as caught,
        client.websocket_connect("/ws", headers=headers),
    ):
        pass  # pragma: no cover - the handshake is refused
    assert caught.value.status_code == status
    assert caught.value.headers["www-authenticate"].startswith('Bearer realm="api"')
    assert caught.value.json()["error"] == error
    assert caught.value.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(("headers", "status", "error"), REFUSED_HANDSHAKES)
def test_websocket_refused_with_1008_without_the_extension(
    factory: TokenFactory, headers: dict[str, str], status: int, error: str
) -> None:
    """A server without the denial-response extension: closed with 1008 before accept."""
    import asyncio

    sent: list[dict[str, Any]] = []
    middleware = starlette_app(guard=factory.guard())
    scope = {
        "type": "websocket",
        "path": "/ws",
        "raw_path": b"/ws",
        "root_path": "",
        "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "extensions": {},
    }

    async def receive() -> dict[str, Any]:
        return {"type": "websocket.connect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(middleware(scope, receive, send))
    assert sent == [{"type": "websocket.close", "code": 1008, "reason": error_code(error)}]


def error_code(error: str) -> str:
    """jwtguard's code for the RFC 6750 error of each refused handshake above."""
    return {"missing_token": "missing_token", "invalid_token": "malformed"}.get(
        error, "invalid_request"
    )


def test_websocket_cookie_needs_same_origin(factory: TokenFactory) -> None:
    client = TestClient(starlette_app(guard=factory.guard(), cookie="at"))
    cookie = {"Cookie": f"at={factory.issue(sub='c')}"}
    same = {**cookie, "Origin": "http://testserver"}
    with client.websocket_connect("/ws", headers=same) as ws:
        assert ws.receive_json()["sub"] == "c"
    for origin in ({"Origin": "https://evil.example"}, {}):
        with (
            pytest.raises(WebSocketDenialResponse) as caught,
            client.websocket_connect("/ws", headers={**cookie, **origin}),
        ):
            pass  # pragma: no cover - the handshake is refused
        assert caught.value.status_code == 403
        assert caught.value.json()["error"] == "csrf"
    trusted = TestClient(
        starlette_app(guard=factory.guard(), cookie="at", trusted_origins=["https://app.example"])
    )
    with trusted.websocket_connect(
        "/ws", headers={**cookie, "Origin": "https://app.example"}
    ) as ws:
        assert ws.receive_json()["sub"] == "c"


def test_lifespan_passes_through_with_its_state(factory: TokenFactory) -> None:
    events: list[str] = []

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        events.append("startup")
        yield {"db": "connection"}
        events.append("shutdown")

    async def endpoint(request: Request) -> JSONResponse:
        return JSONResponse({"db": request.state.db, "sub": request.state.claims["sub"]})

    app = Starlette(routes=[Route("/", endpoint)], lifespan=lifespan)
    with TestClient(JWTGuardMiddleware(app, guard=factory.guard())) as client:
        assert events == ["startup"]
        token = factory.issue(sub="l")
        assert client.get("/", headers=bearer(token)).json() == {"db": "connection", "sub": "l"}
        assert client.get("/").status_code == 401
    assert events == ["startup", "shutdown"]


def test_plain_asgi_app_without_starlette_objects(factory: TokenFactory) -> None:
    seen: list[Any] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen.append((scope["user"].identity, scope["state"]["claims"]["sub"]))
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    client = TestClient(JWTGuardMiddleware(app, guard=factory.guard(), security_headers=None))
    assert client.get("/", headers=bearer(factory.issue(sub="p"))).status_code == 204
    assert seen == [("p", "p")]


def test_unknown_scope_types_pass_through(factory: TokenFactory) -> None:
    import asyncio

    calls: list[str] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        calls.append(scope["type"])

    middleware = JWTGuardMiddleware(app, guard=factory.guard())

    async def nothing() -> dict[str, Any]:
        return {}

    async def ignore(message: Any) -> None:
        raise AssertionError("nothing may be sent")

    asyncio.run(middleware({"type": "custom.protocol"}, nothing, ignore))
    assert calls == ["custom.protocol"]


def test_user_objects_are_reused_for_one_token_and_not_shared(factory: TokenFactory) -> None:
    users: list[Any] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        users.append((scope["user"], scope["auth"]))
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    client = TestClient(JWTGuardMiddleware(app, guard=factory.guard()))
    first, second = factory.issue(sub="a", scope="x"), factory.issue(sub="b")
    for token in (first, first, second):
        client.get("/", headers=bearer(token))
    assert users[0][0] is users[1][0]
    assert users[2][0].identity == "b"
    assert users[2][1].scopes == ("authenticated",)
    assert isinstance(users[0][1].scopes, tuple)  # shared, so immutable


def test_only_verified_tokens_are_remembered(factory: TokenFactory) -> None:
    middleware = starlette_app(guard=factory.guard())
    client = TestClient(middleware)
    for n in range(20):
        assert client.get("/me", headers=bearer(f"junk.{n}." + "x" * 5000)).status_code == 401
    assert middleware.pipeline._parsed == {}  # junk cannot fill memory
    token = factory.issue(sub="v")
    for _ in range(3):
        assert client.get("/me", headers=bearer(token)).status_code == 200
    assert list(middleware.pipeline._parsed.values()) == [token]


def test_json_response_takes_request_state_claims(factory: TokenFactory) -> None:
    async def claims(request: Request) -> JSONResponse:
        return JSONResponse(request.state.claims)  # what Starlette users write

    async def wrapped(request: Request) -> JSONResponse:
        return JSONResponse({"claims": request.state.claims, "org": request.state.claims["org"]})

    app = Starlette(routes=[Route("/claims", claims), Route("/wrapped", wrapped)])
    client = TestClient(JWTGuardMiddleware(app, guard=factory.guard()))
    payload = {"sub": "7", "roles": ["reader"], "org": {"id": 3, "teams": ["a"]}}
    auth = bearer(factory.issue(payload))
    body = client.get("/claims", headers=auth).json()
    assert {k: body[k] for k in payload} == payload
    assert client.get("/claims", headers=auth).json() == body  # the cached claims, unchanged
    assert client.get("/wrapped", headers=auth).json()["org"] == payload["org"]


# -- a token allowed before: the remembered path answers as the general path does ------

APP_HEADERS: list[list[tuple[bytes, bytes]]] = [
    [],
    [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", b"2")],
    [(b"content-type", b"application/json")],
    [(b"content-type", b"text/html; charset=utf-8")],
    [(b"Content-Type", b"TEXT/HTML"), (b"X-Custom", b"1")],
    [(b"content-type", b"application/xhtml+xml")],
    [(b"x-frame-options", b"SAMEORIGIN")],
    [(b"X-Frame-Options", b"SAMEORIGIN"), (b"content-type", b"text/html")],
    [(b"content-security-policy", b"default-src 'self'")],
    [(b"cache-control", b"public, max-age=60")],
    [(b"Cache-Control", b"private"), (b"vary", b"Accept")],
    [(b"vary", b"Accept"), (b"content-type", b"application/json")],
    [(b"content-type", b"application/json"), (b"content-type", b"text/html")],
    [(b"set-cookie", b"a=1"), (b"set-cookie", b"b=2"), (b"x-custom", b"2")],
]
POLICIES: list[dict[str, Any]] = [
    {},
    {"html_paths": ["/docs", "/static/*"]},
    {"override": ["x-frame-options"], "extra": (("X-Extra", "1"),)},
    {"cache_control": None, "vary": ("Authorization", "Cookie")},
    {"cross_origin_resource_policy": "same-origin", "hsts_max_age": None},
]


def _raw_app(headers: list[tuple[bytes, bytes]], status: int) -> Any:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": status, "headers": list(headers)})
        await send({"type": "http.response.body", "body": b"ok"})

    return app


def _serve(middleware: Any, path: str, authorization: list[bytes]) -> list[dict[str, Any]]:
    import asyncio

    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"t")] + [(b"authorization", a) for a in authorization],
    }
    asyncio.run(middleware(scope, receive, send))
    return sent


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: ",".join(p) or "default")
def test_remembered_tokens_get_the_general_paths_headers(
    factory: TokenFactory, policy: dict[str, Any]
) -> None:
    from jwtguard import SecurityHeaders

    guard = factory.guard()
    token = b"Bearer " + factory.issue(sub="r").encode()
    answered = 0
    for headers in APP_HEADERS:
        for status in (200, 304, 404):
            # one middleware per response shape (its tables learn the app's spellings as
            # they go), the expected list from a fresh policy (nothing learned yet)
            middleware = JWTGuardMiddleware(
                _raw_app(headers, status), guard=guard, security_headers=SecurityHeaders(**policy)
            )
            for path in ("/", "/docs", "/static/app.js"):
                html = bool(policy.get("html_paths")) and path != "/"
                expected = SecurityHeaders(**policy).asgi_headers(
                    list(headers), authenticated=True, html=html, status=status
                )
                for _ in range(3):  # the first decides the general way, then remembered
                    start, body = _serve(middleware, path, [token])
                    assert start == {
                        "type": "http.response.start",
                        "status": status,
                        "headers": expected,
                    }
                    assert body["body"] == b"ok"
                    answered += 1
    assert guard.decisions.snapshot()[("asgi", "allowed", "", "")] == answered


def test_remembered_tokens_are_refused_once_expired_and_counted(
    factory: TokenFactory,
) -> None:
    guard = factory.guard()
    middleware = JWTGuardMiddleware(_raw_app([], 204), guard=guard)
    token = b"Bearer " + factory.issue(sub="e", ttl=60).encode()
    assert [_serve(middleware, "/", [token])[0]["status"] for _ in range(2)] == [204, 204]
    factory.clock.advance(120)
    start, body = _serve(middleware, "/", [token])
    assert b"The access token expired." in body["body"]
    assert start["status"] == 401
    headers = dict(start["headers"])
    assert b'error="invalid_token"' in headers[b"www-authenticate"]
    assert headers[b"x-content-type-options"] == b"nosniff"
    counts = guard.decisions.snapshot()
    assert counts[("asgi", "allowed", "", "")] == 2
    assert sum(v for (a, o, *_), v in counts.items() if a == "asgi" and o == "refused") == 1


def test_a_remembered_token_sent_twice_is_refused(factory: TokenFactory) -> None:
    middleware = JWTGuardMiddleware(_raw_app([], 204), guard=factory.guard())
    token = b"Bearer " + factory.issue(sub="t").encode()
    assert _serve(middleware, "/", [token])[0]["status"] == 204
    assert _serve(middleware, "/", [token, token])[0]["status"] == 400


@pytest.mark.parametrize(
    ("options", "plain_status", "counts"),
    [
        ({}, 204, {"allowed": 6}),
        ({"scopes": ["admin"]}, 403, {"allowed": 3, "refused": 3}),
        ({"scopes": ["admin"], "report_only": True}, 204, {"allowed": 3, "would_refuse": 3}),
        ({"exempt": ["/health"], "scopes": ["admin"]}, 403, {"allowed": 3, "refused": 3}),
        ({"cookie": "session"}, 204, {"allowed": 6}),
    ],
    ids=["default", "scopes", "report_only", "exempt", "cookie"],
)
def test_repeated_tokens_keep_their_decisions_and_counts(
    factory: TokenFactory, options: dict[str, Any], plain_status: int, counts: dict[str, int]
) -> None:
    guard = factory.guard()
    middleware = JWTGuardMiddleware(_raw_app([], 204), guard=guard, **options)
    plain = b"Bearer " + factory.issue(sub="o").encode()
    admin = b"Bearer " + factory.issue(sub="a", scope="admin").encode()
    for _ in range(3):
        assert _serve(middleware, "/", [admin])[0]["status"] == 204
        assert _serve(middleware, "/", [plain])[0]["status"] == plain_status
    found: dict[str, int] = {}
    for (adapter, outcome, _code, _tenant), value in guard.decisions.snapshot().items():
        if adapter == "asgi" and value:
            found[outcome] = found.get(outcome, 0) + value
    assert found == counts
