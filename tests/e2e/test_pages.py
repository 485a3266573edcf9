"""HTML pages render in a real browser with jwtguard's default security headers on.

FastAPI's Swagger UI (served from the swagger-ui-dist npm package) behind uvicorn and
``JWTGuardMiddleware``, and a Flask template page behind gunicorn and the ``JWTGuard``
extension, are loaded in Debian's headless chromium driven by playwright-core
(``browser/page.mjs``; ``make test`` installs both). Each check has a control that makes it
fail: the strict API CSP on the Swagger page, ``Referrer-Policy: no-referrer`` on the form.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

NODE_DIR = Path(__file__).resolve().parent / "browser"
TITLE = "jwtguard pages test"  # page_apps.TITLE
Server = Any  # conftest.Server
API_SET = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
    "strict-transport-security": "max-age=31536000; includeSubDomains",
}
PAGE_SET = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "strict-transport-security": "max-age=31536000; includeSubDomains",
    "referrer-policy": "strict-origin-when-cross-origin",
    "cross-origin-opener-policy": "same-origin-allow-popups",
}
SWAGGER_RENDERED = ".swagger-ui .info .title"


def browse(url: str, profile: Path, wait_for: str, **spec: Any) -> dict[str, Any]:
    """Load ``url`` in headless chromium (a fresh profile); what it saw (see page.mjs)."""
    node, chromium = shutil.which("node"), shutil.which("chromium")
    if node is None or chromium is None or not (NODE_DIR / "node_modules").is_dir():
        missing = "Node, Debian's chromium and `npm ci` in tests/e2e/browser (make test)"
        if os.environ.get("CI"):
            pytest.fail(f"the browser tests need {missing}")
        pytest.skip(f"needs {missing}")
    request = {"url": url, "profile": str(profile), "waitFor": wait_for, "executable": chromium}
    result = subprocess.run(
        [node, str(NODE_DIR / "page.mjs"), json.dumps({**request, **spec})],
        cwd=NODE_DIR,
        capture_output=True,
        text=True,
        timeout=150,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    report: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["offLoopback"] == [], "the page tried to leave loopback"
    return report


def chosen(headers: dict[str, str], names: Any) -> dict[str, str | None]:
    return {name: headers.get(name) for name in names}


@pytest.fixture(scope="module")
def swagger(serve: Callable[..., Server]) -> Server:
    return serve("swagger", "uvicorn", "page_apps:swagger_docs")


@pytest.fixture(scope="module")
def flask_pages(serve: Callable[..., Server]) -> Server:
    return serve("flask-pages", "gunicorn", "page_apps:flask_pages")


def test_swagger_ui_renders_with_the_default_headers(swagger: Server, tmp_path: Path) -> None:
    report = browse(
        f"{swagger.url}/docs",
        tmp_path / "profile",
        SWAGGER_RENDERED,
        facts={
            "title": f"document.querySelector({SWAGGER_RENDERED!r}).textContent",
            "operations": "document.querySelectorAll('.opblock').length",
            "styled": "getComputedStyle(document.querySelector('.swagger-ui')).fontFamily",
        },
    )
    assert report["status"] == 200
    assert chosen(report["headers"], PAGE_SET) == PAGE_SET
    assert "content-security-policy" not in report["headers"]
    assert report["facts"]["title"].startswith(TITLE)
    assert report["facts"]["operations"] == 2  # /items/{item_id} and /health
    assert "sans-serif" in report["facts"]["styled"]  # swagger-ui.css applied
    assert report["violations"] == []
    assert report["pageErrors"] == []
    assert report["failedRequests"] == []
    assert report["consoleErrors"] == []


def test_swagger_ui_assets_and_schema_keep_the_api_set(swagger: Server) -> None:
    for target in ("/openapi.json", "/static/swagger-ui-bundle.js", "/health"):
        response = swagger.request(target)
        assert response.status == 200, target
        assert chosen(dict(response.headers), API_SET) == API_SET, target
    refused = swagger.request("/items/1")
    assert refused.status == 401
    assert chosen(dict(refused.headers), API_SET) == API_SET
    assert refused.header("cache-control") == "no-store"


def test_control_swagger_ui_under_the_strict_api_csp_is_blocked(
    serve: Callable[..., Server], tmp_path: Path
) -> None:
    strict = serve(
        "swagger-strict", "uvicorn", "page_apps:swagger_docs", env={"PAGE_POLICY": "strict"}
    )
    report = browse(
        f"{strict.url}/docs",
        tmp_path / "profile",
        "body",
        facts={"rendered": f"document.querySelectorAll({SWAGGER_RENDERED!r}).length"},
    )
    assert report["headers"]["content-security-policy"] == API_SET["content-security-policy"]
    assert report["facts"]["rendered"] == 0
    assert any("script-src" in v for v in report["violations"]), report["violations"]


def test_flask_template_page_works_with_the_default_headers(
    flask_pages: Server, tmp_path: Path
) -> None:
    report = browse(
        f"{flask_pages.url}/",
        tmp_path / "profile",
        "#send",
        facts={
            "inline": "document.getElementById('inline').textContent",
            "external": "document.getElementById('external').textContent",
            "styled": "getComputedStyle(document.getElementById('styled')).color",
            "boxed": "getComputedStyle(document.getElementById('boxed')).color",
            "image": "document.getElementById('logo').complete",
        },
        submit={"click": "#send", "waitFor": "#result"},
    )
    assert report["status"] == 200
    assert chosen(report["headers"], PAGE_SET) == PAGE_SET
    assert "content-security-policy" not in report["headers"]
    assert report["facts"] == {
        "inline": "inline script ran",
        "external": "external script ran",
        "styled": "rgb(1, 2, 3)",
        "boxed": "rgb(4, 5, 6)",
        "image": True,
    }
    # A same-origin form post carries the page's Origin and a Referer, which CSRF
    # protections (Django's, Flask-WTF's) check: no-referrer would send Origin: null.
    assert report["after"] == "origin same; referer same; note hello"
    assert report["violations"] == []
    assert report["pageErrors"] == []
    assert report["consoleErrors"] == []


def test_control_no_referrer_breaks_same_origin_csrf_checks(
    serve: Callable[..., Server], tmp_path: Path
) -> None:
    server = serve(
        "flask-no-referrer", "gunicorn", "page_apps:flask_pages", env={"PAGE_POLICY": "no-referrer"}
    )
    report = browse(
        f"{server.url}/",
        tmp_path / "profile",
        "#send",
        submit={"click": "#send", "waitFor": "#result"},
    )
    assert report["headers"]["referrer-policy"] == "no-referrer"
    assert report["after"] == "origin other; referer missing; note hello"


def test_flask_json_responses_keep_the_api_set(flask_pages: Server) -> None:
    health = flask_pages.request("/health")
    assert health.status == 200
    assert chosen(dict(health.headers), API_SET) == API_SET
    assert health.header("referrer-policy") is None
    refused = flask_pages.request("/api/me")
    assert refused.status == 401
    assert chosen(dict(refused.headers), API_SET) == API_SET
