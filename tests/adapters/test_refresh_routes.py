"""Login / refresh / logout routes on Starlette, FastAPI, Flask and Django, body and cookie
modes, driven through each framework's real test client."""

from __future__ import annotations

import json
import socket
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any

import pytest
from django.http import HttpRequest, JsonResponse
from django.test import Client as DjangoClient
from django.test import override_settings
from django.urls import include, path
from fastapi import FastAPI
from flask import Flask, request
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from jwtguard import ConfigError, Guard
from jwtguard.adapters.asgi import JWTGuardMiddleware
from jwtguard.adapters.django import jwt_required as django_jwt_required
from jwtguard.adapters.django import token_urls
from jwtguard.adapters.flask import JWTGuard, current_claims, jwt_required
from jwtguard.adapters.flask_refresh import refresh_blueprint
from jwtguard.adapters.starlette_refresh import refresh_routes
from jwtguard.http.cookies import AuthCookie
from jwtguard.refresh import RefreshTokens
from jwtguard.revocation import MemoryRevocationStore
from jwtguard.revocation.redis import RedisConfig, RedisRevocationStore

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

SECRET = "r" * 32
USERS = {"alice": "wonderland"}


@dataclass
class Answer:
    status: int
    body: Any
    set_cookies: dict[str, str]
    headers: dict[str, str]


def _set_cookies(values: list[str]) -> dict[str, str]:
    jar: dict[str, str] = {}
    for value in values:
        parsed = SimpleCookie()
        parsed.load(value)
        for name, morsel in parsed.items():
            jar[name] = morsel.value
    return jar


def _check_starlette(payload: Any) -> dict[str, Any] | None:
    if isinstance(payload, dict) and USERS.get(payload.get("user")) == payload.get("password"):
        return {"sub": payload["user"], "scope": "read"}
    return None


def _starlette_app(
    sessions: RefreshTokens, cookie: AuthCookie | None, fastapi: bool, **options: Any
) -> Any:
    async def authenticate(request: Request) -> dict[str, Any] | None:
        return _check_starlette(await request.json())

    async def me(request: Request) -> JSONResponse:
        return JSONResponse({"sub": request.user.identity})

    routes = refresh_routes(sessions, authenticate=authenticate, cookie=cookie, **options)
    middleware = [Middleware(JWTGuardMiddleware, guard=sessions.access, exempt=["/auth/*"])]
    if fastapi:
        app = FastAPI(middleware=middleware)
        app.router.routes.extend(routes)
        app.add_route("/me", me)
        return app
    return Starlette(routes=[*routes, Route("/me", me)], middleware=middleware)


def _flask_app(sessions: RefreshTokens, cookie: AuthCookie | None, **options: Any) -> Flask:
    app = Flask(__name__)

    def authenticate() -> dict[str, Any] | None:
        return _check_starlette(request.get_json(silent=True))

    blueprint = refresh_blueprint(sessions, authenticate=authenticate, cookie=cookie, **options)
    app.register_blueprint(blueprint)
    JWTGuard(app, guard=sessions.access)

    @app.get("/me")
    @jwt_required
    def me() -> dict[str, Any]:
        return {"sub": current_claims["sub"]}

    return app


class _DjangoURLs:
    def __init__(self, sessions: RefreshTokens, cookie: AuthCookie | None, **options: Any) -> None:
        def authenticate(request: HttpRequest) -> dict[str, Any] | None:
            try:
                return _check_starlette(json.loads(request.body))
            except ValueError:
                return None

        @django_jwt_required
        def me(request: HttpRequest) -> JsonResponse:
            return JsonResponse({"sub": request.jwt_claims["sub"]})  # type: ignore[attr-defined]

        urls = token_urls(sessions, authenticate=authenticate, cookie=cookie, **options)
        self.urlpatterns = [path("auth/", include(urls)), path("me", me)]


def _django_client(
    sessions: RefreshTokens, cookie: AuthCookie | None, **options: Any
) -> Callable[..., Answer]:
    overrides = override_settings(
        JWTGUARD={"GUARD": sessions.access, "EXEMPT": ["/auth/*"]},
        MIDDLEWARE=["jwtguard.adapters.django.JWTGuardMiddleware"],
        ROOT_URLCONF=_DjangoURLs(sessions, cookie, **options),
    )
    client = DjangoClient()

    def call(method: str, target: str, **kw: Any) -> Answer:
        client.cookies.clear()
        environ = {
            f"HTTP_{k.upper().replace('-', '_')}": v for k, v in (kw.get("headers") or {}).items()
        }
        if kw.get("cookies"):
            environ["HTTP_COOKIE"] = "; ".join(f"{k}={v}" for k, v in kw["cookies"].items())
        data = "" if kw.get("json") is None else json.dumps(kw["json"])
        url, _, query = target.partition("?")
        with overrides:
            r = client.generic(
                method, url, data, "application/json", QUERY_STRING=query, secure=True, **environ
            )
        cookies = [m.OutputString() for m in r.cookies.values()]
        body = r.json() if r.content else None
        return Answer(r.status_code, body, _set_cookies(cookies), dict(r.items()))

    return call


