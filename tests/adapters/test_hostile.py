"""Any header, cookie or query input: an answer, never an exception, never the input echoed."""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jwtguard.adapters import Denial, Pipeline, Requirement
from jwtguard.adapters.asgi import JWTGuardMiddleware, request_from_scope, route_path
from jwtguard.adapters.wsgi import request_from_environ
from jwtguard.claims import Claims
from jwtguard.testing import FrozenClock, TokenFactory

FACTORY = TokenFactory.hs256(clock=FrozenClock())
GUARD = FACTORY.guard()
OPTIONS: dict[str, Any] = {
    "cookie": "at",
    "header": "X-Token",
    "query_param": "access_token",
    "exempt": ["/public/*"],
    "scopes": "read",
}
PIPELINE = Pipeline(GUARD, **OPTIONS)
NAMES = st.sampled_from(
    [b"authorization", b"cookie", b"x-token", b"x-csrf-token", b"origin", b"host", b"x-other"]
)
RAW = st.one_of(
    st.binary(max_size=300),
    st.builds(lambda v: b"Bearer " + v, st.binary(max_size=300)),
    st.builds(lambda v: b"at=" + v, st.binary(max_size=300)),
    st.just(("Bearer " + FACTORY.issue(scope="read")).encode()),
)
HEADERS = st.lists(st.tuples(NAMES, RAW), max_size=6)
METHODS = st.sampled_from(["GET", "POST", "OPTIONS", "DELETE", "WEIRD"])
PATHS = st.one_of(st.sampled_from(["/", "/public/x", "/public/../x"]), st.text(max_size=40))
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(HEADERS, st.binary(max_size=200), METHODS, PATHS)
def test_asgi_decision_never_raises(
    headers: list[tuple[bytes, bytes]], query: bytes, method: str, path: str
) -> None:
    scope = {"type": "http", "method": method, "path": path, "headers": headers}
    scope["query_string"] = query
    result = PIPELINE.decide(request_from_scope(scope))
    assert result is None or isinstance(result, (Claims, Denial))
    if isinstance(result, Denial):
        assert result.status in (400, 401, 403)
        for value in (v for _, v in headers if len(v) > 8):
            assert value not in result.body
            assert all(value not in v for _, v in result.raw_headers)


@FAST
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "HTTP_AUTHORIZATION",
                "HTTP_COOKIE",
                "HTTP_X_TOKEN",
                "HTTP_X_CSRF_TOKEN",
                "QUERY_STRING",
            ]
        ),
        st.text(max_size=300),
    ),
    METHODS,
    PATHS,
)
def test_wsgi_decision_never_raises(environ: dict[str, str], method: str, path: str) -> None:
    environ = {**environ, "REQUEST_METHOD": method, "PATH_INFO": path}
    result = PIPELINE.decide(request_from_environ(environ))
    assert result is None or isinstance(result, (Claims, Denial))


@settings(max_examples=60, deadline=None)
@given(HEADERS)
def test_asgi_middleware_answers_every_input(headers: list[tuple[bytes, bytes]]) -> None:
    sent: list[dict[str, Any]] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    middleware = JWTGuardMiddleware(app, guard=GUARD, **OPTIONS)
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/x",
        "headers": headers,
        "query_string": b"",
    }
    asyncio.run(middleware(scope, receive, send))
    assert sent[0]["status"] in (200, 400, 401, 403)
    assert sent[-1]["type"] == "http.response.body"


HEADER_ONLY = Pipeline(GUARD, scopes="read")
OPTIONAL = Pipeline(GUARD, optional=True)
ROUTED = Pipeline(
    GUARD,
    exempt=["/public/*", "/health"],
    exempt_methods=["HEAD"],
    rules={
        "/admin/*": Requirement.build(scopes="admin"),
        "/feed": Requirement.build(optional=True),
    },
)
AUTHORIZATION = st.lists(
    st.tuples(st.sampled_from([b"authorization", b"x-other"]), RAW), max_size=3
)
ROUTE_PATHS = st.one_of(
    st.sampled_from(["/", "/admin", "/admin/x", "//admin", "/ADMIN", "/public/a", "/feed", "/x"]),
    st.text(max_size=20).map(lambda text: "/" + text),
)


@FAST
@given(
    AUTHORIZATION,
    st.sampled_from(["GET", "POST", "WEBSOCKET", "DELETE", "HEAD"]),
    st.sampled_from([HEADER_ONLY, OPTIONAL, ROUTED]),
    ROUTE_PATHS,
    st.sampled_from(["", "/api"]),
)
def test_the_hot_paths_decide_as_the_request_view(
    headers: list[tuple[bytes, bytes]], method: str, pipeline: Pipeline, path: str, root: str
) -> None:
    """``route`` + ``decide_on_headers`` (the ASGI hot path) answer what ``decide`` answers."""
    scope = {"type": "http", "method": method, "path": root + path, "root_path": root}
    scope["headers"] = headers
    slow = pipeline.decide(request_from_scope(scope))
    assert pipeline.headers_decide(method) == (pipeline is not ROUTED)
    if pipeline.header_only:
        fast = pipeline.decide_on_headers(method, scope["path"], headers)
    else:
        routed = pipeline.route(method, route_path(scope))
        if isinstance(routed, Requirement):
            fast = pipeline.decide_on_headers(method, scope["path"], headers, routed)
        else:
            fast = routed
    assert fast == slow
