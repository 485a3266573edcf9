"""What only the WSGI middleware does: behind a real WSGI server, and with the app's own headers."""

from __future__ import annotations

import http.client
import json
import sys
import threading
from collections.abc import Iterator
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest

from jwtguard.adapters.wsgi import CLAIMS_KEY, JWTGuardWSGIMiddleware
from jwtguard.testing import TokenFactory


def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    claims = environ[CLAIMS_KEY]
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("X-Frame-Options", "SAMEORIGIN")]
    )
    return [json.dumps({"sub": None if claims is None else claims["sub"]}).encode()]


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def server(factory: TokenFactory) -> Iterator[tuple[str, int]]:
    wrapped = JWTGuardWSGIMiddleware(app, guard=factory.guard())
    httpd: WSGIServer = make_server("127.0.0.1", 0, wrapped, handler_class=QuietHandler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield "127.0.0.1", httpd.server_port
    finally:
        httpd.shutdown()
        thread.join(timeout=5)
        httpd.server_close()


def request(address: tuple[str, int], headers: list[tuple[str, str]]) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection(*address, timeout=5)
    connection.putrequest("GET", "/orders")
    for name, value in headers:
        connection.putheader(name, value)
    connection.endheaders()
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def test_behind_a_real_wsgi_server(server: tuple[str, int], factory: TokenFactory) -> None:
    token = factory.issue(sub="real")
    ok = request(server, [("Authorization", f"Bearer {token}")])
    assert ok.status == 200
    assert ok.getheader("X-Frame-Options") == "SAMEORIGIN"  # the app's own header is kept
    assert ok.getheader("X-Content-Type-Options") == "nosniff"
    # wsgiref joins the two header lines into one environ value, as WSGI servers do.
    two = request(server, [("Authorization", f"Bearer {token}"), ("Authorization", "Bearer x")])
    assert two.status == 400
    assert 'error="invalid_request"' in two.getheader("WWW-Authenticate", "")
    assert request(server, []).status == 401


def test_exc_info_reaches_the_server(factory: TokenFactory) -> None:
    def failing(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        try:
            raise ValueError("boom")
        except ValueError:
            start_response("500 Internal Server Error", [], sys.exc_info())
        return [b""]

    seen: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        seen.append((status, exc_info is not None))
        return lambda data: None

    middleware = JWTGuardWSGIMiddleware(failing, guard=factory.guard(), optional=True)
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/"}
    assert list(middleware(environ, start_response)) == [b""]
    assert seen == [("500 Internal Server Error", True)]


# -- a token allowed before: the remembered path answers as the general path does ------

WSGI_SHAPES: list[list[tuple[str, str]]] = [
    [],
    [("Content-Type", "text/plain"), ("Content-Length", "2")],
    [("Content-Type", "text/html; charset=utf-8")],
    [("content-type", "APPLICATION/XHTML+XML"), ("X-App", "1")],
    [("X-Frame-Options", "SAMEORIGIN"), ("Content-Type", "application/json")],
    [("Cache-Control", "public, max-age=60"), ("Vary", "Accept")],
    [("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")],
]


@pytest.mark.parametrize("policy", [{}, {"html_paths": ["/docs"]}, {"override": ["*"]}])
def test_remembered_tokens_get_the_general_paths_headers(
    factory: TokenFactory, policy: dict[str, Any]
) -> None:
    from jwtguard import SecurityHeaders

    guard = factory.guard()
    token = f"Bearer {factory.issue(sub='r')}"
    answered = 0
    for shape in WSGI_SHAPES:
        for status in ("200 OK", "304 Not Modified"):

            def inner(environ: dict[str, Any], start_response: Any) -> list[bytes]:
                start_response(status, list(shape))  # noqa: B023
                return [b"ok"]

            wrapped = JWTGuardWSGIMiddleware(
                inner, guard=guard, security_headers=SecurityHeaders(**policy)
            )
            for path in ("/", "/docs"):
                html = "html_paths" in policy and path == "/docs"
                expected = SecurityHeaders(**policy).wsgi_headers(
                    list(shape), authenticated=True, html=html, status=status
                )
                for _ in range(3):  # the first decides the general way, then remembered
                    started: list[Any] = []
                    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path}
                    environ["HTTP_AUTHORIZATION"] = token
                    body = wrapped(environ, lambda s, h, e=None, seen=started: seen.append((s, h)))
                    assert list(body) == [b"ok"]
                    assert started == [(status, expected)]
                    assert environ[CLAIMS_KEY]["sub"] == "r"
                    answered += 1
    assert guard.decisions.snapshot()[("wsgi", "allowed", "", "")] == answered


@pytest.mark.parametrize(
    ("options", "plain_status", "counts"),
    [
        ({}, "204 No Content", {"allowed": 6}),
        ({"scopes": ["admin"]}, "403 Forbidden", {"allowed": 3, "refused": 3}),
        ({"scopes": ["admin"], "report_only": True}, "204 No Content",
         {"allowed": 3, "would_refuse": 3}),
        ({"report_only": True}, "204 No Content", {"allowed": 6}),
        ({"cookie": "session"}, "204 No Content", {"allowed": 6}),
    ],
    ids=["default", "scopes", "report_only-scopes", "report_only", "cookie"],
)  # fmt: skip
def test_repeated_tokens_keep_their_decisions_and_counts(
    factory: TokenFactory, options: dict[str, Any], plain_status: str, counts: dict[str, int]
) -> None:
    guard = factory.guard()

    def inner(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("204 No Content", [])
        return []

    wrapped = JWTGuardWSGIMiddleware(inner, guard=guard, **options)
    plain, admin = factory.issue(sub="o", ttl=60), factory.issue(sub="a", scope="admin")

    def status(token: str) -> str:
        started: list[str] = []
        environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/", "HTTP_AUTHORIZATION": token}
        wrapped(environ, lambda s, h, e=None: started.append(s))
        return started[0]

    for _ in range(3):
        assert status(f"Bearer {admin}") == "204 No Content"
        assert status(f"Bearer {plain}") == plain_status
    found: dict[str, int] = {}
    for (adapter, outcome, _code, _tenant), value in guard.decisions.snapshot().items():
        if adapter == "wsgi" and value:
            found[outcome] = found.get(outcome, 0) + value
    assert found == counts
    factory.clock.advance(120)  # expired since it was remembered: refused (or let through)
    assert status(f"Bearer {plain}") == (
        "204 No Content" if "report_only" in options else "401 Unauthorized"
    )
