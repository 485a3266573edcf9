"""Property: jwtguard applies the requirement of the route the framework's router reaches.

Random request paths are built from hostile segments (empty, dot, encoded slash and
backslash, ``;`` parameters, NUL, invalid UTF-8, case variants, percent-encoded
letters) and sent the way real servers pass them on: as uvicorn builds an ASGI scope
(``path`` percent-decoded, ``raw_path`` as received, ``root_path`` set) and as gunicorn
builds a WSGI environ (``PATH_INFO`` decoded to latin-1 text, ``RAW_URI`` as received).

The oracles are the frameworks' own routers: Starlette's router and werkzeug's ``Map``
(through Flask, behind the WSGI middleware and the extension in protect-all mode). Each
route answers the path it was reached by (Starlette's route path; for werkzeug the URL
built back from the matched rule, which is what ``merge_slashes`` and the leading-slash
strip route on). :func:`documented` is an independent reading of the pattern semantics
documented in docs/starlette.md. For every path, either jwtguard refuses the request
(400, for every token) or the set of tokens it lets through equals what
:func:`documented` requires for the path the router reached.
"""

from __future__ import annotations

import asyncio
import io
import json
from typing import Any
from urllib.parse import unquote

import pytest
from gunicorn.util import unquote_to_wsgi_str
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jwtguard.adapters import Requirement
from jwtguard.adapters.asgi import JWTGuardMiddleware
from jwtguard.adapters.wsgi import JWTGuardWSGIMiddleware
from jwtguard.testing import FrozenClock, TokenFactory

FACTORY = TokenFactory.hs256(clock=FrozenClock())
GUARD = FACTORY.guard()
EXEMPT = ["/health", "/static/*", "/admin/login"]
RULES = {
    "/admin/*": Requirement.build(scopes="admin"),
    "/billing": Requirement.build(scopes="billing"),
    "/static/private/*": Requirement.build(scopes="admin"),
}
PROTECTION: dict[str, Any] = {"exempt": EXEMPT, "rules": RULES, "security_headers": None}
TOKENS = {
    "none": None,
    "user": FACTORY.issue(sub="user", scope="read"),
    "admin": FACTORY.issue(sub="admin", scope="admin"),
    "billing": FACTORY.issue(sub="billing", scope="billing"),
}
PASSES = {  # which tokens satisfy each kind of requirement
    "exempt": {"none", "user", "admin", "billing"},
    "default": {"user", "admin", "billing"},
    "admin": {"admin"},
    "billing": {"billing"},
}
KIND_OF_RULE = {"/admin/*": "admin", "/billing": "billing", "/static/private/*": "admin"}

ROUTED = ["admin", "billing", "health", "static", "private", "login", "me", "x", "a.js"]
HOSTILE = [
    "", "", ".", "..", "ADMIN", "Admin", "%2e", "%2E%2e", "%2f", "%2F", "%5c", "%5C", "\\",
    ";x", "admin;x", "%3b", "%3Bx", "%00", "%ff", "%c0%af", "%61dmin", "%41DMIN", "adm%69n",
    "admin%2fx", "h%65alth", "~", "%20", "%e2%82%ac", "%C3%A9", "%25", "%252f",
]  # fmt: skip
SEGMENTS = st.one_of(st.sampled_from(ROUTED), st.sampled_from(HOSTILE))
PATHS = st.builds(
    lambda parts, slash: "/" + "/".join(parts) + ("/" if slash else ""),
    st.lists(SEGMENTS, min_size=1, max_size=5),
    st.booleans(),
)
EXAMPLES = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def documented(path: str) -> str:
    """The requirement kind for ``path`` by the documented pattern semantics.

    Exact patterns match the path as written; a rule also matches it with a trailing
    slash. ``/x/*`` matches everything below ``/x/``; a rule ``/x/*`` also matches ``/x``.
    The most specific pattern wins (an exact one over any prefix, a longer prefix over a
    shorter one); a rule wins over an exempt pattern that is just as specific.
    Patterns are case-sensitive, like the routers.
    """
    best: tuple[tuple[int, int, int], str] | None = None
    entries = [(p, "exempt") for p in EXEMPT] + [(p, KIND_OF_RULE[p]) for p in RULES]
    for pattern, kind in entries:
        rule = kind != "exempt"
        if pattern.endswith("/*"):
            base = pattern[:-2]
            hit = path.startswith(base + "/") or (rule and path == base)
            rank = (0, len(base), rule)
        else:
            hit = path == pattern or (rule and path == pattern + "/")
            rank = (1, len(pattern), rule)
        if hit and (best is None or rank > best[0]):
            best = ((rank[0], rank[1], int(rank[2])), kind)
    return "default" if best is None else best[1]


