"""Configuration from the environment: every variable, every error, one line per problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from jwtguard import ConfigError, Guard, Secret, Settings
from jwtguard.config.settings import parse_duration
from jwtguard.testing import generate_key, public_pem

SECRET = "s" * 32


def test_minimal_secret_configuration() -> None:
    settings = Settings.from_env({"JWTGUARD_SECRET_KEY": SECRET}, dotenv=False)
    assert settings.algorithms == ("HS256",)
    assert settings.secret_key == Secret(SECRET)
    guard = Guard.from_settings(settings)
    assert guard.verify(guard.issue({"sub": "1"}))["sub"] == "1"


def test_plain_jwt_secret_key_is_read_too() -> None:
    settings = Settings.from_env({"JWT_SECRET_KEY": SECRET}, dotenv=False)
    assert settings.secret_key == Secret(SECRET)


def test_every_variable() -> None:
    env = {
        "JWTGUARD_SECRET_KEY": "x" * 64,
        "JWTGUARD_ALGORITHMS": "HS512, HS256",
        "JWTGUARD_AUDIENCE": "api,web",
        "JWTGUARD_ISSUER": "https://idp.example",
        "JWTGUARD_LEEWAY": "30",
        "JWTGUARD_ACCESS_TTL": "15m",
        "JWTGUARD_CACHE_SIZE": "1_000",
        "JWTGUARD_CACHE_TTL": "1h",
        "JWTGUARD_MAX_TOKEN_BYTES": "4096",
        "JWTGUARD_REQUIRE": "exp sub",
        "JWTGUARD_TYP": "at+jwt",
    }
    s = Settings.from_env(env, dotenv=False)
    assert s.algorithms == ("HS512", "HS256")
    assert s.audience == ("api", "web")
    assert s.issuer == "https://idp.example"
    assert (s.leeway, s.access_ttl, s.cache_size, s.cache_ttl) == (30, 900, 1000, 3600)
    assert (s.max_token_bytes, s.require, s.typ) == (4096, ("exp", "sub"), "at+jwt")
    guard = Guard.from_settings(s)
    token = guard.issue({"sub": "1"})
    claims = guard.verify(token)
    assert claims["exp"] - claims["iat"] == 900
    assert claims["aud"] == ("api", "web")  # arrays come back as tuples: claims are frozen


def test_public_key_file_infers_the_algorithm(tmp_path: Path) -> None:
    private = generate_key("ES256")
    pem_file = tmp_path / "key.pem"
    pem_file.write_text(public_pem(private))
    s = Settings.from_env({"JWTGUARD_PUBLIC_KEY_FILE": str(pem_file)}, dotenv=False)
    assert s.algorithms == ("ES256",)
    guard = Guard.from_settings(s, signing_key=private)
    assert guard.verify(guard.issue({"sub": "1"}))["sub"] == "1"


def test_rsa_public_key_defaults_to_rs256() -> None:
    s = Settings.from_env({"JWTGUARD_PUBLIC_KEY": public_pem(generate_key("RS256"))}, dotenv=False)
    assert s.algorithms == ("RS256",)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        pytest.param({}, "no key configured", id="missing-key"),
        pytest.param(
            {"JWTGUARD_SECRET_KEY": SECRET, "JWTGUARD_ALGORITHMS": "none"},
            "'none' is never allowed",
            id="none",
        ),
        pytest.param(
            {"JWTGUARD_SECRET_KEY": SECRET, "JWTGUARD_ALGORITHMS": "HS257"},
            "unknown algorithm 'HS257'",
            id="unknown-alg",
        ),
        pytest.param({"JWTGUARD_SECRET_KEY": "short"}, "too short for HS256", id="short-hs256"),
        pytest.param(
            {"JWTGUARD_SECRET_KEY": "k" * 47, "JWTGUARD_ALGORITHMS": "HS384"},
            "at least 48 bytes",
            id="short-hs384",
        ),
        pytest.param(
            {"JWTGUARD_SECRET_KEY": "k" * 63, "JWTGUARD_ALGORITHMS": "HS512"},
            "at least 64 bytes",
            id="short-hs512",
        ),
        pytest.param(
            {"JWTGUARD_SECRET_KEY": SECRET, "JWTGUARD_ALGORITHMS": "HS256,RS256"},
            "HMAC and public-key algorithms are mixed",
            id="mixed",
        ),
        pytest.param(
            {"JWTGUARD_SECRET_KEY": SECRET, "JWTGUARD_ALGORITHMS": "RS256"},
            "need a public key",
            id="secret-with-rs256",
        ),
        pytest.param(
            {"JWTGUARD_SECRET_KEY": SECRET, "JWTGUARD_LEEWAY": "soon"},
            "JWTGUARD_LEEWAY: expected a number",
            id="leeway-not-number",
        ),
        pytest.param(
            {"JWTGUARD_SECRET_KEY": SECRET, "JWTGUARD_CACHE_SIZE": "big"},
            "JWTGUARD_CACHE_SIZE: expected a whole number",
            id="cache-size-not-number",
        ),
        pytest.param(
            {"JWTGUARD_SECRET_KEY": SECRET, "JWTGUARD_ACCESS_TTL": "0"},
            "JWTGUARD_ACCESS_TTL: must be at least 1",
            id="ttl-zero",
        ),
        pytest.param(
            {"JWTGUARD_SECRET_KEY": SECRET, "JWTGUARD_PUBLIC_KEY": "x"},
            "not both",
            id="secret-and-public-key",
        ),
        pytest.param(
            {"JWTGUARD_PUBLIC_KEY_FILE": "/nonexistent/key.pem"},
            "cannot read",
            id="unreadable-key-file",
        ),
    ],
)
def test_configuration_errors(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env, dotenv=False)


def test_every_problem_is_reported_once_on_its_own_line() -> None:
    env = {
        "JWTGUARD_SECRET_KEY": "short",
        "JWTGUARD_ALGORITHMS": "none,HS256",
        "JWTGUARD_LEEWAY": "x",
        "JWTGUARD_CACHE_SIZE": "y",
    }
    with pytest.raises(ConfigError) as info:
        Settings.from_env(env, dotenv=False)
    assert len(info.value.problems) == 4
    assert len(str(info.value).splitlines()) == 5


def test_errors_never_contain_the_secret() -> None:
    secret = "tooshort-secret"
    with pytest.raises(ConfigError) as info:
        Settings.from_env({"JWTGUARD_SECRET_KEY": secret}, dotenv=False)
    assert secret not in str(info.value)


def test_secret_is_masked_in_repr() -> None:
    settings = Settings.from_env({"JWTGUARD_SECRET_KEY": SECRET}, dotenv=False)
    assert SECRET not in repr(settings)
    assert SECRET not in str(settings.secret_key)


def test_dotenv_file_is_read_and_the_environment_wins(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(f"JWTGUARD_SECRET_KEY={SECRET}\nJWTGUARD_ISSUER=from-file\n")
    s = Settings.from_env({"JWTGUARD_ISSUER": "from-env"}, dotenv=env_file)
    assert s.secret_key == Secret(SECRET)
    assert s.issuer == "from-env"


def test_guard_from_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JWTGUARD_SECRET_KEY", SECRET)
    monkeypatch.setenv("JWTGUARD_AUDIENCE", "api")
    guard = Guard.from_env()
    assert guard.verify(guard.issue({"sub": "1"}))["aud"] == "api"


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("900", 900), ("15m", 900), ("1.5h", 5400), ("2d", 172800), ("250ms", 0.25), (" 30s ", 30)],
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "abc", "-5", "5 minutes", "1e400", "nan"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


# -- revocation store (the Redis-backed case is in tests/revocation/redis/test_settings.py)


def test_no_store_by_default_and_memory_on_request() -> None:
    from jwtguard.revocation.memory import MemoryRevocationStore

    assert Settings.from_env({"JWTGUARD_SECRET_KEY": SECRET}, dotenv=False).revocation is None
    assert Guard.from_env({"JWTGUARD_SECRET_KEY": SECRET}, dotenv=False).revocation is None
    env = {"JWTGUARD_SECRET_KEY": SECRET, "JWTGUARD_REVOCATION": "Memory"}
    guard = Guard.from_env(env, dotenv=False)
    assert isinstance(guard.revocation, MemoryRevocationStore)
    token = guard.issue({"sub": "a"}, ttl=60)
    claims = guard.verify(token)
    guard.revocation.revoke(  # type: ignore[union-attr]
        str(claims.jti), float(claims["exp"])
    )
    with pytest.raises(Exception, match="revoked"):
        guard.verify(token)


@pytest.mark.parametrize(
    ("extra", "lines"),
    [
        ({"JWTGUARD_REVOCATION": "disk"}, ["JWTGUARD_REVOCATION: expected 'memory' or 'redis'"]),
        ({"JWTGUARD_REVOCATION": "redis"}, ["JWTGUARD_REDIS_URL: required with"]),
        (
            {"JWTGUARD_REVOCATION": "memory", "JWTGUARD_REDIS_URL": "redis://h/0"},
            ["JWTGUARD_REVOCATION=memory and JWTGUARD_REDIS_URL: set only one store"],
        ),
        (
            {
                "JWTGUARD_REDIS_URL": "http://user:hunter2@h/0",
                "JWTGUARD_REDIS_TIMEOUT": "soon",
                "JWTGUARD_REDIS_MODE": "sometimes",
                "JWTGUARD_LEEWAY": "x",
            },
            [
                "JWTGUARD_LEEWAY: expected a number",
                "JWTGUARD_REDIS_URL: expected redis://, rediss:// or unix://, got 'http://user:***@h/0'",
                "JWTGUARD_REDIS_TIMEOUT: expected a number of seconds",
                "JWTGUARD_REDIS_MODE: must be 'push' or 'roundtrip'",
            ],
        ),
    ],
)
def test_revocation_errors_join_the_one_config_error(
    extra: dict[str, str], lines: list[str]
) -> None:
    with pytest.raises(ConfigError) as info:
        Settings.from_env({"JWTGUARD_SECRET_KEY": SECRET, **extra}, dotenv=False)
    assert len(info.value.problems) == len(lines)
    for problem, expected in zip(info.value.problems, lines, strict=True):
        assert problem.startswith(expected)
    assert "hunter2" not in str(info.value)


def test_missing_redis_py_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "redis" else real(name, *a)
    )
    env = {"JWTGUARD_SECRET_KEY": SECRET, "JWTGUARD_REDIS_URL": "redis://:pw@127.0.0.1/0"}
    with pytest.raises(ConfigError) as info:
        Settings.from_env(env, dotenv=False)
    assert list(info.value.problems) == ["JWTGUARD_REDIS_URL: pip install 'jwtguard[redis]'"]


def test_redis_url_is_not_in_the_settings_repr() -> None:
    env = {"JWTGUARD_SECRET_KEY": SECRET, "JWTGUARD_REDIS_URL": "redis://:hunter2@127.0.0.1/0"}
    assert "hunter2" not in repr(Settings.from_env(env, dotenv=False))


# -- one reader for every source: names, Python values, unknown names ------------------


def test_a_typo_in_the_environment_is_refused_with_the_other_problems() -> None:
    env = {
        "JWTGUARD_SECRET_KEY": SECRET,
        "JWTGUARD_AUDIANCE": "api",  # the audience check would silently be off
        "JWTGUARD_ISSUR": "https://idp.example",
        "JWTGUARD_LEEWAY": "soon",
    }
    with pytest.raises(ConfigError) as info:
        Settings.from_env(env, dotenv=False)
    assert list(info.value.problems) == [
        "JWTGUARD_LEEWAY: expected a number of seconds (e.g. 900 or 15m) or a timedelta, "
        "got 'soon'",
        "JWTGUARD_AUDIANCE: unknown setting; did you mean JWTGUARD_AUDIENCE?",
        "JWTGUARD_ISSUR: unknown setting; did you mean JWTGUARD_ISSUER?",
    ]
    with pytest.raises(ConfigError, match="did you mean JWTGUARD_AUDIENCE"):
        Guard.from_env(env, dotenv=False)


def test_adapter_options_in_the_environment_are_known_names() -> None:
    env = {"JWTGUARD_SECRET_KEY": SECRET, "JWTGUARD_COOKIE": "at", "JWTGUARD_PROTECT_ALL": "1"}
    assert Settings.from_env(env, dotenv=False).secret_key == Secret(SECRET)


def test_other_tools_variables_are_let_through_by_name() -> None:
    env = {"JWTGUARD_SECRET_KEY": SECRET, "JWTGUARD_BENCH_SECRET": "x", "JWTGUARD_MYTOOL_A": "y"}
    with pytest.raises(ConfigError) as info:
        Settings.from_env(env, dotenv=False)
    assert len(info.value.problems) == 2
    ignore = ["JWTGUARD_BENCH_SECRET", "JWTGUARD_MYTOOL_*"]
    assert Settings.from_env(env, dotenv=False, ignore=ignore).algorithms == ("HS256",)
    guard = Guard.from_env(env, dotenv=False, ignore=ignore)
    assert guard.verify(guard.issue({"sub": "1"}))["sub"] == "1"


def test_a_dict_source_takes_python_values_as_they_are() -> None:
    from datetime import timedelta

    from jwtguard.config import DictSource

    secret = bytes(range(48))  # bytes, not text: used as they are, never str()-ed
    source = DictSource(
        {
            "SECRET_KEY": secret,
            "ALGORITHMS": ["HS384"],
            "AUDIENCE": ("api", "web"),
            "ACCESS_TTL": timedelta(minutes=5),
            "LEEWAY": 2,
            "CACHE_SIZE": 10,
            "REQUIRE": ["exp", "sub"],
        }
    )
    settings = Settings.from_source(source)
    assert settings.secret_key is not None and settings.secret_key.reveal() == secret
    assert (settings.access_ttl, settings.leeway, settings.cache_size) == (300.0, 2.0, 10)
    assert settings.audience == ("api", "web")
    guard = Guard.from_settings(settings)
    claims = guard.verify(guard.issue({"sub": "1"}))
    assert claims["exp"] - claims["iat"] == 300
    assert guard.verify(Guard(secret, algorithms=["HS384"], audience="api").issue({"sub": "2"}))


def test_a_dict_source_names_its_keys_in_messages() -> None:
    from jwtguard.config import DictSource

    source = DictSource({"SECRET_KEY": b"hunter2", "LEEWAY": [1], "AUDIENSE": "api"})
    with pytest.raises(ConfigError) as info:
        Settings.from_source(source)
    assert [p.partition(":")[0] for p in info.value.problems] == [
        "JWTGUARD['SECRET_KEY']",
        "JWTGUARD['LEEWAY']",
        "JWTGUARD['AUDIENSE']",
    ]
    assert "did you mean JWTGUARD['AUDIENCE']?" in info.value.problems[-1]
    assert "hunter2" not in str(info.value)


def test_adapter_options_are_unknown_to_a_settings_only_source() -> None:
    from jwtguard.config import DictSource

    with pytest.raises(ConfigError, match=r"JWTGUARD\['COOKIE'\]: unknown setting"):
        Settings.from_source(DictSource({"SECRET_KEY": SECRET, "COOKIE": "at"}))


def test_no_algorithm_at_all_is_a_problem() -> None:
    with pytest.raises(ConfigError, match="JWTGUARD_ALGORITHMS: name at least one algorithm"):
        Settings.from_env(
            {"JWTGUARD_SECRET_KEY": SECRET, "JWTGUARD_ALGORITHMS": ", ,"}, dotenv=False
        )


def test_a_pem_key_is_checked_against_the_named_algorithms() -> None:
    pem = public_pem(generate_key("ES256"))
    env = {"JWTGUARD_PUBLIC_KEY": pem, "JWTGUARD_ALGORITHMS": "ES384"}
    with pytest.raises(ConfigError) as info:
        Settings.from_env(env, dotenv=False)
    assert info.value.problems[0].startswith("JWTGUARD_PUBLIC_KEY: ")
    assert "ES384" in info.value.problems[0]


def test_an_unreadable_pem_names_the_key_it_came_from() -> None:
    with pytest.raises(ConfigError) as info:
        Settings.from_env({"JWTGUARD_PRIVATE_KEY": "-----BEGIN junk"}, dotenv=False)
    assert info.value.problems[0] == "JWTGUARD_PRIVATE_KEY: key: not a readable PEM key"


def test_the_old_builder_methods_still_work_with_a_deprecation_warning() -> None:
    settings = Settings.from_env({"JWTGUARD_SECRET_KEY": SECRET}, dotenv=False)
    with pytest.warns(DeprecationWarning, match="config.build.guard_kwargs"):
        assert settings.guard_kwargs()["key"] == SECRET
    with pytest.warns(DeprecationWarning, match="config.build.revocation_store"):
        assert settings.revocation_store() is None
