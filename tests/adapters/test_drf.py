"""DRF beyond the shared suite: permission classes composed with & | ~ in DRF's error format,
401 (not 403) with jwtguard's challenge, the middleware's decision reused, loaders,
throttling keyed by the token's subject, other authentication classes beside it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.test import override_settings
from django.urls import path
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import IsAdminUser, IsAuthenticated
from rest_framework.response import Response
from rest_framework.test import APIClient
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView

from jwtguard.adapters.drf import HasRole, HasScope, JWTAuthentication, TokenRefused
from jwtguard.testing import TokenFactory

NOT_PROVIDED = {"detail": "Authentication credentials were not provided."}


class URLs:
    def __init__(self, *patterns: Any) -> None:
        self.urlpatterns = list(patterns)


def view(*permissions: Any, **attributes: Any) -> Any:
    """An APIView answering ``{"sub": ...}`` with these permission classes."""

    class Endpoint(APIView):
        permission_classes = permissions

        def get(self, request: Any) -> Response:
            return Response({"sub": getattr(request.user, "pk", None)})

        post = get

    for name, value in attributes.items():
        setattr(Endpoint, name, value)
    return Endpoint.as_view()


@pytest.fixture
def api(factory: TokenFactory) -> Iterator[Any]:
    """``api(urls, middleware=[...], **JWTGUARD)`` -> a sender ``(method, path, token)``."""
    overrides: list[Any] = []

    def make(urls: URLs, middleware: tuple[str, ...] = (), **setting: Any) -> Any:
        override = override_settings(
            JWTGUARD={"GUARD": factory.guard(), "OPTIONAL": True, **setting},
            MIDDLEWARE=list(middleware),
            ROOT_URLCONF=urls,
        )
        override.enable()
        overrides.append(override)
        client = APIClient()

        def send(method: str, target: str, token: str | None = None) -> Any:
            headers = {} if token is None else {"HTTP_AUTHORIZATION": f"Bearer {token}"}
            return client.generic(method, target, **headers)

        return send

    cache.clear()
    yield make
    for override in reversed(overrides):
        override.disable()


def test_has_scope_and_has_role_in_drf_format(api: Any, factory: TokenFactory) -> None:
    send = api(
        URLs(
            path("read", view(HasScope("items:read"))),
            path("write", view(HasScope("items:write") | HasRole("admin"))),
            path("both", view(HasScope("a", "b") & HasRole("x"))),
            path("not", view(~HasRole("banned"))),
            path("mixed", view(IsAdminUser | HasScope("ops"))),
        )
    )
    anonymous = send("GET", "/read")
    assert anonymous.status_code == 401  # not 403: jwtguard gives DRF a challenge
    assert anonymous["WWW-Authenticate"] == 'Bearer realm="api"'
    assert anonymous.json() == NOT_PROVIDED
    assert send("GET", "/read", factory.issue(sub="r", scope="items:read")).json() == {"sub": "r"}
    lacking = send("GET", "/read", factory.issue(scope="other"))
    assert lacking.status_code == 403
    assert lacking.json() == {"detail": "The access token lacks the required scope."}
    assert send("POST", "/write", factory.issue(scope="items:write")).status_code == 200
    assert send("POST", "/write", factory.issue(roles=["admin"])).status_code == 200
    assert send("POST", "/write", factory.issue(scope="items:read")).status_code == 403
    assert send("GET", "/both", factory.issue(scope="a b", roles=["x"])).status_code == 200
    assert send("GET", "/both", factory.issue(scope="a", roles=["x"])).status_code == 403
    assert send("GET", "/not", factory.issue(roles=["user"])).status_code == 200
    assert send("GET", "/not", factory.issue(roles=["banned"])).status_code == 403
    assert send("GET", "/mixed", factory.issue(scope="ops")).status_code == 200
    assert send("GET", "/mixed", factory.issue()).status_code == 403
    assert repr(HasScope("a", "b")) == "HasScope('a', 'b')"
    with pytest.raises(ValueError, match="at least one"):
        HasRole()


def test_a_403_carries_the_challenge_when_the_failed_permission_is_the_answer(
    api: Any, factory: TokenFactory
) -> None:
    guard = factory.guard()
    send = api(
        URLs(
            path("read", view(IsAuthenticated, HasScope("items:read"))),
            path("write", view(HasScope("items:write") | HasRole("admin"))),
            path("both", view(HasScope("a") & HasRole("x"))),
            path("not", view(~HasRole("banned"))),
            path("mixed", view(IsAdminUser | HasScope("ops"))),
        ),
        GUARD=guard,
    )
    scope = 'Bearer realm="api", error="insufficient_scope", error_description='
    lacking = send("GET", "/read", factory.issue(scope="other"))
    assert lacking.status_code == 403
    assert lacking["WWW-Authenticate"].startswith(scope)
    assert lacking["WWW-Authenticate"].endswith('scope="items:read"')
    assert lacking["Cache-Control"] == "no-store"
    assert lacking.json() == {"detail": "The access token lacks the required scope."}
    # the right side of | is asked only once the left one failed: its failure is the answer
    role = send("POST", "/write", factory.issue(scope="items:read"))
    assert role.status_code == 403 and role["WWW-Authenticate"].startswith(scope)
    assert send("GET", "/mixed", factory.issue())["WWW-Authenticate"].endswith('scope="ops"')
    assert send("GET", "/both", factory.issue(scope="a"))["WWW-Authenticate"].startswith(scope)
    # a failure that ends in a success (left of |, under ~) adds nothing to the answer
    admin = send("POST", "/write", factory.issue(roles=["admin"]))
    assert admin.status_code == 200 and "WWW-Authenticate" not in admin
    banned = send("GET", "/not", factory.issue(roles=["banned"]))
    assert banned.status_code == 403 and "WWW-Authenticate" not in banned
    assert send("GET", "/not", factory.issue(roles=["user"])).status_code == 200
    assert guard.stats().rejected == {"insufficient_scope": 4}  # the 403s that are its own


@pytest.mark.parametrize(
    "middleware", [(), ("jwtguard.adapters.django.JWTGuardMiddleware",)], ids=["drf", "both"]
)
def test_report_only_counts_a_permissions_refusal_once_and_lets_it_through(
    api: Any, factory: TokenFactory, middleware: Any
) -> None:
    guard = factory.guard()
    urls = URLs(
        path("read", view(HasScope("items:read"))),
        path("either", view(HasScope("a") | HasRole("x"))),
        path("base", view(HasScope("items:read"))),
    )
    send = api(urls, middleware, GUARD=guard, REPORT_ONLY=True, RULES={"/base": {"scopes": "b"}})
    assert send("GET", "/read", factory.issue(sub="r", scope="other")).json() == {"sub": "r"}
    assert send("GET", "/either", factory.issue(sub="e")).json() == {"sub": "e"}
    # the path's rule is refused first (by the middleware, or by JWTAuthentication): the
    # view's HasScope, which would refuse too, does not report the request again
    assert send("GET", "/base", factory.issue(sub="b", scope="other")).json() == {"sub": "b"}
    assert guard.stats().rejected == {"insufficient_scope": 3}
    counted = {k: n for k, n in guard.decisions.snapshot().items() if n}
    assert counted[("django", "would_refuse", "insufficient_scope", "")] == 3


def test_the_challenge_follows_permissions_from_get_permissions(
    api: Any, factory: TokenFactory
) -> None:
    def chosen(self: Any) -> list[Any]:  # DRF's documented way to vary them per request
        return [HasScope("items:read")()] if self.request.method == "GET" else [(~HasScope("x"))()]

    send = api(URLs(path("items", view(get_permissions=chosen))))
    lacking = send("GET", "/items", factory.issue(scope="other"))
    assert lacking.status_code == 403
    assert lacking["WWW-Authenticate"].endswith('required scope.", scope="items:read"')
    negated = send("POST", "/items", factory.issue(scope="x"))
    assert negated.status_code == 403 and "WWW-Authenticate" not in negated


def test_roles_follow_the_configured_roles_claim(api: Any, factory: TokenFactory) -> None:
    send = api(URLs(path("r", view(HasRole("admin")))), ROLES_CLAIM="realm_access.roles")
    assert send("GET", "/r", factory.issue(realm_access={"roles": ["admin"]})).status_code == 200
    assert send("GET", "/r", factory.issue(roles=["admin"])).status_code == 403


@pytest.mark.parametrize(
    "middleware", [(), ("jwtguard.adapters.django.JWTGuardMiddleware",)], ids=["drf", "both"]
)
def test_one_decision_per_request(api: Any, factory: TokenFactory, middleware: Any) -> None:
    guard = factory.guard()
    send = api(URLs(path("x", view(IsAuthenticated))), middleware, GUARD=guard)
    bad = send("GET", "/x", "junk")
    assert bad.status_code == 401
    assert bad["WWW-Authenticate"].startswith('Bearer realm="api", error="invalid_token"')
    assert bad.json()["error"] == "invalid_token"
    assert bad["Cache-Control"] == "no-store"
    token = factory.issue(sub="one")
    assert send("GET", "/x", token).json() == {"sub": "one"}
    stats = guard.stats()
    assert stats.rejected == {"malformed": 1}  # counted once, whoever decided
    assert stats.hits + stats.misses == 1


def test_required_tokens_and_retry_after_through_drf(api: Any, factory: TokenFactory) -> None:
    from jwtguard.errors import RevocationUnavailableError

    class Down:
        def is_revoked(self, claims: Any) -> bool:
            raise RevocationUnavailableError(retry_after=7)

    send = api(URLs(path("x", view())), OPTIONAL=False, REALM="shop")
    missing = send("GET", "/x")
    assert (missing.status_code, missing["WWW-Authenticate"]) == (401, 'Bearer realm="shop"')
    assert missing.json()["error"] == "missing_token"
    down = api(URLs(path("x", view())), GUARD=factory.guard(revocation=Down()))
    answer = down("GET", "/x", factory.issue())
    assert (answer.status_code, answer["Retry-After"]) == (503, "7")
    assert answer.json()["error"] == "revocation_unavailable"


def test_a_custom_exception_handler_sees_the_refusal(api: Any, factory: TokenFactory) -> None:
    seen: list[Any] = []

    def handler(exc: Exception, context: Any) -> Response:
        seen.append(exc)
        return Response({"problem": getattr(exc, "denial", None) and exc.denial.code}, status=418)

    send = api(URLs(path("x", view(IsAuthenticated))))
    with override_settings(REST_FRAMEWORK={"EXCEPTION_HANDLER": handler}):
        answer = send("GET", "/x", "junk")
    assert (answer.status_code, answer.json()) == (418, {"problem": "malformed"})
    assert isinstance(seen[0], TokenRefused)


def test_a_loader_without_a_user_is_401(api: Any, factory: TokenFactory) -> None:
    call_command("migrate", run_syncdb=True, verbosity=0)
    model = get_user_model()
    user = model.objects.create_user("dora", password="pw")
    try:
        send = api(
            URLs(path("x", view(IsAuthenticated))), USER_LOADER="jwtguard.adapters.django.load_user"
        )
        assert send("GET", "/x", factory.issue(sub=str(user.pk))).json() == {"sub": user.pk}
        unknown = send("GET", "/x", factory.issue(sub="12345"))
        assert unknown.status_code == 401
        assert unknown.json() == {
            "error": "invalid_token",
            "error_description": "The access token's user is unknown or inactive.",
        }
    finally:
        model.objects.all().delete()


def test_session_authentication_beside_it(api: Any, factory: TokenFactory) -> None:
    call_command("migrate", run_syncdb=True, verbosity=0)
    model = get_user_model()
    model.objects.create_user("sid", password="pw")
    classes = (JWTAuthentication, SessionAuthentication)
    middleware = (
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
    )
    try:
        endpoint = view(IsAuthenticated, authentication_classes=classes)
        send = api(URLs(path("x", endpoint)), middleware)
        assert send("GET", "/x").status_code == 401  # the first class's challenge
        client = APIClient()
        assert client.login(username="sid", password="pw")
        assert client.get("/x").status_code == 200
        assert send("GET", "/x", factory.issue(sub="t")).json() == {"sub": "t"}
    finally:
        model.objects.all().delete()


# -- throttling ---------------------------------------------------------------------------


@pytest.mark.parametrize("throttle", ["subject", "user"])
def test_throttling_is_keyed_by_the_subject(api: Any, factory: TokenFactory, throttle: str) -> None:
    from jwtguard.adapters.drf import SubjectRateThrottle

    kind = SubjectRateThrottle if throttle == "subject" else UserRateThrottle
    send = api(URLs(path("t", view(IsAuthenticated, throttle_classes=(kind,)))))
    alice = [factory.issue(sub="alice", jti=str(n)) for n in range(4)]  # four distinct tokens
    assert [send("GET", "/t", t).status_code for t in alice] == [200, 200, 200, 429]
    limited = send("GET", "/t", alice[0])
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) > 0
    assert send("GET", "/t", factory.issue(sub="bob")).status_code == 200


def test_response_takes_request_auth(api: Any, factory: TokenFactory) -> None:
    class Claimed(APIView):
        authentication_classes = (JWTAuthentication,)
        permission_classes = (IsAuthenticated,)

        def get(self, request: Any) -> Response:
            return Response({"claims": request.auth, "org": request.auth["org"]})

    send = api(URLs(path("claims", Claimed.as_view())))
    payload = {"sub": "7", "roles": ["reader"], "org": {"id": 3, "teams": ["a"]}}
    body = send("GET", "/claims", factory.issue(payload)).json()
    assert {k: body["claims"][k] for k in payload} == payload
    assert body["org"] == payload["org"]
