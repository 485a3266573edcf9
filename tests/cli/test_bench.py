"""jwtguard bench: the shape and sanity of what it reports (never how fast: no timing assertion)."""

from __future__ import annotations

import base64
import json
import math
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from jwtguard.cli import main
from jwtguard.guard import Guard
from jwtguard.jose.algorithms import SUPPORTED_ALGORITHMS
from jwtguard.testing import generate_key, private_pem, public_pem
from tests.cli.conftest import SECRET, Command, clean_environ

QUICK = ["--seconds", "0.05"]
DEEP = (  # a payload nested deeper than any JSON parser recurses
    base64.urlsafe_b64encode(b'{"alg":"HS256"}').decode().rstrip("=")
    + "."
    + base64.urlsafe_b64encode(b'{"a":' + b"[" * 20_000 + b"]" * 20_000 + b"}").decode()
    + ".AAAA"
)


@pytest.fixture
def bench(clean_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    """``bench(*argv, **env)`` -> the --json report (the command must succeed)."""

    def run(*argv: str, **env: str) -> dict[str, Any]:
        for name, value in env.items():
            clean_env.setenv(name, value)
        code = main(["bench", *QUICK, "--json", *argv])
        out, err = capsys.readouterr()
        assert code == 0, err
        report: dict[str, Any] = json.loads(out)
        return report

    return run


def _assert_sane(report: dict[str, Any], names: list[str]) -> None:
    assert [r["name"] for r in report["results"]] == names
    assert report["rounds"] >= 3
    for result in report["results"]:
        assert result["ns"] > 0 and math.isfinite(result["ns"])
        low, high = result["quartiles_ns"]
        assert 0 < low <= high
        assert result["floor"]["ns"] > 0 and result["floor"]["label"]
        assert 0 < result["ratio"] < math.inf


def test_default_is_an_ephemeral_hs256_key_and_a_typical_token(bench: Any) -> None:
    report = bench()
    assert (report["algorithm"], report["key"]) == ("HS256", "an ephemeral HS256 key")
    assert report["token"]["source"] == "a typical access token"
    assert report["revocation"] == "not included"
    _assert_sane(report, ["verify_uncached", "verify_cached", "asgi"])
    assert report["results"][2]["bare_app_ns"] > 0


@pytest.mark.parametrize("algorithm", sorted(SUPPORTED_ALGORITHMS))
def test_every_algorithm_has_its_floor(bench: Any, algorithm: str) -> None:
    report = bench("--alg", algorithm, "--adapter", "none")
    assert report["algorithm"] == algorithm
    _assert_sane(report, ["verify_uncached", "verify_cached"])


def test_the_configured_key_and_policy(bench: Any) -> None:
    report = bench(
        JWTGUARD_SECRET_KEY=SECRET, JWTGUARD_AUDIENCE="api", JWTGUARD_ISSUER="https://me"
    )
    assert (report["key"], report["audience"], report["issuer"]) == (
        "JWTGUARD_SECRET_KEY",
        ["api"],
        "https://me",
    )
    _assert_sane(report, ["verify_uncached", "verify_cached", "asgi"])


def test_your_own_token_is_timed_as_is_and_never_printed(
    clean_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    key = generate_key("ES256")
    (tmp_path / "public.pem").write_text(public_pem(key))
    clean_env.setenv("JWTGUARD_PUBLIC_KEY_FILE", str(tmp_path / "public.pem"))
    token = Guard(private_pem(key), algorithms=["ES256"]).issue({"sub": "me", "pad": "x" * 300})
    assert main(["bench", *QUICK, "--token", token, "--adapter", "wsgi"]) == 0
    out = capsys.readouterr().out
    assert "ES256 with JWTGUARD_PUBLIC_KEY_FILE, your token" in out
    assert f"({len(token)} bytes)" in out
    assert token not in out and token.split(".")[2] not in out
    for label in ("verify, not cached", "verify, cache hit", "WSGI middleware, cache hit"):
        assert label in out


def test_a_token_from_elsewhere_is_re_signed_like_yours(bench: Any) -> None:
    foreign = Guard("f" * 32, algorithms=["HS256"]).issue({"sub": "them", "roles": ["a"] * 50})
    report = bench("--token", foreign, JWTGUARD_SECRET_KEY=SECRET)
    assert report["token"]["source"].startswith("a token like yours, re-signed")
    assert "invalid_signature" in report["token"]["source"]
    assert abs(report["token"]["bytes"] - len(foreign)) < 40  # same claims, new times and jti


@pytest.mark.parametrize(
    ("argv", "env", "says"),
    [
        pytest.param(["--seconds", "0"], {}, "--seconds", id="no-time"),
        pytest.param(["--seconds", "x"], {}, "--seconds", id="not-a-number"),
        pytest.param(["--alg", "none"], {}, "--alg", id="alg-none"),
        pytest.param(
            ["--token", "not-a-token"], {"JWTGUARD_SECRET_KEY": SECRET}, "--token", id="x"
        ),
        pytest.param(["--adapter", "django"], {}, "--adapter", id="unknown-adapter"),
        pytest.param(["--token", DEEP], {"JWTGUARD_SECRET_KEY": SECRET}, "--token", id="deep"),
        pytest.param(
            ["--token", Guard("x" * 32, algorithms=["HS256"]).issue({"pad": "p" * 70_000})],
            {"JWTGUARD_SECRET_KEY": SECRET},
            "--token",
            id="too-large-even-re-signed",
        ),
        pytest.param([], {"JWTGUARD_SECRET_KEY": "short"}, "JWTGUARD_SECRET_KEY", id="bad-config"),
    ],
)
def test_bad_input_is_one_line(
    clean_env: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    env: dict[str, str],
    says: str,
) -> None:
    for name, value in env.items():
        clean_env.setenv(name, value)
    assert main(["bench", *QUICK, *argv]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and says in err


def test_a_public_key_without_a_token_says_what_is_missing(
    clean_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "public.pem").write_text(public_pem(generate_key("RS256")))
    clean_env.setenv("JWTGUARD_PUBLIC_KEY_FILE", str(tmp_path / "public.pem"))
    assert main(["bench", *QUICK]) == 2
    err = capsys.readouterr().err
    assert "--token" in err and "--alg" in err


def test_through_the_console_script(script: Command) -> None:
    result = script("bench", *QUICK, env={"JWTGUARD_SECRET_KEY": SECRET})
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("jwtguard bench: HS256 with JWTGUARD_SECRET_KEY")
    assert "ASGI middleware, cache hit" in result.stdout


# What an installed wheel with only the core dependencies (PyJWT, cryptography, cachetools)
# has: every optional package is made unimportable before jwtguard is imported.
_CORE_ONLY = textwrap.dedent(
    """
    import importlib.abc, json, sys
    OPTIONAL = {"starlette", "fastapi", "flask", "werkzeug", "httpx", "redis", "dotenv",
                "uvicorn", "gunicorn", "anyio", "django"}

    class Missing(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.partition(".")[0] in OPTIONAL:
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, Missing())
    from jwtguard.cli import main
    code = main(sys.argv[1:])
    loaded = sorted(OPTIONAL & {m.partition(".")[0] for m in sys.modules})
    print(json.dumps({"code": code, "optional_loaded": loaded}), file=sys.stderr)
    """
)


@pytest.mark.parametrize("adapter", ["asgi", "wsgi"])
def test_with_only_the_core_dependencies(tmp_path: Path, adapter: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", _CORE_ONLY, "bench", *QUICK, "--json", "--adapter", adapter],
        capture_output=True,
        text=True,
        env=clean_environ(),
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert json.loads(result.stderr.strip().splitlines()[-1]) == {"code": 0, "optional_loaded": []}
    report = json.loads(result.stdout)
    _assert_sane(report, ["verify_uncached", "verify_cached", adapter])


def test_the_algorithm_is_the_one_your_token_uses(
    bench: Any, clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    key = generate_key("RS256")
    (tmp_path / "private.pem").write_text(private_pem(key))
    token = Guard(private_pem(key), algorithms=["PS256"]).issue({"sub": "pss"})
    report = bench(
        "--token", token,
        JWTGUARD_PRIVATE_KEY_FILE=str(tmp_path / "private.pem"), JWTGUARD_ALGORITHMS="RS256,PS256",
    )  # fmt: skip
    assert (report["algorithm"], report["key"]) == ("PS256", "JWTGUARD_PRIVATE_KEY_FILE")
    assert report["token"]["source"] == "your token"
    _assert_sane(report, ["verify_uncached", "verify_cached", "asgi"])
