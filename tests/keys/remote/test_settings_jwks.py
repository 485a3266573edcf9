"""JWTGUARD_JWKS_URL / JWTGUARD_OIDC_ISSUER configuration, and its errors."""

from __future__ import annotations

import pytest

from jwtguard import ConfigError, Guard, Settings
from jwtguard.keys.remote import RemoteKeySet
from jwtguard.testing import FakeIdentityProvider, FrozenClock


def test_jwks_url_from_the_environment(idp: FakeIdentityProvider, clock: FrozenClock) -> None:
    env = {
        "JWTGUARD_JWKS_URL": idp.jwks_url,
        "JWTGUARD_JWKS_ALLOW_INSECURE_HTTP": "true",
        "JWTGUARD_ALGORITHMS": "ES256",
        "JWTGUARD_AUDIENCE": "api",
        "JWTGUARD_ISSUER": idp.issuer,
        "JWTGUARD_JWKS_TIMEOUT": "2s",
        "JWTGUARD_JWKS_COOLDOWN": "1m",
    }
    settings = Settings.from_env(env, dotenv=False)
    assert (settings.jwks_url, settings.jwks_timeout, settings.jwks_cooldown) == (
        idp.jwks_url,
        2.0,
        60.0,
    )
    guard = Guard.from_settings(settings, clock=clock)
    assert isinstance(guard.keys, RemoteKeySet)
    try:
        assert guard.keys.options.read_timeout == 2.0
        assert guard.keys.options.cooldown == 60.0
        assert guard.verify(idp.issue(sub="env"))["sub"] == "env"
    finally:
        guard.keys.close()


def test_oidc_issuer_is_also_the_expected_issuer(
    idp: FakeIdentityProvider, clock: FrozenClock
) -> None:
    env = {
        "JWTGUARD_OIDC_ISSUER": idp.issuer,
        "JWTGUARD_JWKS_ALLOW_INSECURE_HTTP": "1",
        "JWTGUARD_ALGORITHMS": "ES256",
        "JWTGUARD_AUDIENCE": "api",
    }
    guard = Guard.from_env(env, dotenv=False, clock=clock)
    try:
        assert guard.policy.issuer == (idp.issuer,)
        assert guard.verify(idp.issue(sub="oidc"))["sub"] == "oidc"
        assert idp.count("discovery") == 1
    finally:
        guard.keys.close()  # type: ignore[attr-defined]


def test_remote_keys_default_to_rs256() -> None:
    settings = Settings.from_env({"JWTGUARD_JWKS_URL": "https://idp.example/jwks"}, dotenv=False)
    assert settings.algorithms == ("RS256",)
    assert settings.jwks_allow_insecure_http is False


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"JWTGUARD_JWKS_URL": "http://idp.example/jwks"},
            "JWTGUARD_JWKS_URL: must be an absolute https",
        ),
        (
            {"JWTGUARD_OIDC_ISSUER": "idp.example"},
            "JWTGUARD_OIDC_ISSUER: must be an absolute https",
        ),
        (
            {
                "JWTGUARD_JWKS_URL": "https://a.example/j",
                "JWTGUARD_OIDC_ISSUER": "https://a.example",
            },
            "set only one",
        ),
        (
            {"JWTGUARD_JWKS_URL": "https://a.example/j", "JWTGUARD_PUBLIC_KEY": "x"},
            "set one key source",
        ),
        (
            {"JWTGUARD_JWKS_URL": "https://a.example/j", "JWTGUARD_ALGORITHMS": "HS256"},
            "not HMAC",
        ),
        (
            {"JWTGUARD_JWKS_URL": "https://a.example/j", "JWTGUARD_JWKS_TIMEOUT": "soon"},
            "JWTGUARD_JWKS_TIMEOUT: expected a number",
        ),
        (
            {"JWTGUARD_JWKS_URL": "https://a.example/j", "JWTGUARD_JWKS_ALLOW_INSECURE_HTTP": "si"},
            "expected true or false",
        ),
    ],
)
def test_configuration_errors(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env, dotenv=False)


def test_every_remote_problem_is_reported_at_once() -> None:
    env = {
        "JWTGUARD_JWKS_URL": "http://a.example/j",
        "JWTGUARD_OIDC_ISSUER": "ftp://a.example",
        "JWTGUARD_ALGORITHMS": "HS256",
        "JWTGUARD_JWKS_COOLDOWN": "x",
    }
    with pytest.raises(ConfigError) as info:
        Settings.from_env(env, dotenv=False)
    assert len(info.value.problems) == 5
    assert all("\n" not in p for p in info.value.problems)
