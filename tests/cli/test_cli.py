"""The jwtguard command, end to end through its real console script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from jwtguard import SUPPORTED_ALGORITHMS, Guard, Key, TokenIssuer
from jwtguard.cli import main

SECRET = "c" * 32


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("JWTGUARD_", "JWT_"))}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "jwtguard.cli", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=60,
        check=False,
    )


def test_issue_verify_inspect_round_trip() -> None:
    env = {"JWTGUARD_SECRET_KEY": SECRET, "JWTGUARD_AUDIENCE": "api"}
    issued = run("issue", "--sub", "42", "--ttl", "15m", "--scope", "read", env=env)
    assert issued.returncode == 0, issued.stderr
    token = issued.stdout.strip()
    verified = run("verify", token, env=env)
    assert verified.returncode == 0
    claims = json.loads(verified.stdout)["claims"]
    assert (claims["sub"], claims["scope"], claims["aud"]) == ("42", "read", "api")
    assert claims["exp"] - claims["iat"] == 900
    inspected = run("inspect", token)
    assert inspected.returncode == 0
    assert inspected.stdout.startswith("UNVERIFIED")
    assert json.loads(inspected.stdout.split("\n", 1)[1])["payload"]["sub"] == "42"


def test_verify_refusal_prints_the_code_and_exits_1() -> None:
    env = {"JWTGUARD_SECRET_KEY": SECRET}
    token = run("issue", "--sub", "1", env=env).stdout.strip()
    head, _, sig = token.rpartition(".")
    refused = run("verify", f"{head}.{'B' if sig[0] == 'A' else 'A'}{sig[1:]}", env=env)
    assert refused.returncode == 1
    assert json.loads(refused.stdout) == {
        "valid": False,
        "code": "invalid_signature",
        "error": "The access token signature is invalid.",
    }
    assert sig[1:] not in refused.stdout + refused.stderr


def test_configuration_error_exits_2_with_one_line_per_problem() -> None:
    result = run("verify", "x", env={"JWTGUARD_SECRET_KEY": "short", "JWTGUARD_LEEWAY": "z"})
    assert result.returncode == 2
    assert "too short" in result.stderr and "JWTGUARD_LEEWAY" in result.stderr
    assert "short'" not in result.stderr  # the secret itself is never printed


@pytest.mark.parametrize(
    ("alg", "fmt", "check"),
    [
        ("HS256", "secret", lambda out: len(out.strip()) == 43),
        ("HS512", "jwk", lambda out: json.loads(out)["kty"] == "oct"),
        ("RS256", "pem", lambda out: "BEGIN PRIVATE KEY" in out and "BEGIN PUBLIC KEY" in out),
        ("ES256", "jwks", lambda out: json.loads(out)["keys"][0]["crv"] == "P-256"),
        ("EdDSA", "jwk", lambda out: "d" in json.loads(out)["private"]),
    ],
)
def test_keygen(alg: str, fmt: str, check: object, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keygen", "--alg", alg, "--format", fmt, "--kid", "k1"]) == 0
    out = capsys.readouterr().out
    assert check(out)  # type: ignore[operator]


def test_keygen_output_configures_a_working_guard(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["keygen", "--alg", "ES256"]) == 0
    pem = capsys.readouterr().out
    private = pem[: pem.index("-----END PRIVATE KEY-----") + len("-----END PRIVATE KEY-----\n")]
    public = pem[len(private) :]
    (tmp_path / "pub.pem").write_text(public)
    (tmp_path / "priv.pem").write_text(private)
    env = {
        "JWTGUARD_PUBLIC_KEY_FILE": str(tmp_path / "pub.pem"),
        "JWTGUARD_PRIVATE_KEY_FILE": str(tmp_path / "priv.pem"),
    }
    token = run("issue", "--sub", "7", env=env)
    assert token.returncode == 0, token.stderr
    assert json.loads(run("verify", token.stdout.strip(), env=env).stdout)["claims"]["sub"] == "7"


def test_inspect_malformed() -> None:
    result = run("inspect", "not-a-token")
    assert result.returncode == 1
    assert "malformed" in result.stderr


def test_revoke_without_a_shared_store_exits_2() -> None:
    """A revocation kept in the CLI process's memory would protect nothing."""
    result = run(
        "revoke", "--jti", "abc", "--exp", "2000000000", env={"JWTGUARD_SECRET_KEY": SECRET}
    )
    assert result.returncode == 2 and result.stdout == ""
    assert "JWTGUARD_REDIS_URL" in result.stderr
    memory = {"JWTGUARD_SECRET_KEY": SECRET, "JWTGUARD_REVOCATION": "memory"}
    assert run("revoke", "--subject", "alice", env=memory).returncode == 2


@pytest.mark.parametrize("alg", sorted(SUPPORTED_ALGORITHMS))
def test_keygen_offers_every_supported_algorithm(
    alg: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["keygen", "--alg", alg, "--format", "jwk", "--kid", "k1"]) == 0
    out = json.loads(capsys.readouterr().out)
    private, public = (out, out) if alg.startswith("HS") else (out["private"], out["public"])
    assert private["alg"] == alg and private["kid"] == "k1"
    key = Key.from_jwk(private)
    token = TokenIssuer(key, alg).issue({"sub": alg})
    verifying = key if alg.startswith("HS") else Key.from_jwk(public)
    assert Guard(verifying, algorithms=[alg]).verify(token)["sub"] == alg