def is_denial(status: int, headers: dict[str, str], body: bytes) -> bool:
    """A refusal answered by jwtguard (the apps never send a challenge)."""
    return status in (400, 401, 403) and "www-authenticate" in headers and b'"error"' in body


def check(answers: dict[str, tuple[int, dict[str, str], bytes]], raw: str) -> None:
    """``answers``: token kind -> (status, headers, body) for one raw path."""
    for status, _, _ in answers.values():
        assert status < 500, raw
    refused = {kind for kind, answer in answers.items() if is_denial(*answer)}
    if refused == set(TOKENS) and all(a[0] == 400 for a in answers.values()):
        return  # refused as ambiguous before any rule
    through = set(TOKENS) - refused
    reached = [json.loads(a[2]) for k, a in answers.items() if k in through and a[0] == 200]
    if not reached:
        return  # the router served nothing (404, 405, a redirect): no route to protect
    effective = {r["effective"] for r in reached}
    assert len(effective) == 1, (raw, effective)
    expected = PASSES[documented(effective.pop())]
    assert through == expected, (raw, reached[0], through, expected)


# -- ASGI: uvicorn's scope, Starlette's router -------------------------------------------


def starlette_app(catch_all: bool) -> Any:
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Mount, Route

    def endpoint(name: str, prefix: str = "") -> Any:
        async def answer(request: Any) -> JSONResponse:
            scope = request.scope
            route_path = scope["path"][len(scope.get("root_path", "")) :]
            return JSONResponse({"route": name, "effective": prefix + route_path})

        return answer

    routes = [
        Route("/admin", endpoint("admin"), methods=["GET"]),
        Route("/admin/{item}", endpoint("admin-item")),
        Route("/admin/login", endpoint("login")),
        Route("/billing", endpoint("billing")),
        Route("/health", endpoint("health")),
        Route("/me", endpoint("me")),
        Mount("/static", routes=[Route("/{file:path}", endpoint("static", "/static"))]),
    ]
    if catch_all:
        routes.append(Route("/{rest:path}", endpoint("catch-all")))
    return Starlette(routes=routes)


def asgi_answers(
    app: Any, raw: str, root_path: str
) -> dict[str, tuple[int, dict[str, str], bytes]]:
    async def run() -> dict[str, tuple[int, dict[str, str], bytes]]:
        answers = {}
        for kind, token in TOKENS.items():
            headers = [(b"host", b"127.0.0.1")]
            if token is not None:
                headers.append((b"authorization", f"Bearer {token}".encode()))
            scope = {
                "type": "http",
                "asgi": {"version": "3.0", "spec_version": "2.4"},
                "http_version": "1.1",
                "method": "GET",
                "scheme": "http",
                "server": ("127.0.0.1", 8000),
                "client": ("127.0.0.1", 50000),
                "root_path": root_path,
                "path": root_path + unquote(raw),  # what uvicorn does
                "raw_path": root_path.encode() + raw.encode("ascii"),
                "query_string": b"",
                "headers": headers,
                "state": {},
            }
            sent: list[dict[str, Any]] = []

            async def receive() -> dict[str, Any]:
                return {"type": "http.request", "body": b"", "more_body": False}

            async def send(message: dict[str, Any], sent: list[dict[str, Any]] = sent) -> None:
                sent.append(message)

            await app(scope, receive, send)
            start = sent[0]
            head = {k.decode().lower(): v.decode("latin-1") for k, v in start["headers"]}
            body = b"".join(m.get("body", b"") for m in sent[1:])
            answers[kind] = (start["status"], head, body)
        return answers

    return asyncio.run(run())


