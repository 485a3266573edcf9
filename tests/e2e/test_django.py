"""Django behind real servers: the admin and an exempt HTML page with the default headers
(and in a real browser), DRF and the token endpoints under gunicorn (WSGI) and uvicorn
(ASGI), on loopback. The routing suite (test_routing.py) sends the hostile spellings."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from jwtguard import Guard

from .conftest import chromium_console

pytestmark = pytest.mark.e2e

PASSWORD = "e2e-admin-password"
KINDS = {"gunicorn": "routing_apps:django_wsgi", "uvicorn": "routing_apps:django_asgi"}


@pytest.fixture(scope="module")
def admin_user() -> Any:
    """A superuser in the project's database (the servers inherit TESTPROJECT_DB)."""
    call_command("migrate", run_syncdb=True, verbosity=0)
    model = get_user_model()
    model.objects.filter(username="root").delete()
    return model.objects.create_superuser("root", "root@example.invalid", PASSWORD)


@pytest.fixture(scope="module", params=list(KINDS))
def server(request: pytest.FixtureRequest, serve: Callable[..., Any], admin_user: Any) -> Any:
    kind = request.param
    return serve(f"django-{kind}", kind, KINDS[kind])


def cookie_header(cookies: dict[str, str]) -> tuple[str, str]:
    return ("Cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()))


def test_the_admin_logs_in_and_works_with_the_headers(server: Any) -> None:
    page = server.request("/django-admin/login/?next=/django-admin/")
    assert page.status == 200
    assert page.header("content-security-policy") == "default-src 'self'; frame-ancestors 'none'"
    assert page.header("x-frame-options") == "DENY"
    assert page.header("x-content-type-options") == "nosniff"
    html = page.body.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert token is not None
    # every resource the page loads is same-origin, as its policy allows
    for resource in re.findall(r'(?:src|href)="([^"]+\.(?:css|js))"', html):
        assert resource.startswith("/static/"), resource
        loaded = server.request(resource)
        assert loaded.status == 200
        assert loaded.header("content-type").split(";")[0] in ("text/css", "text/javascript")
    cookies = page.cookies()
    body = f"csrfmiddlewaretoken={token.group(1)}&username=root&password={PASSWORD}"
    login = server.request(
        "/django-admin/login/?next=/django-admin/",
        method="POST",
        headers=[
            cookie_header(cookies),
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Content-Length", str(len(body))),
            ("Origin", "http://127.0.0.1"),  # the Host the raw client sends
        ],
        body=body.encode(),
    )
    assert login.status == 302, login.body[:300]
    assert login.header("location") == "/django-admin/"
    cookies.update(login.cookies())
    index = server.request("/django-admin/", headers=[cookie_header(cookies)])
    assert index.status == 200
    assert b"Site administration" in index.body
    users = server.request("/django-admin/auth/user/", headers=[cookie_header(cookies)])
    assert users.status == 200 and b"root" in users.body


def test_an_exempt_html_page_gets_the_page_headers(server: Any) -> None:
    page = server.request("/page")
    assert page.status == 200 and b"<h1 id='title'>Hello</h1>" in page.body
    assert page.header("content-security-policy") is None  # only the app knows what it loads
    assert page.header("referrer-policy") == "strict-origin-when-cross-origin"
    assert page.header("x-frame-options") == "DENY"
    assert page.header("cache-control") is None  # anonymous: not marked private
    health = server.request("/health")  # JSON: the API set
    assert health.header("content-security-policy") == "default-src 'none'; frame-ancestors 'none'"


def test_drf_and_the_token_endpoints(server: Any, routing_secret: str, admin_user: Any) -> None:
    issuer = Guard(routing_secret, algorithms=["HS256"], audience="routing")
    anonymous = server.request("/api/items")
    assert anonymous.status == 401
    assert anonymous.header("www-authenticate") == 'Bearer realm="api"'
    reader = issuer.issue({"sub": "r", "scope": "items:read"})
    items = server.request("/api/items", headers=[("Authorization", f"Bearer {reader}")])
    assert items.status == 200
    assert json.loads(items.body) == {"sub": "r", "scopes": ["items:read"]}
    denied = server.request(
        "/api/items", method="POST", headers=[("Authorization", f"Bearer {reader}")]
    )
    assert denied.status == 403  # HasScope("items:write") | HasRole("admin"), from get_permissions
    assert 'error="insufficient_scope"' in denied.header("www-authenticate")
    bad = server.request("/api/items", headers=[("Authorization", "Bearer junk")])
    assert bad.status == 401 and 'error="invalid_token"' in bad.header("www-authenticate")
    body = json.dumps({"username": "root", "password": PASSWORD})
    login = server.request(
        "/auth/login",
        method="POST",
        headers=[("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
        body=body.encode(),
    )
    assert login.status == 200, login.body[:200]
    pair = json.loads(login.body)
    me = server.request("/me", headers=[("Authorization", f"Bearer {pair['access_token']}")])
    assert json.loads(me.body) == {"route": "me", "sub": str(admin_user.pk)}


def test_the_admin_login_page_renders_in_a_browser(server: Any, tmp_path: Any) -> None:
    """Headless chromium loads the login page with nothing blocked by its policy; the same
    stylesheet on a page under a strict CSP (``/styled`` in PATH_SECURITY_HEADERS) is
    blocked, so the check can fail."""
    blocked = chromium_console(f"http://127.0.0.1:{server.port}/styled", tmp_path / "a")
    assert "Content Security Policy" in blocked
    login = chromium_console(f"http://127.0.0.1:{server.port}/django-admin/login/", tmp_path / "b")
    assert 'id="login-form"' in login
    assert "Content Security Policy" not in login, login[-2000:]
