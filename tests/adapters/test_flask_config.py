"""The Flask extension's configuration: app.config read by the one reader, in one pass."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from jwtguard import ConfigError, Guard
from jwtguard.adapters.flask import JWTGuard, current_claims, jwt_required
from jwtguard.config.options import ADAPTER_NAMES
from jwtguard.config.settings import SETTINGS_NAMES
from jwtguard.testing import TokenFactory

BYTES_SECRET = bytes(range(200, 232)) + b"\x00\xff" * 8  # not UTF-8: bytes or nothing


def make_app(**config: Any) -> Flask:
    app = Flask(__name__)
    app.config.update(config)

    @app.get("/me")
    @jwt_required
    def me() -> Any:
        return {"sub": current_claims["sub"]}

    return app


def problems_of(app: Flask, **kwargs: Any) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        JWTGuard(app, **kwargs)
    return list(caught.value.problems)


def names(problems: list[str]) -> list[str]:
    return [p.partition(":")[0] for p in problems]


# -- Python values are taken as they are -----------------------------------------------


def test_a_bytes_secret_is_the_key_bytes() -> None:
    app = make_app(JWTGUARD_SECRET_KEY=BYTES_SECRET)
    JWTGuard(app)
    signer = Guard(BYTES_SECRET, algorithms=["HS256"])
    token = signer.issue({"sub": "bytes"})
    client = app.test_client()
    assert client.get("/me", headers={"Authorization": f"Bearer {token}"}).json == {"sub": "bytes"}
    as_text = Guard(str(BYTES_SECRET), algorithms=["HS256"]).issue({"sub": "text"})
    assert client.get("/me", headers={"Authorization": f"Bearer {as_text}"}).status_code == 401


def test_timedeltas_lists_and_numbers() -> None:
    app = make_app(
        JWTGUARD_SECRET_KEY="s" * 32,
        JWTGUARD_ACCESS_TTL=timedelta(minutes=5),
        JWTGUARD_LEEWAY=timedelta(seconds=10),
        JWTGUARD_AUDIENCE=["api", "web"],
        JWTGUARD_CACHE_SIZE=100,
        JWTGUARD_REPORT_ONLY=False,
        JWTGUARD_EXEMPT=("/health",),
    )
    JWTGuard(app)
    guard = app.extensions["jwtguard"].pipeline.guard
    assert guard.policy.leeway == 10
    assert guard.policy.audience == ("api", "web")
    claims = guard.verify(guard.issue({"sub": "1"}))
    assert claims["exp"] - claims["iat"] == 300


def test_strings_are_parsed() -> None:
    app = make_app(
        JWTGUARD_SECRET_KEY="s" * 32,
        JWTGUARD_ACCESS_TTL="5m",
        JWTGUARD_AUDIENCE="api, web",
        JWTGUARD_CSRF="off",
        JWTGUARD_PROTECT_ALL="yes",
        JWTGUARD_LOG_LEVEL="warning",
        JWTGUARD_EXEMPT="/health /static/*",
    )
    JWTGuard(app)
    pipeline = app.extensions["jwtguard"].pipeline
    assert pipeline.guard.policy.audience == ("api", "web")
    assert pipeline.locations.csrf is False
    assert pipeline.log_level == 30
    claims = pipeline.guard.verify(pipeline.guard.issue({"sub": "1"}))
    assert claims["exp"] - claims["iat"] == 300


# -- one pass, every problem, the keys really read ---------------------------------------


def test_every_problem_at_once_keys_and_options() -> None:
    app = make_app(
        JWTGUARD_SECRET_KEY=b"tiny",
        JWTGUARD_LEEWAY=[5],
        JWTGUARD_AUDIANCE="api",
        JWTGUARD_REPORT_ONLY="perhaps",
        JWTGUARD_EXEMPT="health",
        JWTGUARD_REALM="caf\u00e9",
        JWTGUARD_COOKIE="bad cookie",
    )
    problems = problems_of(app)
    assert sorted(names(problems)) == sorted(
        [
            "JWTGUARD_REPORT_ONLY",
            "JWTGUARD_SECRET_KEY",
            "JWTGUARD_LEEWAY",
            "JWTGUARD_AUDIANCE",
            "JWTGUARD_REALM",
            "JWTGUARD_COOKIE",
            "JWTGUARD_EXEMPT",
        ]
    )
    assert "JWTGUARD_AUDIANCE: unknown setting; did you mean JWTGUARD_AUDIENCE?" in problems
    assert "tiny" not in " ".join(problems)


@pytest.mark.parametrize(
    ("typo", "meant"),
    [
        ("JWTGUARD_AUDIANCE", "JWTGUARD_AUDIENCE"),
        ("JWTGUARD_ISSUR", "JWTGUARD_ISSUER"),
        ("JWTGUARD_PROTECTALL", "JWTGUARD_PROTECT_ALL"),
        ("JWTGUARD_EXEMPTS", "JWTGUARD_EXEMPT"),
    ],
)
def test_a_typo_in_app_config_is_refused_with_a_hint(typo: str, meant: str) -> None:
    problems = problems_of(make_app(JWTGUARD_SECRET_KEY="s" * 32, **{typo: "x"}))
    assert problems == [f"{typo}: unknown setting; did you mean {meant}?"]


def test_a_typo_is_refused_with_a_guard_passed_in_too() -> None:
    app = make_app(JWTGUARD_EXEMPTS="/health")
    assert names(problems_of(app, guard=TokenFactory.hs256().guard())) == ["JWTGUARD_EXEMPTS"]


def test_guard_settings_next_to_a_guard_passed_in_are_refused() -> None:
    app = make_app(JWTGUARD_AUDIENCE="api", JWTGUARD_LEEWAY=5)
    problems = problems_of(app, guard=TokenFactory.hs256().guard())
    assert names(problems) == ["JWTGUARD_AUDIENCE", "JWTGUARD_LEEWAY"]
    assert "has its own settings" in problems[0]


def test_jwtguard_guard_must_be_a_guard() -> None:
    problems = problems_of(make_app(JWTGUARD_GUARD="my guard"))
    assert problems == ["JWTGUARD_GUARD: expected a jwtguard.Guard, got a str"]


def test_keyword_options_are_named_as_keywords() -> None:
    app = make_app(JWTGUARD_SECRET_KEY="s" * 32, JWTGUARD_EXEMPT="health")
    problems = problems_of(app, exempt=["nohealth"], realm=3, no_such_option=True)
    assert sorted(names(problems)) == [
        "JWTGuard(exempt=...)",
        "JWTGuard(no_such_option=...)",
        "JWTGuard(realm=...)",
    ]


# -- init_app: once per app, defaults visible -------------------------------------------


def test_init_app_twice_on_one_app_is_refused() -> None:
    app = make_app(JWTGUARD_SECRET_KEY="s" * 32)
    jwt = JWTGuard(app)
    with pytest.raises(RuntimeError, match="already set up on this app"):
        jwt.init_app(app)
    with pytest.raises(RuntimeError, match="already set up on this app"):
        JWTGuard().init_app(app)
    other = make_app(JWTGUARD_SECRET_KEY="t" * 32)
    jwt.init_app(other)  # one extension, many apps: the factory pattern
    assert other.extensions["jwtguard"] is not app.extensions["jwtguard"]


def test_init_app_sets_every_default_on_the_app() -> None:
    app = make_app(JWTGUARD_SECRET_KEY="s" * 32)
    JWTGuard(app)
    config = app.config
    assert config["JWTGUARD_LEEWAY"] == 0.0
    assert config["JWTGUARD_ACCESS_TTL"] == 900.0
    assert config["JWTGUARD_REQUIRE"] == ("exp",)
    assert config["JWTGUARD_REALM"] == "api"
    assert config["JWTGUARD_CSRF"] is True
    assert config["JWTGUARD_CSRF_HEADER"] == "X-CSRF-Token"
    assert config["JWTGUARD_PROTECT_ALL"] is False
    assert config["JWTGUARD_SECURITY_HEADERS"] is True
    read = {key for key in config if key.startswith("JWTGUARD_")}
    assert read == {f"JWTGUARD_{name}" for name in SETTINGS_NAMES | ADAPTER_NAMES}


def test_init_app_documents_every_key_it_reads() -> None:
    doc = JWTGuard.init_app.__doc__ or ""
    missing = [n for n in SETTINGS_NAMES | ADAPTER_NAMES if f"``JWTGUARD_{n}``" not in doc]
    assert missing == []


def test_explicit_values_win_over_defaults_and_none_means_default() -> None:
    app = make_app(JWTGUARD_SECRET_KEY="s" * 32, JWTGUARD_REALM=None, JWTGUARD_LEEWAY=None)
    JWTGuard(app)
    pipeline = app.extensions["jwtguard"].pipeline
    assert pipeline.realm == "api" and pipeline.guard.policy.leeway == 0


# -- behind a real server -----------------------------------------------------------------


@pytest.fixture
def served_app() -> Iterator[tuple[int, Guard]]:
    app = make_app(
        JWTGUARD_SECRET_KEY=BYTES_SECRET,
        JWTGUARD_AUDIENCE=["api"],
        JWTGUARD_ACCESS_TTL=timedelta(minutes=2),
    )
    JWTGuard(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port, Guard(BYTES_SECRET, algorithms=["HS256"], audience="api")
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


def get(port: int, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_a_real_server_authenticates_with_a_bytes_secret_from_app_config(
    served_app: tuple[int, Guard],
) -> None:
    port, signer = served_app
    token = signer.issue({"sub": "served"})
    status, body = get(port, "/me", {"Authorization": f"Bearer {token}"})
    assert (status, body) == (200, b'{"sub":"served"}\n')
    assert get(port, "/me", {})[0] == 401
    other = Guard(b"x" * 32, algorithms=["HS256"], audience="api").issue({"sub": "forged"})
    assert get(port, "/me", {"Authorization": f"Bearer {other}"})[0] == 401
