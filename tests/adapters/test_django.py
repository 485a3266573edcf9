"""The Django adapter beyond the shared suite: settings.JWTGUARD checked at start-up, both
middleware modes, request.user (token users, loaders, Django's own decorators and
permission checks), @jwt_required on every kind of view, per-path security headers."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import async_to_sync, iscoroutinefunction
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required, permission_required
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.test import AsyncClient, Client, override_settings
from django.urls import include, path
from django.utils.decorators import method_decorator
from django.views import View

from jwtguard import ConfigError, Guard
from jwtguard.adapters.django import (
    JWTGuardMiddleware,
    ModelUserLoader,
    TokenUser,
    configured,
    jwt_required,
    read,
    token_urls,
)
from jwtguard.adapters.django.request import harden
from jwtguard.http.security_headers import SecurityHeaders
from jwtguard.refresh import RefreshTokens
from jwtguard.revocation import MemoryRevocationStore
from jwtguard.testing import TokenFactory

MIDDLEWARE = "jwtguard.adapters.django.JWTGuardMiddleware"
SESSION_STACK = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


class URLs:
    """A ROOT_URLCONF object for one test."""

    def __init__(self, *patterns: Any) -> None:
        self.urlpatterns = list(patterns)


def whoami(request: HttpRequest) -> JsonResponse:
    user = request.user
    return JsonResponse(
        {
            "authenticated": user.is_authenticated,
            "user": str(user) if user.is_authenticated else None,
            "type": type(user._wrapped if hasattr(user, "_wrapped") else user).__name__,
        }
    )


@pytest.fixture(scope="module")
def migrated() -> None:
    call_command("migrate", run_syncdb=True, verbosity=0)


@pytest.fixture
def users(migrated: None) -> Iterator[Any]:
    model = get_user_model()
    yield model
    model.objects.all().delete()


# -- settings.JWTGUARD ------------------------------------------------------------------


def test_every_problem_is_listed_at_once_and_unknown_keys_are_refused() -> None:
    with pytest.raises(ConfigError) as caught:
        read(
            {
                "SECRET_KEY": "s3cr3t-value",
                "AUDIANCE": "api",
                "REPORT_ONLY": "maybe",
                "EXEMPT": ["health"],
                "RULES": {"/admin/*": {"scopes": "a", "colour": "red"}, "/x": 5},
                "USER_LOADER": "no.such.module.loader",
                "PROTECT_ALL": True,
                "SECURITY_HEADERS": 3,
            }
        )
    problems = caught.value.problems
    assert "JWTGUARD['AUDIANCE']: unknown setting; did you mean JWTGUARD['AUDIENCE']?" in problems
    named = {p.partition(":")[0].partition("[")[2] for p in problems}
    assert {
        "'SECRET_KEY']",
        "'AUDIANCE']",
        "'REPORT_ONLY']",
        "'EXEMPT']",
        "'RULES']['/admin/*']",
        "'RULES']['/x']",
        "'USER_LOADER']",
        "'PROTECT_ALL']",
        "'SECURITY_HEADERS']",
    } <= named
    assert any("OPTIONAL=True" in p for p in problems)  # PROTECT_ALL says what to do
    assert "s3cr3t-value" not in str(problems)  # secrets are never quoted back


def test_a_missing_or_non_dict_setting_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match=r"settings.JWTGUARD: expected a dict"):
        read(None)
    with pytest.raises(ConfigError, match="got a list"):
        read(["SECRET_KEY"])


def test_guard_settings_beside_a_guard_are_refused(factory: TokenFactory) -> None:
    with pytest.raises(ConfigError, match=r"JWTGUARD\['LEEWAY'\]: not used"):
        read({"GUARD": factory.guard(), "LEEWAY": 5})
    with pytest.raises(ConfigError, match=r"JWTGUARD\['GUARD'\]: expected a jwtguard.Guard"):
        read({"GUARD": "jwtguard.testing.TokenFactory"})


def test_values_are_read_as_in_flask_and_dotted_paths_are_imported() -> None:
    configuration = read(
        {
            "SECRET_KEY": b"k" * 32,
            "AUDIENCE": "api web",
            "LEEWAY": "5s",
            "EXEMPT": "/health /static/*",
            "PREDICATE": "builtins.bool",
            "USER_LOADER": "jwtguard.adapters.django.users.load_user",
            "SECURITY_HEADERS": "off",
        }
    )
    token = Guard(b"k" * 32, algorithms=["HS256"], audience="web").issue({"sub": "1"})
    assert configuration.guard.verify(token)["sub"] == "1"
    assert configuration.headers.for_path("/x") is None
    assert configuration.principals.loader is not None


def test_the_middleware_checks_the_settings_when_django_loads_it() -> None:
    bad = {"SECRET_KEY": "k" * 32, "EXEMPT": ["no-slash"]}
    with (
        override_settings(JWTGUARD=bad, MIDDLEWARE=[MIDDLEWARE]),
        pytest.raises(ConfigError, match=r"JWTGUARD\['EXEMPT'\]"),
    ):
        WSGIHandler()  # what get_wsgi_application() builds at start-up
    with override_settings(JWTGUARD={"SECRET_KEY": "k" * 32}, MIDDLEWARE=[MIDDLEWARE]):
        WSGIHandler()


def test_a_settings_change_builds_a_new_configuration(factory: TokenFactory) -> None:
    first = factory.guard()
    with override_settings(JWTGUARD={"GUARD": first}):
        assert configured().guard is first
        assert configured() is configured()
        second = factory.guard()
        with override_settings(JWTGUARD={"GUARD": second}):
            assert configured().guard is second
        assert configured().guard is first


# -- both modes -------------------------------------------------------------------------


def test_the_middleware_is_a_coroutine_function_only_in_an_async_chain(
    factory: TokenFactory,
) -> None:
    async def async_next(request: HttpRequest) -> HttpResponse:
        return HttpResponse("ok")

    def sync_next(request: HttpRequest) -> HttpResponse:
        return HttpResponse("ok")

    assert JWTGuardMiddleware.sync_capable and JWTGuardMiddleware.async_capable
    with override_settings(JWTGUARD={"GUARD": factory.guard()}):
        assert iscoroutinefunction(JWTGuardMiddleware(async_next))
        assert not iscoroutinefunction(JWTGuardMiddleware(sync_next))


def test_asgi_uses_root_path_and_refuses_ambiguous_spellings(factory: TokenFactory) -> None:
    guard = factory.guard()
    urls = URLs(path("admin", whoami), path("open", whoami))
    setting = {"GUARD": guard, "OPTIONAL": True, "RULES": {"/admin/*": {"scopes": "admin"}}}
    with override_settings(JWTGUARD=setting, MIDDLEWARE=[MIDDLEWARE], ROOT_URLCONF=urls):
        client = AsyncClient()

        def get(target: str, root: str = "", token: str | None = None) -> Any:
            headers = [] if token is None else [(b"authorization", f"Bearer {token}".encode())]
            return async_to_sync(client.request)(
                method="GET", path=target, root_path=root, headers=headers
            )

        admin = factory.issue(scope="admin")
        assert get("/api/admin", root="/api", token=admin).status_code == 200
        assert get("/api/admin", root="/api").status_code == 401  # the rule, under the root
        assert get("/api/open", root="/api").status_code == 200
        assert get("/api//admin", root="/api").status_code == 400
        assert get("/api/ADMIN", root="/api").status_code == 400


def test_wsgi_refuses_an_encoded_slash_the_server_decoded(factory: TokenFactory) -> None:
    setting = {"GUARD": factory.guard(), "OPTIONAL": True, "RULES": {"/admin/*": {"roles": "x"}}}
    urls = URLs(path("admin/x", whoami))
    with override_settings(JWTGUARD=setting, MIDDLEWARE=[MIDDLEWARE], ROOT_URLCONF=urls):
        answer = Client().get("/admin/x", RAW_URI="/admin%2Fx")
    assert answer.status_code == 400


# -- request.user -------------------------------------------------------------------------


def test_token_users_work_with_login_required_and_permission_checks(
    factory: TokenFactory,
) -> None:
    @login_required
    def private(request: HttpRequest) -> JsonResponse:
        user = request.user
        return JsonResponse({"pk": user.pk, "perm": user.has_perm("items:write")})

    @permission_required("items:write", raise_exception=True)
    def writer(request: HttpRequest) -> HttpResponse:
        return HttpResponse("written")

    urls = URLs(path("private", private), path("write", writer))
    setting = {"GUARD": factory.guard(), "OPTIONAL": True}
    with override_settings(JWTGUARD=setting, MIDDLEWARE=[MIDDLEWARE], ROOT_URLCONF=urls):
        client = Client()
        token = factory.issue(sub="ann", scope="items:write")
        assert client.get("/private", **bearer(token)).json() == {"pk": "ann", "perm": True}
        assert client.get("/write", **bearer(token)).status_code == 200
        reader = factory.issue(sub="bob", scope="items:read")
        assert client.get("/write", **bearer(reader)).status_code == 403
        anonymous = client.get("/private")
        assert anonymous.status_code == 302  # login_required: to the login page
        assert anonymous["Location"].startswith("/accounts/login/")


def test_a_token_user_needs_no_database(factory: TokenFactory) -> None:
    claims = factory.guard().verify(factory.issue(sub="x", scope="a"))
    user = TokenUser(claims)
    assert (user.pk, user.id, user.username, user.get_username(), str(user)) == ("x",) * 5
    assert user.is_authenticated and not user.is_anonymous and not user.is_staff
    assert user.has_perms(["a"]) and not user.has_perms(["a", "b"])
    assert not user.has_perm("a", obj=object())
    assert user == TokenUser(claims) and "x" not in repr(user)
    with pytest.raises(ValueError, match="iterable"):
        user.has_perms("a")


def test_the_loader_runs_lazily_and_its_none_is_anonymous(factory: TokenFactory) -> None:
    calls: list[str] = []

    def loader(claims: Any) -> Any:
        calls.append(claims["sub"])
        return None if claims["sub"] == "ghost" else TokenUser(claims)

    def untouched(request: HttpRequest) -> HttpResponse:
        return HttpResponse("ok")

    urls = URLs(path("me", whoami), path("untouched", untouched))
    setting = {"GUARD": factory.guard(), "USER_LOADER": loader}
    with override_settings(JWTGUARD=setting, MIDDLEWARE=[MIDDLEWARE], ROOT_URLCONF=urls):
        client = Client()
        assert client.get("/untouched", **bearer(factory.issue(sub="a"))).status_code == 200
        assert calls == []  # never asked for request.user
        me = client.get("/me", **bearer(factory.issue(sub="a"))).json()
        assert me == {"authenticated": True, "user": "a", "type": "TokenUser"}
        ghost = client.get("/me", **bearer(factory.issue(sub="ghost"))).json()
        assert ghost["authenticated"] is False
        assert calls == ["a", "ghost"]


def test_model_user_loader_sync_and_async(users: Any, factory: TokenFactory) -> None:
    alice = users.objects.create_user("alice", password="pw")
    users.objects.create_user("inactive", password="pw", is_active=False)

    async def async_me(request: HttpRequest) -> JsonResponse:
        user = await request.auser()  # type: ignore[attr-defined]
        return JsonResponse({"username": user.get_username() or None})

    urls = URLs(path("me", whoami), path("ame", async_me))
    setting = {"GUARD": factory.guard(), "USER_LOADER": ModelUserLoader("username")}
    with override_settings(JWTGUARD=setting, MIDDLEWARE=[MIDDLEWARE], ROOT_URLCONF=urls):
        token = factory.issue(sub="alice")
        me = Client().get("/me", **bearer(token)).json()
        assert me == {"authenticated": True, "user": "alice", "type": "User"}
        for sub in ("inactive", "nobody"):
            assert Client().get("/me", **bearer(factory.issue(sub=sub))).json()["user"] is None

        async def get_ame() -> Any:  # Django 4.2: AsyncClient.get is a plain def
            return await AsyncClient().get("/ame", headers={"Authorization": f"Bearer {token}"})

        answer = async_to_sync(get_ame)()
        assert answer.json() == {"username": "alice"}
    by_pk = ModelUserLoader()
    claims = factory.guard().verify(factory.issue(sub=str(alice.pk)))
    assert by_pk(claims) == alice
    assert by_pk(factory.guard().verify(factory.issue(sub="not-a-number"))) is None
    created = ModelUserLoader("username", create=True)
    new = asyncio.run(created.aload(factory.guard().verify(factory.issue(sub="carol"))))
    assert users.objects.get(username="carol") == new


def test_an_anonymous_request_keeps_the_session_user(users: Any, factory: TokenFactory) -> None:
    users.objects.create_user("sam", password="pw")
    urls = URLs(path("me", whoami))
    setting = {"GUARD": factory.guard(), "OPTIONAL": True}
    stack = [*SESSION_STACK, MIDDLEWARE]
    with override_settings(JWTGUARD=setting, MIDDLEWARE=stack, ROOT_URLCONF=urls):
        client = Client()
        assert client.login(username="sam", password="pw")
        assert client.get("/me").json() == {"authenticated": True, "user": "sam", "type": "User"}
        with_token = client.get("/me", **bearer(factory.issue(sub="tok"))).json()
        assert with_token == {"authenticated": True, "user": "tok", "type": "TokenUser"}


# -- @jwt_required ------------------------------------------------------------------------


@jwt_required(scopes="items:write")
def write_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"sub": request.jwt_claims["sub"]})  # type: ignore[attr-defined]


@jwt_required(optional=True)
async def async_feed(request: HttpRequest) -> JsonResponse:
    claims = request.jwt_claims  # type: ignore[attr-defined]
    return JsonResponse({"sub": None if claims is None else claims["sub"]})


@jwt_required(roles="admin")
class AdminView(View):
    def get(self, request: HttpRequest) -> JsonResponse:
        return JsonResponse({"sub": request.jwt_claims["sub"]})  # type: ignore[attr-defined]


@jwt_required
class AsyncView(View):
    async def get(self, request: HttpRequest) -> JsonResponse:
        return JsonResponse({"sub": request.jwt_claims["sub"]})  # type: ignore[attr-defined]


@method_decorator(jwt_required(scopes="report"), name="dispatch")
class ReportView(View):
    def get(self, request: HttpRequest) -> JsonResponse:
        return JsonResponse({"sub": request.jwt_claims["sub"]})  # type: ignore[attr-defined]


DECORATED = URLs(
    path("write", write_view),
    path("feed", async_feed),
    path("admin", AdminView.as_view()),
    path("async", AsyncView.as_view()),
    path("report", ReportView.as_view()),
)


@pytest.mark.parametrize("middleware", [[], [MIDDLEWARE]], ids=["alone", "under-middleware"])
@pytest.mark.parametrize("client_class", [Client, AsyncClient], ids=["wsgi", "asgi"])
def test_jwt_required_on_every_kind_of_view(
    factory: TokenFactory, middleware: list[str], client_class: Any
) -> None:
    setting = {"GUARD": factory.guard(), "OPTIONAL": True}
    stack = ["django.middleware.csrf.CsrfViewMiddleware", *middleware]
    with override_settings(JWTGUARD=setting, MIDDLEWARE=stack, ROOT_URLCONF=DECORATED):
        client = client_class(enforce_csrf_checks=True)

        def call(method: str, target: str, token: str | None = None) -> Any:
            headers = {} if token is None else {"Authorization": f"Bearer {token}"}
            if client_class is not AsyncClient:
                return client.generic(method, target, headers=headers)

            async def send() -> Any:
                return await client.generic(method, target, headers=headers)

            return async_to_sync(send)()

        writer = factory.issue(sub="w", scope="items:write")
        assert call("POST", "/write", writer).json() == {"sub": "w"}  # csrf_exempt: a token
        refused = call("POST", "/write", factory.issue(scope="items:read"))
        assert refused.status_code == 403
        assert 'error="insufficient_scope"' in refused["WWW-Authenticate"]
        missing = call("GET", "/write")
        assert (missing.status_code, missing["WWW-Authenticate"]) == (401, 'Bearer realm="api"')
        assert call("GET", "/feed").json() == {"sub": None}
        assert call("GET", "/feed", factory.issue(sub="f")).json() == {"sub": "f"}
        assert call("GET", "/feed", "junk").status_code == 401
        assert call("GET", "/admin", factory.issue(sub="a", roles=["admin"])).json() == {"sub": "a"}
        assert call("GET", "/admin", factory.issue(roles=["dev"])).status_code == 403
        assert call("GET", "/async", factory.issue(sub="s")).json() == {"sub": "s"}
        assert call("GET", "/async").status_code == 401
        assert call("GET", "/report", factory.issue(sub="r", scope="report")).json() == {"sub": "r"}
        assert call("GET", "/report").status_code == 401


@jwt_required(scopes="items:write")
def reported_view(request: HttpRequest) -> JsonResponse:
    claims = request.jwt_claims  # type: ignore[attr-defined]
    return JsonResponse({"sub": None if claims is None else claims.get("sub")})


@pytest.mark.parametrize("report_only", [False, True], ids=["enforcing", "report-only"])
@pytest.mark.parametrize("client_class", [Client, AsyncClient], ids=["wsgi", "asgi"])
def test_under_the_middleware_a_request_is_counted_and_logged_once(
    factory: TokenFactory, client_class: Any, report_only: bool, caplog: pytest.LogCaptureFixture
) -> None:
    guard = factory.guard()
    setting = {"GUARD": guard, "REPORT_ONLY": report_only}
    urls = URLs(path("write", reported_view))
    with override_settings(JWTGUARD=setting, MIDDLEWARE=[MIDDLEWARE], ROOT_URLCONF=urls):
        client = client_class()

        def status(token: str | None) -> int:
            headers = {} if token is None else {"Authorization": f"Bearer {token}"}
            if client_class is not AsyncClient:
                return int(client.post("/write", headers=headers).status_code)

            async def send() -> Any:
                return await client.post("/write", headers=headers)

            return int(async_to_sync(send)().status_code)

        caplog.set_level("INFO", logger="jwtguard.adapters")
        statuses = [
            status("junk"),  # refused by the middleware
            status(None),  # refused by the middleware
            status(factory.issue(scope="items:read")),  # refused by the view's requirement
            status(factory.issue(sub="w", scope="items:write")),
        ]
    assert statuses == ([200] * 4 if report_only else [401, 401, 403, 200])
    stats = guard.stats()
    assert stats.rejected == {"malformed": 1, "missing_token": 1, "insufficient_scope": 1}
    assert stats.hits + stats.misses == 2  # the two verified tokens, each verified once
    refused = "would_refuse" if report_only else "refused"
    assert {k: n for k, n in guard.decisions.snapshot().items() if n} == {
        ("django", refused, "malformed", ""): 1,
        ("django", refused, "missing_token", ""): 1,
        ("django", "allowed", "", ""): 2,  # by the middleware; the view refused one of them
        ("django", refused, "insufficient_scope", ""): 1,
    }
    logged = [r.getMessage() for r in caplog.records if r.name == "jwtguard.adapters"]
    assert len(logged) == 3, logged
    assert all(("would reject" in m) == report_only for m in logged)


def test_jwt_required_marks_only_required_views_csrf_exempt() -> None:
    assert write_view.csrf_exempt is True  # type: ignore[attr-defined]
    assert not hasattr(async_feed, "csrf_exempt")
    assert iscoroutinefunction(async_feed)
    assert AdminView.as_view().csrf_exempt is True  # type: ignore[attr-defined]


# -- security headers per path ------------------------------------------------------------


@pytest.mark.parametrize(
    "policy",
    [
        SecurityHeaders(),
        SecurityHeaders(
            permissions_policy="camera=(), geolocation=()",
            cross_origin_embedder_policy="require-corp",
            extra=(("X-Served-By", "api-1"),),
            html_content_security_policy="default-src 'self'",
        ),
    ],
    ids=["default", "custom"],
)
@pytest.mark.parametrize("content_type", ["application/json", "text/html; charset=utf-8"])
@pytest.mark.parametrize("authenticated", [False, True])
def test_headers_added_directly_are_what_djangos_own_setter_adds(
    policy: SecurityHeaders, content_type: str, authenticated: bool
) -> None:
    """harden() puts the policy's headers into Django's header store without its setter
    (measured: the setters cost some 5% of a bare view); the result must be the same,
    header for header, as through the setter, which re-checks every name and value."""
    direct = HttpResponse(b"x", content_type=content_type)
    harden(direct, policy, authenticated=authenticated)
    existing = [("Content-Type", content_type)]
    merged = policy.wsgi_headers(existing, authenticated=authenticated, html=False, status=200)
    through_setter = HttpResponse(b"x", content_type=content_type)
    for name, value in merged[len(existing) :]:
        through_setter[name] = value
    assert list(direct.items()) == list(through_setter.items())
    assert len(direct.items()) > 4
    rebuilt = HttpResponse(headers=dict(direct.items()))  # every pair passes Django's checks
    assert list(rebuilt.items()) == list(direct.items())


def test_path_security_headers_and_the_default_policy(factory: TokenFactory) -> None:
    def page(request: HttpRequest) -> HttpResponse:
        return HttpResponse("<h1>hi</h1>")

    def api_view(request: HttpRequest) -> JsonResponse:
        return JsonResponse({"ok": True})

    pages = SecurityHeaders(content_security_policy="default-src 'self'")
    setting = {
        "GUARD": factory.guard(),
        "EXEMPT": ["/pages/*", "/bare", "/page"],
        "PATH_SECURITY_HEADERS": {"/pages/*": pages, "/bare": None},
    }
    urls = URLs(
        path("pages/a", page), path("bare", page), path("page", page), path("api", api_view)
    )
    with override_settings(JWTGUARD=setting, MIDDLEWARE=[MIDDLEWARE], ROOT_URLCONF=urls):
        client = Client()
        assert client.get("/pages/a")["Content-Security-Policy"] == "default-src 'self'"
        assert "Content-Security-Policy" not in client.get("/bare")
        assert "X-Frame-Options" not in client.get("/bare")
        # an HTML page under the default policy: the page-safe set, no CSP
        default_page = client.get("/page")
        assert "Content-Security-Policy" not in default_page
        assert default_page["Referrer-Policy"] == "strict-origin-when-cross-origin"
        api = client.get("/api", **bearer(factory.issue()))
        assert api["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
        assert api["Cache-Control"] == "no-store"
        assert client.get("/api")["X-Frame-Options"] == "DENY"  # the 401 too
    with pytest.raises(ConfigError, match=r"PATH_SECURITY_HEADERS'\]\['pages'\]"):
        read({"GUARD": factory.guard(), "PATH_SECURITY_HEADERS": {"pages": pages}})


def test_token_urls_log_in_with_django_passwords(users: Any, factory: TokenFactory) -> None:
    user = users.objects.create_user("erin", password="correct horse")
    users.objects.create_user("off", password="pw", is_active=False)
    guard = factory.guard(revocation=MemoryRevocationStore())
    sessions = RefreshTokens(guard)
    urls = URLs(path("auth/", include(token_urls(sessions))), path("me", whoami))
    setting = {
        "GUARD": guard,
        "EXEMPT": ["/auth/*"],
        "USER_LOADER": "jwtguard.adapters.django.load_user",
    }
    with override_settings(JWTGUARD=setting, MIDDLEWARE=[MIDDLEWARE], ROOT_URLCONF=urls):
        client = Client()
        good = {"username": "erin", "password": "correct horse"}
        pair = client.post("/auth/login", good, content_type="application/json").json()
        me = client.get("/me", **bearer(pair["access_token"])).json()
        assert me == {"authenticated": True, "user": "erin", "type": "User"}
        assert guard.verify(pair["access_token"])["sub"] == str(user.pk)
        assert client.post("/auth/login", {"username": "erin", "password": "x"}).status_code == 401
        assert client.post("/auth/login", {"username": "off", "password": "pw"}).status_code == 401
        form = client.post("/auth/login", good)  # a form post works too
        assert form.status_code == 200
        assert client.get("/auth/login").status_code == 405
        assert (
            client.post(
                "/auth/logout",
                {"refresh_token": pair["refresh_token"]},
                content_type="application/json",
            ).status_code
            == 204
        )
        assert client.get("/me", **bearer(pair["access_token"])).status_code == 401  # revoked


def test_json_response_takes_the_claims(factory: TokenFactory) -> None:
    def claims(request: HttpRequest) -> JsonResponse:
        return JsonResponse(request.jwt_claims)  # type: ignore[attr-defined]  # a dict: safe=True

    def nested(request: HttpRequest) -> JsonResponse:
        found = request.jwt_claims  # type: ignore[attr-defined]
        return JsonResponse({"org": found["org"], "roles": found["roles"]})

    urls = URLs(path("claims", claims), path("nested", nested))
    payload = {"sub": "7", "roles": ["reader"], "org": {"id": 3, "teams": ["a"]}}
    with override_settings(
        JWTGUARD={"GUARD": factory.guard()}, MIDDLEWARE=[MIDDLEWARE], ROOT_URLCONF=urls
    ):
        client = Client()
        auth = bearer(factory.issue(payload))
        body = client.get("/claims", **auth).json()
        assert {k: body[k] for k in payload} == payload
        assert client.get("/nested", **auth).json() == {"org": payload["org"], "roles": ["reader"]}
        assert client.get("/claims", **auth).json() == body
