"""`jwtguard verify --jwks-url / --oidc-issuer` against the fake identity provider."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from jwtguard.testing import FakeIdentityProvider

ENV = {"JWTGUARD_ALGORITHMS": "ES256", "JWTGUARD_AUDIENCE": "api"}


@pytest.fixture
def live_idp() -> Iterator[FakeIdentityProvider]:
    with FakeIdentityProvider("ES256") as provider:  # real clock: the CLI runs in real time
        yield provider


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("JWTGUARD_", "JWT_"))}
    full_env.update(env if env is not None else ENV)
    return subprocess.run(
        [sys.executable, "-m", "jwtguard.cli", "verify", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=60,
        check=False,
    )


def test_verify_with_jwks_url(live_idp: FakeIdentityProvider) -> None:
    token = live_idp.issue(sub="cli")
    env = {**ENV, "JWTGUARD_ISSUER": live_idp.issuer, "JWTGUARD_SECRET_KEY": "s" * 32}
    result = run(token, "--jwks-url", live_idp.jwks_url, "--allow-insecure-http", env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["claims"]["sub"] == "cli"
    assert live_idp.count() == 1


def test_verify_with_oidc_issuer_checks_iss(live_idp: FakeIdentityProvider) -> None:
    result = run(live_idp.issue(sub="o"), "--oidc-issuer", live_idp.issuer, "--allow-insecure-http")
    assert result.returncode == 0, result.stderr
    other = run(
        live_idp.issue(sub="o", iss="https://elsewhere.example"),
        "--oidc-issuer",
        live_idp.issuer,
        "--allow-insecure-http",
    )
    assert other.returncode == 1
    assert json.loads(other.stdout)["code"] == "invalid_issuer"


def test_verify_refuses_a_token_from_another_key(live_idp: FakeIdentityProvider) -> None:
    with FakeIdentityProvider("ES256") as stranger:
        stranger_kid_token = stranger.issue(sub="x", iss=live_idp.issuer)  # kid key-1, other key
    live_idp.remove_key("key-1")
    live_idp.add_key(kid="live")
    result = run(stranger_kid_token, "--jwks-url", live_idp.jwks_url, "--allow-insecure-http")
    assert result.returncode == 1
    assert json.loads(result.stdout)["code"] == "unknown_key"
    assert stranger_kid_token not in result.stdout + result.stderr


def test_provider_down_is_a_usage_error(live_idp: FakeIdentityProvider) -> None:
    live_idp.status = 503
    result = run(live_idp.issue(sub="x"), "--jwks-url", live_idp.jwks_url, "--allow-insecure-http")
    assert result.returncode == 2
    assert "http_503" in result.stderr


def test_http_needs_the_flag(live_idp: FakeIdentityProvider) -> None:
    result = run(live_idp.issue(sub="x"), "--jwks-url", live_idp.jwks_url)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "--allow-insecure-http" in result.stderr
    assert "allow_insecure_http" not in result.stderr  # the CLI flag, not the Python option
    assert live_idp.count() == 0


def test_jwks_url_and_oidc_issuer_are_exclusive() -> None:
    result = run("t", "--jwks-url", "https://a.example/j", "--oidc-issuer", "https://a.example")
    assert result.returncode == 2
    assert "not allowed with" in result.stderr
