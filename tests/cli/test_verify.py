"""jwtguard verify: the policy flags, remote keys, and what a refusal prints."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from jwtguard.guard import Guard
from jwtguard.testing import FakeIdentityProvider
from tests.cli.conftest import SECRET, Command

ENV = {"JWTGUARD_SECRET_KEY": SECRET, "JWTGUARD_AUDIENCE": "api", "JWTGUARD_ISSUER": "https://me"}
SIGNER = Guard(SECRET, algorithms=["HS256"])


def test_audience_and_issuer_flags_replace_the_configured_ones(script: Command) -> None:
    token = SIGNER.issue({"sub": "1", "aud": "reports", "iss": "https://other"})
    refused = script("verify", token, env=ENV)
    assert refused.returncode == 1
    assert json.loads(refused.stdout) == {
        "valid": False,
        "code": "invalid_issuer",
        "error": "The access token issuer is not accepted.",
        "claim": "iss",
    }
    accepted = script(
        "verify", token, "--audience", "billing", "--audience", "reports", "--issuer",
        "https://other", env=ENV,
    )  # fmt: skip
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert json.loads(accepted.stdout)["claims"]["aud"] == "reports"
    wrong_issuer = script("verify", token, "--audience", "reports", env=ENV)
    assert wrong_issuer.returncode == 1
    assert json.loads(wrong_issuer.stdout)["code"] == "invalid_issuer"


@pytest.fixture
def live_idp() -> Iterator[FakeIdentityProvider]:
    with FakeIdentityProvider("ES256") as provider:
        yield provider


def test_remote_keys_replace_a_local_key_from_dotenv(
    script: Command, live_idp: FakeIdentityProvider
) -> None:
    """--jwks-url wins over a key in ./.env as well as in the environment."""
    Path(script.cwd, ".env").write_text(f"JWTGUARD_SECRET_KEY={SECRET}\nJWTGUARD_AUDIENCE=api\n")
    token = live_idp.issue(sub="remote", aud="api")
    result = script(
        "verify", token, "--jwks-url", live_idp.jwks_url, "--allow-insecure-http",
        "--issuer", live_idp.issuer, env={"JWTGUARD_ALGORITHMS": "ES256"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["claims"]["sub"] == "remote"


def test_an_unreachable_key_set_is_one_line(
    script: Command, live_idp: FakeIdentityProvider
) -> None:
    live_idp.status = 503
    result = script(
        "verify", live_idp.issue(sub="x"), "--jwks-url", live_idp.jwks_url,
        "--allow-insecure-http", env={"JWTGUARD_ALGORITHMS": "ES256"},
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "--jwks-url" in result.stderr and "http_503" in result.stderr
    assert "last good keys" not in result.stderr  # there were none
