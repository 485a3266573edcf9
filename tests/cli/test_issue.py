"""jwtguard issue: claims typed as the verifier reads them, and nothing its own verify refuses."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from jwtguard.cli import main
from jwtguard.testing import generate_key, private_pem, public_pem
from tests.cli.conftest import SECRET, Command


@pytest.fixture
def issue(clean_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    """``issue(*argv, **env)`` -> (exit status, the token or the one error line)."""

    def run(*argv: str, **env: str) -> tuple[int, str]:
        for name, value in {"JWTGUARD_SECRET_KEY": SECRET, **env}.items():
            clean_env.setenv(name, value)
        code = main(["issue", *argv])
        out, err = capsys.readouterr()
        if code != 0:
            assert out == "" and err.count("\n") == 1, (out, err)
            return code, err
        return code, out.strip()

    return run


@pytest.fixture
def claims_of(issue: Any, capsys: pytest.CaptureFixture[str]) -> Any:
    """``claims_of(*argv, **env)``: issue, then the claims ``jwtguard verify`` prints."""

    def run(*argv: str, **env: str) -> dict[str, Any]:
        code, token = issue(*argv, **env)
        assert code == 0, token
        assert main(["verify", token]) == 0
        claims: dict[str, Any] = json.loads(capsys.readouterr().out)["claims"]
        return claims

    return run


def test_registered_string_claims_stay_strings(claims_of: Any) -> None:
    assert claims_of("--claim", "sub=123")["sub"] == "123"
    assert claims_of("--sub", "123")["sub"] == "123"
    assert claims_of("--claim", "jti=007")["jti"] == "007"


def test_custom_claims_are_text_or_json(claims_of: Any) -> None:
    claims = claims_of(
        "--claim", "tenant=acme", "--claim", "level=5", "--claim", "count:=5",
        "--claim", 'roles:=["a", "b"]', "--claim", "admin:=false", "--claim", 'name:="x y"',
    )  # fmt: skip
    assert (claims["tenant"], claims["level"], claims["count"]) == ("acme", "5", 5)
    assert (claims["roles"], claims["admin"], claims["name"]) == (["a", "b"], False, "x y")


def test_dates_are_numbers_either_way(claims_of: Any) -> None:
    exp = int(time.time()) + 600
    assert claims_of("--claim", f"exp={exp}")["exp"] == exp
    assert claims_of("--claim", f"exp:={exp}")["exp"] == exp


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        pytest.param(["--claim", "sub:=123"], "'sub' claim must be a string", id="sub-number"),
        pytest.param(["--claim", "sub:=null"], "'sub' claim must be a string", id="sub-null"),
        pytest.param(["--claim", "exp=soon"], "'exp' claim must be a number", id="exp-text"),
        pytest.param(["--claim", 'exp:="1"'], "'exp' claim must be a number", id="exp-string"),
        pytest.param(["--claim", "aud:=[]"], "'aud' claim must be a string", id="aud-empty"),
        pytest.param(["--claim", "iss:=1"], "'iss' claim must be a string", id="iss-number"),
        pytest.param(["--claim", "exp=1"], "expired", id="exp-past"),
        pytest.param(["--claim", "nbf=99999999999"], "once valid", id="nbf-after-exp"),
        pytest.param(["--claim", "x:=NaN"], "not a JSON value", id="nan"),
        pytest.param(["--claim", "x:={"], "not a JSON value", id="bad-json"),
        pytest.param(["--claim", ":=1"], "NAME", id="no-name"),
        pytest.param(["--claim", "sub=a", "--sub", "b"], "given twice", id="sub-twice"),
        pytest.param(["--claim", "scope=a", "--scope", "b"], "given twice", id="scope-twice"),
        pytest.param(["--claim", "exp=99999999999", "--ttl", "5m"], "--ttl", id="ttl-and-exp"),
    ],
)
def test_what_verify_would_refuse_is_not_issued(issue: Any, argv: list[str], says: str) -> None:
    code, err = issue(*argv)
    assert code == 2
    assert says in err


def test_a_future_nbf_is_issued_when_it_becomes_valid_in_time(issue: Any) -> None:
    code, token = issue("--claim", f"nbf={int(time.time()) + 60}", "--ttl", "1h")
    assert code == 0 and token.count(".") == 2


def test_the_policy_is_checked_too(issue: Any, claims_of: Any) -> None:
    code, err = issue("--claim", "aud=elsewhere", JWTGUARD_AUDIENCE="api")
    assert code == 2 and "'aud'" in err
    assert claims_of("--claim", "aud=api", JWTGUARD_AUDIENCE="api")["aud"] == "api"
    code, err = issue("--sub", "1", JWTGUARD_REQUIRE="exp,tenant")
    assert code == 2 and "'tenant'" in err
    assert claims_of("--claim", "tenant=a", JWTGUARD_REQUIRE="exp,tenant")["tenant"] == "a"


@pytest.mark.parametrize("algorithm", ["RS256", "ES256", "EdDSA"])
def test_a_private_key_file_alone_issues_and_verifies(
    script: Command, tmp_path: Path, algorithm: str
) -> None:
    key = generate_key(algorithm)
    (tmp_path / "private.pem").write_text(private_pem(key))
    env = {"JWTGUARD_PRIVATE_KEY_FILE": str(tmp_path / "private.pem")}
    issued = script("issue", "--sub", "7", env=env)
    assert issued.returncode == 0, issued.stderr
    verified = script("verify", issued.stdout.strip(), env=env)
    assert verified.returncode == 0, verified.stderr
    assert json.loads(verified.stdout)["claims"]["sub"] == "7"
    (tmp_path / "public.pem").write_text(public_pem(key))
    public_only = script("issue", env={"JWTGUARD_PUBLIC_KEY_FILE": str(tmp_path / "public.pem")})
    assert public_only.returncode == 2
    assert "JWTGUARD_PRIVATE_KEY_FILE" in public_only.stderr
    assert public_only.stderr.count("\n") == 1


def test_a_private_key_that_does_not_match_the_public_key(script: Command, tmp_path: Path) -> None:
    (tmp_path / "private.pem").write_text(private_pem(generate_key("ES256")))
    (tmp_path / "public.pem").write_text(public_pem(generate_key("ES256")))
    env = {
        "JWTGUARD_PRIVATE_KEY_FILE": str(tmp_path / "private.pem"),
        "JWTGUARD_PUBLIC_KEY_FILE": str(tmp_path / "public.pem"),
    }
    result = script("issue", "--sub", "1", env=env)
    assert result.returncode == 2 and result.stdout == ""
    assert "not the private key of JWTGUARD_PUBLIC_KEY" in result.stderr
