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
