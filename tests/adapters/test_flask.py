"""What only the Flask extension does: config, factory pattern, decorator, proxy, hooks."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, g

from jwtguard.adapters import Denial
from jwtguard.adapters.flask import JWTGuard, current_claims, jwt_required
from jwtguard.errors import ConfigError
from jwtguard.testing import TokenFactory

SECRET = "s" * 32


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def make_app(**config: Any) -> Flask:
    app = Flask(__name__)
    app.testing = True
    app.config.update(config)

    @app.get("/me")
    @jwt_required
    def me() -> Any:
        assert g.jwtguard_claims is current_claims._get_current_object()  # type: ignore[attr-defined]
        return {"sub": current_claims["sub"]}

    @app.get("/write")
    @jwt_required(scopes="write", roles=["editor"])
    def write() -> Any:
        return "written"

    @app.get("/maybe")
    @jwt_required(optional=True)
    def maybe() -> Any:
        return {"sub": current_claims["sub"] if current_claims else None}

    @app.get("/open")
    def open_route() -> Any:
        return "open"

    return app


def test_factory_pattern_and_config(factory: TokenFactory) -> None:
    app = make_app(JWTGUARD_SECRET_KEY=SECRET, JWTGUARD_AUDIENCE=["api"], JWTGUARD_LEEWAY=5)
    jwt = JWTGuard()
    jwt.init_app(app)
    state = app.extensions["jwtguard"]
    guard = state.pipeline.guard
    assert guard.policy.audience == ("api",)
    assert guard.policy.leeway == 5
    token = guard.issue({"sub": "cfg"})
    client = app.test_client()
    assert client.get("/me", headers=bearer(token)).json == {"sub": "cfg"}
    assert client.get("/open").data == b"open"  # only decorated views are protected


def test_decorator_requirements(factory: TokenFactory) -> None:
    app = make_app()
    JWTGuard(app, guard=factory.guard())
    client = app.test_client()
    ok = factory.issue(scope="write", roles=["editor"])
    assert client.get("/write", headers=bearer(ok)).data == b"written"
    refused = client.get("/write", headers=bearer(factory.issue(scope="write")))
    assert refused.status_code == 403
    assert refused.json == {
        "error": "insufficient_scope",
        "error_description": "The access token lacks the required role.",
    }
    assert client.get("/maybe").json == {"sub": None}
    assert client.get("/maybe", headers=bearer(factory.issue(sub="x"))).json == {"sub": "x"}
    missing = client.get("/me")
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"] == 'Bearer realm="api"'


def test_adapter_options_from_config(factory: TokenFactory) -> None:
    app = make_app(
        JWTGUARD_COOKIE="at",
        JWTGUARD_REALM="shop",
        JWTGUARD_PROTECT_ALL="true",
        JWTGUARD_EXEMPT="/open",
        JWTGUARD_SECURITY_HEADERS=False,
    )
    JWTGuard(app, guard=factory.guard())
    client = app.test_client()
    assert client.get("/open").status_code == 200
    refused = client.get("/me")
    assert refused.headers["WWW-Authenticate"] == 'Bearer realm="shop"'
    assert "X-Content-Type-Options" not in refused.headers
    client.set_cookie("at", factory.issue(sub="cookie"))
    assert client.get("/me").json == {"sub": "cookie"}


def test_bad_config_fails_in_init_app_listing_every_problem() -> None:
    app = make_app(
        JWTGUARD_SECRET_KEY="tiny-s3cr3t",
        JWTGUARD_REPORT_ONLY="perhaps",
        JWTGUARD_LOG_LEVEL="LOUD",
        JWTGUARD_EXEMPT="health",
    )
    with pytest.raises(ConfigError) as caught:
        JWTGuard(app)
    text = str(caught.value)
    for name in ("JWTGUARD_SECRET_KEY", "JWTGUARD_REPORT_ONLY", "JWTGUARD_LOG_LEVEL"):
        assert name in text
    assert "JWTGUARD_EXEMPT" in text  # reported even while the key configuration is bad
    assert "tiny-s3cr3t" not in text  # the secret is never quoted
    with pytest.raises(ConfigError, match="JWTGUARD_EXEMPT: paths must start with '/'"):
        JWTGuard(make_app(JWTGUARD_EXEMPT="health"), guard=TokenFactory.hs256().guard())
    with pytest.raises(ConfigError, match="no key configured"):
        JWTGuard(make_app())


def test_error_handler_hook(factory: TokenFactory) -> None:
    app = make_app()
    jwt = JWTGuard(app, guard=factory.guard())

    @jwt.error_handler
    def custom(denial: Denial) -> Any:
        return {"problem": denial.code}, denial.status, {"WWW-Authenticate": "Bearer"}

    response = app.test_client().get("/me", headers=bearer("junk"))
    assert response.status_code == 401
    assert response.json == {"problem": "malformed"}


def test_not_set_up_is_a_clear_error() -> None:
    app = make_app()
    app.testing = True
    with pytest.raises(RuntimeError, match="JWTGuard is not set up"):
        app.test_client().get("/me")


def test_protect_all_defers_to_the_decorator_and_decides_once(
    factory: TokenFactory, caplog: pytest.LogCaptureFixture
) -> None:
    guard = factory.guard()
    app = make_app(JWTGUARD_PROTECT_ALL=True, JWTGUARD_SCOPES="everything")
    JWTGuard(app, guard=guard, report_only=True)
    client = app.test_client()
    token = factory.issue(sub="d", scope="write", roles=["editor"])
    with caplog.at_level("INFO", logger="jwtguard.adapters"):
        assert client.get("/maybe").json == {"sub": None}
        assert client.get("/write", headers=bearer(token)).data == b"written"
        assert client.get("/open").data == b"open"
    # Decorated views answer to their own requirement only (not also to the app-wide
    # "everything" scope); the undecorated view to the app-wide rule, logged once.
    assert [r.getMessage().rsplit(":", 1)[-1].strip() for r in caplog.records] == [
        "401 missing_token"
    ]
    assert guard.stats().rejected == {"missing_token": 1}
