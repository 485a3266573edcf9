"""The ASGI and WSGI builders: the only code that reads a scope or an environ."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from starlette.routing import get_route_path

from jwtguard.adapters.asgi import request_from_scope, route_path
from jwtguard.adapters.wsgi import EnvironHeaders, request_from_environ
from jwtguard.http.request import WEBSOCKET

SEGMENT = st.sampled_from(["", "api", "v1", "api2", "admin", "x"])
PATHS = st.builds(lambda parts: "/" + "/".join(parts), st.lists(SEGMENT, max_size=4))
ROOTS = st.one_of(st.just(""), PATHS, st.builds(lambda p: p + "/", PATHS))


@given(PATHS, ROOTS, st.booleans())
def test_route_path_is_starlettes(path: str, root: str, prefixed: bool) -> None:
    """Modern servers put ``root_path`` into ``path``; older ones did not: both handled."""
    full = root.rstrip("/") + path if prefixed else path
    scope = {"type": "http", "path": full, "root_path": root}
    assert route_path(scope) == (get_route_path(scope) or "/")


def test_the_asgi_request() -> None:
    scope: dict[str, Any] = {
        "type": "http",
        "method": "POST",
        "scheme": "https",
        "root_path": "/api",
        "path": "/api/admin/x",
        "raw_path": b"/api/admin%2Fx",
        "query_string": b"a=%C3%A9",
        "headers": [(b"host", b"h.example"), (b"authorization", b"Bearer t")],
    }
    request = request_from_scope(scope)
    assert (request.method, request.path, request.root_path) == ("POST", "/admin/x", "/api")
    assert request.raw_path == "/api/admin%2Fx"
    assert request.query_string == "a=%C3%A9"
    assert request.headers.get("authorization") == "Bearer t"
    assert request.url == "https://h.example/api/admin/x"
    socket = request_from_scope({"type": "websocket", "path": "/ws", "headers": []})
    assert socket.method == WEBSOCKET and socket.scheme == "ws" and socket.raw_path is None


def test_the_wsgi_request() -> None:
    environ = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "/api",
        "PATH_INFO": "/caf\xc3\xa9/x",  # the latin-1 text of the UTF-8 bytes (PEP 3333)
        "RAW_URI": "/api/caf%C3%A9/x?q=1",
        "QUERY_STRING": "q=1",
        "HTTP_HOST": "h.example:8080",
        "HTTP_X_CSRF_TOKEN": "c",
        "CONTENT_TYPE": "application/json",
        "wsgi.url_scheme": "http",
    }
    request = request_from_environ(environ)
    assert request.path == "/caf\xe9/x"  # as werkzeug decodes it
    assert request.raw_path == "/api/caf%C3%A9/x"
    assert request.root_path == "/api"
    assert request.url == "http://h.example:8080/api/caf\xe9/x"
    assert request.headers.get("X-CSRF-Token") == "c"
    assert request.headers.get_all("content-type") == ["application/json"]
    assert "content-length" not in request.headers
    assert dict(request.headers) == {
        "host": "h.example:8080",
        "x-csrf-token": "c",
        "content-type": "application/json",
    }


def test_wsgi_paths_that_are_not_utf8_become_replacement_characters() -> None:
    request = request_from_environ({"PATH_INFO": "/\xff", "REQUEST_URI": "/%FF"})
    assert request.path == "/\ufffd"  # which the path rules refuse
    assert request.raw_path == "/%FF"
    assert request_from_environ({}).path == "/"


def test_environ_headers_read_lazily() -> None:
    environ: dict[str, Any] = {}
    headers = EnvironHeaders(environ)
    environ["HTTP_AUTHORIZATION"] = "Bearer late"
    assert headers.get("Authorization") == "Bearer late"
    assert headers.get_all("authorization") == ["Bearer late"]
    assert 1 not in headers
