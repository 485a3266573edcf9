"""What only the Flask extension does: config, factory pattern, decorator, proxy, hooks."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from flask import Blueprint, Flask, g, jsonify
from flask.json.provider import DefaultJSONProvider

from jwtguard.adapters import Denial
from jwtguard.adapters.flask import (
    JWTGuard,
    JWTGuardHTTPException,
    current_claims,
    current_user,
    get_current_user,
    jwt_required,
    verify_jwt_in_request,
)
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


# -- what flask-jwt-extended users expect ---------------------------------------------------


def test_anonymous_claims_are_an_empty_mapping(factory: TokenFactory) -> None:
    app = Flask(__name__)
    JWTGuard(app, guard=factory.guard())

    @app.get("/feed")
    @jwt_required(optional=True)
    def feed() -> Any:
        return {
            "sub": current_claims.get("sub"),
            "claims": dict(current_claims),
            "authenticated": bool(current_claims),
            "g": g.jwtguard_claims is None,
        }

    client = app.test_client()
    assert client.get("/feed").json == {
        "sub": None,
        "claims": {},
        "authenticated": False,
        "g": True,
    }
    signed_in = client.get("/feed", headers=bearer(factory.issue(sub="u"))).json
    assert signed_in["sub"] == "u"
    assert signed_in["authenticated"] is True
    assert signed_in["g"] is False


def test_the_guard_and_issuance_are_public(factory: TokenFactory) -> None:
    app = make_app(JWTGUARD_SECRET_KEY=SECRET, JWTGUARD_AUDIENCE="api", JWTGUARD_ISSUER="me")
    jwt = JWTGuard(app)
    assert jwt.guard is app.extensions["jwtguard"].pipeline.guard  # outside an app context too
    token = jwt.issue(
        {"sub": "7", "scope": "write", "roles": ["editor"]}, ttl=timedelta(minutes=10)
    )
    claims = jwt.guard.verify(token)
    assert (claims["exp"] - claims["iat"], claims["aud"], claims["iss"]) == (600, "api", "me")
    assert app.test_client().get("/write", headers=bearer(token)).data == b"written"

    # One extension, several apps (the factory pattern): the current app's own Guard.
    shared = JWTGuard()
    first, second = make_app(JWTGUARD_SECRET_KEY=SECRET), make_app(JWTGUARD_SECRET_KEY=SECRET)
    shared.init_app(first)
    shared.init_app(second)
    with pytest.raises(RuntimeError, match="use an app context"):
        _ = shared.guard
    for app_ in (first, second):
        with app_.app_context():
            assert shared.guard is app_.extensions["jwtguard"].pipeline.guard
    assert (
        first.extensions["jwtguard"].pipeline.guard
        is not second.extensions["jwtguard"].pipeline.guard
    )
    other = make_app()
    JWTGuard(other, guard=factory.guard())
    with other.app_context(), pytest.raises(RuntimeError, match="not set up the current app"):
        _ = shared.guard


def blueprint_app(guard: Any) -> tuple[Flask, JWTGuard]:
    """An app whose ``admin`` blueprint is protected in its ``before_request``."""
    app = Flask(__name__)
    jwt = JWTGuard(app, guard=guard)
    admin = Blueprint("admin", __name__, url_prefix="/admin")

    @admin.before_request
    def admins_only() -> None:
        verify_jwt_in_request(scopes="admin", roles="staff")

    @admin.get("/panel")
    def panel() -> Any:
        return {"sub": current_claims["sub"]}

    @app.get("/greeting")
    def greeting() -> Any:
        claims = verify_jwt_in_request(optional=True)
        return {
            "hello": claims.get("sub", "stranger"),
            "same": claims is current_claims._get_current_object(),
        }  # type: ignore[attr-defined]

    app.register_blueprint(admin)
    return app, jwt


def test_verify_jwt_in_request_guards_a_blueprint(factory: TokenFactory) -> None:
    app, _ = blueprint_app(factory.guard())
    client = app.test_client()
    staff = factory.issue(sub="s", scope="admin", roles=["staff"])
    assert client.get("/admin/panel", headers=bearer(staff)).json == {"sub": "s"}
    missing = client.get("/admin/panel")
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"] == 'Bearer realm="api"'
    assert missing.headers["Cache-Control"] == "no-store"
    assert missing.headers["X-Content-Type-Options"] == "nosniff"  # the security headers too
    assert missing.json == {
        "error": "missing_token",
        "error_description": "An access token is required.",
    }
    scoped = client.get("/admin/panel", headers=bearer(factory.issue(scope="admin")))
    assert scoped.status_code == 403
    assert scoped.json["error"] == "insufficient_scope"
    assert client.get("/admin/panel", headers=bearer("junk")).status_code == 401
    assert client.get("/greeting").json == {"hello": "stranger", "same": True}
    assert client.get("/greeting", headers=bearer(factory.issue(sub="ann"))).json == {
        "hello": "ann",
        "same": True,
    }
    assert client.get("/greeting", headers=bearer("junk")).status_code == 401  # optional, not lax


def test_verify_jwt_in_request_answers_with_the_error_handler_or_an_errorhandler(
    factory: TokenFactory,
) -> None:
    app, jwt = blueprint_app(factory.guard())

    @jwt.error_handler
    def custom(denial: Denial) -> Any:
        return {"problem": denial.code}, denial.status

    assert app.test_client().get("/admin/panel").json == {"problem": "missing_token"}

    app, _ = blueprint_app(factory.guard())

    @app.errorhandler(JWTGuardHTTPException)
    def handled(error: JWTGuardHTTPException) -> Any:
        return {"refused": error.denial.code, "status": error.code}, 418

    answer = app.test_client().get("/admin/panel", headers=bearer("junk"))
    assert (answer.status_code, answer.json) == (418, {"refused": "malformed", "status": 401})


def test_verify_jwt_in_request_needs_the_extension() -> None:
    app = Flask(__name__)
    app.testing = True

    @app.get("/")
    def index() -> Any:
        verify_jwt_in_request()
        return "never"

    with pytest.raises(RuntimeError, match="JWTGuard is not set up"):
        app.test_client().get("/")


def user_app(factory: TokenFactory, loader: Any) -> Flask:
    app = Flask(__name__)
    jwt = JWTGuard(app, guard=factory.guard())
    if loader is not None:
        jwt.user_loader(loader)

    @app.get("/me")
    @jwt_required(optional=True)
    def me() -> Any:
        anonymous = get_current_user() is None
        return {"anonymous": anonymous, "name": None if anonymous else current_user.name}

    @app.get("/claims-only")
    @jwt_required
    def claims_only() -> Any:
        return {"sub": current_claims["sub"]}

    return app


@dataclass
class User:
    name: str


def test_current_user_is_loaded_lazily_once_per_request(factory: TokenFactory) -> None:
    calls: list[str] = []
    users = {"1": User("ada")}

    def load(claims: Any) -> User | None:
        calls.append(claims["sub"])
        return users.get(claims["sub"])

    client = user_app(factory, load).test_client()
    token = factory.issue(sub="1")
    assert client.get("/me", headers=bearer(token)).json == {"anonymous": False, "name": "ada"}
    assert calls == ["1"]  # get_current_user() then current_user.name: one call
    assert client.get("/claims-only", headers=bearer(token)).json == {"sub": "1"}
    assert calls == ["1"]  # a view that never touches current_user loads nobody
    assert client.get("/me").json == {"anonymous": True, "name": None}
    assert calls == ["1"]  # nor does an anonymous request
    assert client.get("/me", headers=bearer(factory.issue(sub="1"))).json["name"] == "ada"
    assert calls == ["1", "1"]  # a new request loads again


def test_a_loader_that_finds_nobody_refuses_with_401(factory: TokenFactory) -> None:
    guard = factory.guard()
    app = Flask(__name__)
    jwt = JWTGuard(app, guard=guard)
    jwt.user_loader(lambda claims: None)

    @app.get("/me")
    @jwt_required
    def me() -> Any:
        return {"name": current_user.name}

    refused = app.test_client().get("/me", headers=bearer(factory.issue(sub="gone")))
    assert refused.status_code == 401
    assert refused.json == {
        "error": "invalid_token",
        "error_description": "The access token's user is unknown or inactive.",
    }
    assert refused.headers["WWW-Authenticate"].startswith(
        'Bearer realm="api", error="invalid_token"'
    )
    assert guard.stats().rejected == {"invalid_claim": 1}


def test_async_loader_and_no_loader(factory: TokenFactory) -> None:
    async def load(claims: Any) -> User:
        return User(claims["sub"].upper())

    client = user_app(factory, load).test_client()
    assert client.get("/me", headers=bearer(factory.issue(sub="bo"))).json["name"] == "BO"
    app = user_app(factory, None)
    app.testing = True
    with pytest.raises(RuntimeError, match=r"@jwt\.user_loader"):
        app.test_client().get("/me", headers=bearer(factory.issue(sub="x")))


# -- claims as JSON: what Flask users write ------------------------------------------------

NESTED_CLAIMS = {"sub": "7", "roles": ["reader"], "org": {"id": 3, "teams": ["a", "b"]}}


def claims_json_app(**config: Any) -> Flask:
    app = Flask(__name__)
    app.testing = True
    app.config.update(config)

    @app.get("/jsonify")
    @jwt_required
    def jsonify_claims() -> Any:
        return jsonify(current_claims)

    @app.get("/returned")
    @jwt_required
    def returned() -> Any:
        return current_claims

    @app.get("/inside")
    @jwt_required(optional=True)
    def inside() -> Any:
        return {"claims": current_claims, "org": current_claims.get("org"), "g": g.jwtguard_claims}

    @app.get("/dumped")
    @jwt_required
    def dumped() -> Any:
        return json.dumps(dict(current_claims), sort_keys=True)

    return app


@pytest.mark.parametrize("debug", [False, True], ids=["compact", "debug-indented"])
@pytest.mark.parametrize("path", ["/jsonify", "/returned", "/dumped"])
def test_current_claims_go_out_as_json(factory: TokenFactory, path: str, debug: bool) -> None:
    app = claims_json_app(JWTGUARD_GUARD=factory.guard())
    JWTGuard(app)
    app.debug = debug  # Flask indents in debug: its pure-Python encoder path
    token = factory.issue(NESTED_CLAIMS)
    answer = app.test_client().get(path, headers=bearer(token))
    assert answer.status_code == 200
    body = json.loads(answer.data)
    assert {k: body[k] for k in NESTED_CLAIMS} == NESTED_CLAIMS
    with app.test_request_context():
        assert app.extensions["jwtguard"].pipeline.guard.verify(token).to_dict() == body


def test_current_claims_nested_in_a_response_and_anonymous(factory: TokenFactory) -> None:
    app = claims_json_app(JWTGUARD_GUARD=factory.guard())
    JWTGuard(app)
    client = app.test_client()
    body = client.get("/inside", headers=bearer(factory.issue(NESTED_CLAIMS))).json
    assert body["claims"]["org"] == body["org"] == {"id": 3, "teams": ["a", "b"]}
    assert body["g"] == body["claims"]
    assert client.get("/inside").json == {"claims": {}, "org": None, "g": None}


def test_a_custom_json_provider_keeps_its_own_default(factory: TokenFactory) -> None:
    class Provider(DefaultJSONProvider):
        def default(self, o: Any) -> Any:
            return sorted(o) if isinstance(o, set) else super().default(o)

    app = claims_json_app(JWTGUARD_GUARD=factory.guard())
    app.json = Provider(app)
    JWTGuard(app)

    @app.get("/both")
    @jwt_required
    def both() -> Any:
        return jsonify(claims=current_claims, tags={"b", "a"})

    body = app.test_client().get("/both", headers=bearer(factory.issue(sub="1"))).json
    assert body["claims"]["sub"] == "1" and body["tags"] == ["a", "b"]
    with app.app_context(), pytest.raises(TypeError):
        app.json.dumps(object())  # what it cannot serialise it still refuses


def test_views_cannot_change_the_claims_the_next_request_sees(factory: TokenFactory) -> None:
    app = Flask(__name__)
    app.testing = True
    app.config["JWTGUARD_GUARD"] = factory.guard()
    JWTGuard(app)
    refused: list[str] = []

    @app.get("/meddle")
    @jwt_required
    def meddle() -> Any:
        for name, attempt in {
            "setitem": lambda: current_claims.__setitem__("sub", "admin"),
            "update": lambda: current_claims.update(sub="admin"),
            "nested": lambda: current_claims["org"].update(id=0),
            "array": lambda: current_claims["roles"].append("admin"),
        }.items():
            try:
                attempt()
            except (TypeError, AttributeError):
                refused.append(name)
        return current_claims

    client = app.test_client()
    token = factory.issue(NESTED_CLAIMS)
    first = client.get("/meddle", headers=bearer(token)).json
    second = client.get("/meddle", headers=bearer(token)).json  # a cache hit: the same object
    assert first == second and first["sub"] == "7" and first["roles"] == ["reader"]
    assert refused == ["setitem", "update", "nested", "array"] * 2
    assert app.extensions["jwtguard"].pipeline.guard.stats().hits == 1


def test_repeated_tokens_get_the_same_answers_headers_and_counts(factory: TokenFactory) -> None:
    # The first request with a token decides the general way; later ones from what it
    # remembered: the same responses, byte for byte, and every one counted.
    guard = factory.guard()
    app = make_app()

    @app.get("/page")
    @jwt_required
    def page() -> Any:
        return "<p>hi</p>"

    @app.get("/api")
    @jwt_required
    def api() -> Any:
        return {"ok": True}, 200, {"X-Frame-Options": "SAMEORIGIN", "Vary": "Accept"}

    JWTGuard(app, guard=guard)
    client = app.test_client()
    user = bearer(factory.issue(sub="u", ttl=60))
    writer = bearer(factory.issue(sub="w", scope="write", roles=["editor"]))
    for path, headers in (("/me", user), ("/page", user), ("/api", user), ("/write", writer),
                          ("/write", user), ("/maybe", user)):  # fmt: skip
        answers = [client.get(path, headers=headers) for _ in range(3)]
        first = (answers[0].status_code, answers[0].data, list(answers[0].headers))
        assert all((a.status_code, a.data, list(a.headers)) == first for a in answers)
    assert dict(client.get("/page", headers=user).headers)["Referrer-Policy"]  # the HTML set
    api_headers = client.get("/api", headers=user).headers
    assert api_headers["X-Frame-Options"] == "SAMEORIGIN"  # the view's own wins
    assert api_headers["Cache-Control"] == "no-store"
    counts = {k[1:3]: v for k, v in guard.decisions.snapshot().items() if v}
    assert counts == {("allowed", ""): 17, ("refused", "insufficient_scope"): 3}
    factory.clock.advance(120)
    assert client.get("/me", headers=user).status_code == 401