Client = Callable[..., Answer]


@pytest.fixture(params=["starlette", "fastapi", "flask", "django"])
def framework(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=["body", "cookie"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _client(
    framework: str, sessions: RefreshTokens, cookie: AuthCookie | None, **options: Any
) -> Iterator[Client]:
    """``post(path, json=, cookies=, headers=)`` with cookies sent explicitly (no jar)."""
    if framework == "django":
        yield _django_client(sessions, cookie, **options)
        return
    if framework == "flask":
        flask_client = _flask_app(sessions, cookie, **options).test_client(use_cookies=False)

        def call_flask(method: str, path: str, **kw: Any) -> Answer:
            cookies = kw.pop("cookies", None) or {}
            headers = dict(kw.pop("headers", None) or {})
            if cookies:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
            r = flask_client.open(path, method=method, headers=headers, **kw)
            return Answer(
                r.status_code,
                r.get_json(silent=True),
                _set_cookies(r.headers.getlist("Set-Cookie")),
                dict(r.headers),
            )

        yield call_flask
        return
    app = _starlette_app(sessions, cookie, framework == "fastapi", **options)
    with TestClient(app, base_url="https://testserver") as client:

        def call(method: str, path: str, **kw: Any) -> Answer:
            client.cookies.clear()
            cookies = kw.pop("cookies", None) or {}
            headers = dict(kw.pop("headers", None) or {})
            if cookies:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
            r = client.request(method, path, headers=headers, **kw)
            body = r.json() if r.content else None
            return Answer(
                r.status_code, body, _set_cookies(r.headers.get_list("set-cookie")), dict(r.headers)
            )

        yield call


@pytest.fixture
def sessions() -> RefreshTokens:
    store = MemoryRevocationStore()
    guard = Guard(SECRET, algorithms=["HS256"], revocation=store)
    return RefreshTokens(guard, refresh_ttl=3600)


@pytest.fixture
def cookie(mode: str) -> AuthCookie | None:
    return AuthCookie(name="refresh_token", max_age=3600) if mode == "cookie" else None


@pytest.fixture
def call(framework: str, sessions: RefreshTokens, cookie: AuthCookie | None) -> Iterator[Client]:
    yield from _client(framework, sessions, cookie)


class Session:
    """A client-side session: the last pair, in whichever place the mode keeps it."""

    def __init__(self, call: Client, cookie: AuthCookie | None, answer: Answer) -> None:
        self.call, self.cookie = call, cookie
        self.update(answer)

    def update(self, answer: Answer) -> None:
        assert answer.status == 200, answer.body
        assert answer.headers.get("cache-control", answer.headers.get("Cache-Control")) == (
            "no-store"
        )
        self.access = answer.body["access_token"]
        if self.cookie is None:
            self.refresh_token = answer.body["refresh_token"]
            self.cookies: dict[str, str] = {}
        else:
            assert "refresh_token" not in answer.body  # only in the HttpOnly cookie
            self.cookies = answer.set_cookies
            self.refresh_token = self.cookies["__Host-refresh_token"]
            self.csrf = answer.body["csrf_token"]
            assert self.cookies["__Host-refresh_token_csrf"] == self.csrf

    def post(self, path: str, token: str | None = None, **kw: Any) -> Answer:
        token = token or self.refresh_token
        if self.cookie is None:
            return self.call("POST", path, json={"refresh_token": token}, **kw)
        cookies = {**self.cookies, "__Host-refresh_token": token}
        return self.call("POST", path, cookies=cookies, headers={"X-CSRF-Token": self.csrf}, **kw)

    def me(self) -> Answer:
        return self.call("GET", "/me", headers={"Authorization": f"Bearer {self.access}"})


def _login(call: Client, cookie: AuthCookie | None) -> Session:
    answer = call("POST", "/auth/login", json={"user": "alice", "password": "wonderland"})
    return Session(call, cookie, answer)


def test_login_refresh_and_reuse(call: Client, cookie: AuthCookie | None) -> None:
    assert call("POST", "/auth/login", json={"user": "alice", "password": "no"}).status == 401
    session = _login(call, cookie)
    assert session.me().body == {"sub": "alice"}
    first = session.refresh_token
    session.update(session.post("/auth/refresh"))
    assert session.me().body == {"sub": "alice"}
    reused = session.post("/auth/refresh", token=first)
    assert reused.status == 400
    assert reused.body["code"] == "refresh_token_reused"
    assert session.me().status == 401  # the whole family, access token included
    assert session.post("/auth/refresh").status == 400


def test_logout(call: Client, cookie: AuthCookie | None) -> None:
    session = _login(call, cookie)
    answer = session.post("/auth/logout")
    assert answer.status == 204
    if cookie is not None:
        assert answer.set_cookies == {"__Host-refresh_token": "", "__Host-refresh_token_csrf": ""}
    assert session.me().status == 401
    assert session.post("/auth/refresh").body["code"] == "revoked"
    assert session.post("/auth/logout").status == 204  # idempotent


def test_logout_everywhere(call: Client, cookie: AuthCookie | None) -> None:
    phone, laptop = _login(call, cookie), _login(call, cookie)
    assert phone.post("/auth/logout?everywhere=true").status == 204
    assert laptop.me().status == 401
    assert laptop.post("/auth/refresh").status == 400


@pytest.mark.parametrize("mode", ["cookie"])
def test_cookie_mode_requires_the_csrf_header(call: Client, cookie: AuthCookie | None) -> None:
    session = _login(call, cookie)
    cookies = session.cookies
    refused = call("POST", "/auth/refresh", cookies=cookies)
    assert refused.status == 403
    assert refused.body == {  # what the middleware answers for a CSRF refusal, plus "code"
        "error": "csrf",
        "error_description": "The request lacks a valid CSRF token.",
        "code": "csrf",
    }
    wrong = {"X-CSRF-Token": "x" * 43}
    assert call("POST", "/auth/refresh", cookies=cookies, headers=wrong).status == 403
    assert call("POST", "/auth/refresh").body["code"] == "missing_refresh_token"
    session.update(session.post("/auth/refresh"))  # the session still works


@pytest.mark.parametrize("mode", ["body"])
@pytest.mark.parametrize(
    "body", [None, {"refresh_token": 5}, {"refresh_token": ""}, {"refresh_token": "junk"}]
)
def test_bad_refresh_requests(call: Client, body: Any) -> None:
    answer = call("POST", "/auth/refresh", json=body)
    assert answer.status == 400
    assert answer.body["error"] in ("invalid_request", "invalid_grant")


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # nothing listens there once closed


def test_unreachable_store_answers_503_with_retry_after(framework: str) -> None:
    store = RedisRevocationStore(
        RedisConfig(url=f"redis://127.0.0.1:{_closed_port()}/0", timeout=0.2)
    )
    guard = Guard(SECRET, algorithms=["HS256"], revocation=store)
    sessions = RefreshTokens(guard)
    pair = sessions.issue({"sub": "alice"})
    try:
        for post in _client(framework, sessions, None):
            answer = post("POST", "/auth/refresh", json={"refresh_token": pair.refresh_token})
            assert answer.status == 503
            assert int(answer.headers.get("retry-after", answer.headers.get("Retry-After"))) >= 1
            answer = post("POST", "/auth/logout", json={"refresh_token": pair.refresh_token})
            assert answer.status == 503  # a logout that was not recorded does not say 204
    finally:
        store.close()


# -- Clear-Site-Data on logout -----------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "sent"),
    [
        (False, None),
        (True, '"cache", "cookies", "storage"'),
        (("cache", "storage"), '"cache", "storage"'),
    ],
)
def test_logout_can_clear_the_site_data(
    framework: str,
    mode: str,
    sessions: RefreshTokens,
    cookie: AuthCookie | None,
    option: Any,
    sent: str | None,
) -> None:
    for call in _client(framework, sessions, cookie, clear_site_data=option):
        session = _login(call, cookie)
        refreshed = session.post("/auth/refresh")
        assert _header(refreshed, "Clear-Site-Data") is None  # the logout answer only
        session.update(refreshed)
        out = session.post("/auth/logout")
        assert out.status == 204
        assert _header(out, "Clear-Site-Data") == sent
        if cookie is not None:  # the flow's own cookies are cleared either way
            assert out.set_cookies["__Host-refresh_token"] == ""


def test_clear_site_data_types_are_checked() -> None:
    store = MemoryRevocationStore()
    sessions = RefreshTokens(Guard(SECRET, algorithms=["HS256"], revocation=store))
    with pytest.raises(ConfigError, match="unknown type"):
        refresh_routes(sessions, authenticate=lambda r: None, clear_site_data=["cokies"])


def _header(answer: Answer, name: str) -> str | None:
    found = {k.lower(): v for k, v in answer.headers.items()}
    return found.get(name.lower())
