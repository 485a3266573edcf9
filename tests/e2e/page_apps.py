"""HTML pages behind jwtguard with its default security headers, served by real servers.

Imported by the servers (``uvicorn --app-dir tests/e2e --factory page_apps:swagger_docs``,
``gunicorn --chdir tests/e2e 'page_apps:flask_pages()'``), loaded by headless chromium in
``test_pages.py``. ``PAGE_POLICY`` (an environment variable) picks the headers: unset is
jwtguard's default; ``strict`` gives HTML the API responses' strict CSP (what every page got
before headers were chosen per kind); ``no-referrer`` sets ``Referrer-Policy: no-referrer``
on pages. The two controls show that the browser checks can fail.
(No ``from __future__ import annotations``: FastAPI reads annotations at definition time.)
"""

import os
from pathlib import Path
from typing import Any

from jwtguard import Guard, SecurityHeaders
from jwtguard.http.pipeline import DEFAULT

SWAGGER_UI = Path(__file__).resolve().parent / "browser" / "node_modules" / "swagger-ui-dist"
TITLE = "jwtguard pages test"
STRICT = "default-src 'none'; frame-ancestors 'none'"


def _guard() -> Guard:
    return Guard(os.environ["ROUTING_SECRET"], algorithms=["HS256"])


def _policy() -> Any:
    chosen = os.environ.get("PAGE_POLICY", "")
    if chosen == "strict":
        return SecurityHeaders(html_content_security_policy=STRICT)
    if chosen == "no-referrer":
        return SecurityHeaders(referrer_policy="no-referrer")
    return DEFAULT


def swagger_docs() -> Any:
    """FastAPI with Swagger UI served from the swagger-ui-dist npm package, as FastAPI's
    "self-hosting JavaScript and CSS for docs" recipe does, behind JWTGuardMiddleware."""
    from fastapi import FastAPI
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.staticfiles import StaticFiles

    from jwtguard.adapters.asgi import JWTGuardMiddleware

    api = FastAPI(title=TITLE, docs_url=None, redoc_url=None)
    api.mount("/static", StaticFiles(directory=SWAGGER_UI), name="static")

    @api.get("/docs", include_in_schema=False)
    async def docs() -> Any:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title=TITLE,
            swagger_js_url="/static/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger-ui.css",
            swagger_favicon_url="/static/favicon-32x32.png",
        )

    @api.get("/items/{item_id}")
    async def item(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    @api.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return JWTGuardMiddleware(
        api,
        guard=_guard(),
        exempt=["/docs", "/openapi.json", "/static/*", "/health"],
        security_headers=_policy(),
    )


PAGE = """<!doctype html>
<html>
<head>
  <title>{{ title }}</title>
  <style>#styled { color: rgb(1, 2, 3); }</style>
  <link rel="stylesheet" href="{{ url_for('stylesheet') }}">
  <script src="{{ url_for('script') }}"></script>
</head>
<body>
  <p id="styled">styled by an inline style element</p>
  <p id="boxed">styled by a stylesheet</p>
  <p id="inline">inline script did not run</p>
  <p id="external">external script did not run</p>
  <img id="logo" alt="logo" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
  <form method="post" action="{{ url_for('submit') }}">
    <input name="note" value="hello">
    <button id="send" type="submit">send</button>
  </form>
  <script>document.getElementById("inline").textContent = "inline script ran";</script>
</body>
</html>
"""

RESULT = """<!doctype html>
<html><head><title>sent</title></head>
<body><p id="result">origin {{ origin }}; referer {{ referer }}; note {{ note }}</p></body>
</html>
"""


def flask_pages() -> Any:
    """A Flask app rendering Jinja templates, with ``JWTGuard(app)``'s default headers; the
    form post checks ``Origin`` and ``Referer`` the way Django's and Flask-WTF's CSRF
    protections do."""
    from flask import Flask, Response, render_template_string, request

    from jwtguard.adapters.flask import JWTGuard, current_claims, jwt_required

    app = Flask("pages")
    JWTGuard(app, guard=_guard(), security_headers=_policy())

    @app.get("/")
    def home() -> str:
        return render_template_string(PAGE, title=TITLE)

    @app.get("/app.css")
    def stylesheet() -> Response:
        return Response("#boxed { color: rgb(4, 5, 6); }", mimetype="text/css")

    @app.get("/app.js")
    def script() -> Response:
        code = (
            'document.addEventListener("DOMContentLoaded", () => {'
            ' document.getElementById("external").textContent = "external script ran"; });'
        )
        return Response(code, mimetype="text/javascript")

    @app.post("/submit")
    def submit() -> str:
        own = request.host_url.rstrip("/")
        origin = "same" if request.headers.get("Origin") == own else "other"
        referer = "same" if (request.referrer or "").startswith(own + "/") else "missing"
        return render_template_string(
            RESULT, origin=origin, referer=referer, note=request.form.get("note")
        )

    @app.get("/api/me")
    @jwt_required
    def me() -> dict[str, Any]:
        return {"sub": current_claims["sub"]}

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