ASGI_APPS = {
    catch_all: JWTGuardMiddleware(starlette_app(catch_all), guard=GUARD, **PROTECTION)
    for catch_all in (False, True)
}


@EXAMPLES
@given(PATHS, st.booleans(), st.sampled_from(["", "/api"]))
def test_starlette_router_oracle(raw: str, catch_all: bool, root_path: str) -> None:
    check(asgi_answers(ASGI_APPS[catch_all], raw, root_path), raw)


# -- WSGI: gunicorn's environ, werkzeug's Map (through Flask) -------------------------------


def flask_app(extension: bool, catch_all: bool) -> Any:
    from flask import Flask, jsonify, request, url_for

    from jwtguard.adapters.flask import JWTGuard

    app = Flask("oracle", static_folder=None)

    def answer(**_: Any) -> Any:
        built = url_for(request.endpoint or "", **(request.view_args or {}))
        return jsonify(route=request.endpoint, effective=unquote(built))

    app.add_url_rule("/admin", "admin", answer)
    app.add_url_rule("/admin/<item>", "admin-item", answer)
    app.add_url_rule("/admin/login", "login", answer)
    app.add_url_rule("/billing", "billing", answer)
    app.add_url_rule("/health", "health", answer)
    app.add_url_rule("/me", "me", answer)
    app.add_url_rule("/static/<path:file>", "static", answer)
    if catch_all:
        app.add_url_rule("/<path:rest>", "catch-all", answer)
    if extension:
        app.config["JWTGUARD_PROTECT_ALL"] = True
        JWTGuard(app, guard=GUARD, **PROTECTION)
        return app
    return JWTGuardWSGIMiddleware(app, guard=GUARD, **PROTECTION)


def wsgi_answers(app: Any, raw: str) -> dict[str, tuple[int, dict[str, str], bytes]]:
    answers = {}
    for kind, token in TOKENS.items():
        environ = {
            "REQUEST_METHOD": "GET",
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote_to_wsgi_str(raw),  # what gunicorn does
            "RAW_URI": raw,
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "127.0.0.1:8000",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(),
            "wsgi.errors": io.StringIO(),
            "wsgi.multithread": False,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "wsgi.version": (1, 0),
        }
        if token is not None:
            environ["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        started: list[Any] = []

        def start_response(
            status: str,
            headers: list[tuple[str, str]],
            exc_info: Any = None,
            started: list[Any] = started,
        ) -> Any:
            started.append((int(status.split()[0]), {k.lower(): v for k, v in headers}))
            return lambda data: None

        body = b"".join(app(environ, start_response))
        answers[kind] = (started[0][0], started[0][1], body)
    return answers


WSGI_APPS = {
    (extension, catch_all): flask_app(extension, catch_all)
    for extension in (False, True)
    for catch_all in (False, True)
}


@EXAMPLES
@given(PATHS, st.booleans(), st.booleans())
def test_werkzeug_map_oracle(raw: str, extension: bool, catch_all: bool) -> None:
    check(wsgi_answers(WSGI_APPS[extension, catch_all], raw), raw)


# -- the oracle itself ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/health", "exempt"),
        ("/health/", "default"),
        ("/admin", "admin"),
        ("/admin/", "admin"),
        ("/admin/x", "admin"),
        ("/admin/login", "exempt"),
        ("/admin/login/", "admin"),
        ("/administrator", "default"),
        ("/billing", "billing"),
        ("/billing/", "billing"),
        ("/billing/x", "default"),
        ("/static", "default"),
        ("/static/", "exempt"),
        ("/static/a.js", "exempt"),
        ("/static/private", "admin"),
        ("/static/private/x", "admin"),
        ("/ADMIN", "default"),
    ],
)
def test_the_documented_semantics(path: str, kind: str) -> None:
    assert documented(path) == kind
