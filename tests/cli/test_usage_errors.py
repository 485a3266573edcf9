"""Bad command lines end with exit status 2 and one line on standard error, never a traceback."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest

import jwtguard
from jwtguard.cli import OUTPUT_LOST, main
from tests.cli.conftest import SECRET, Command, clean_environ, console_script

CONFIGURED = {"JWTGUARD_SECRET_KEY": SECRET}
A_TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ"

BAD_COMMAND_LINES = [
    pytest.param(["issue", "--ttl", "abc"], "--ttl", id="issue-ttl-text"),
    pytest.param(["issue", "--ttl", "-5"], "--ttl", id="issue-ttl-negative"),
    pytest.param(["issue", "--ttl", "0"], "--ttl", id="issue-ttl-zero"),
    pytest.param(["issue", "--ttl", "inf"], "--ttl", id="issue-ttl-infinite"),
    pytest.param(["issue", "--claim", "novalue"], "--claim", id="issue-claim-without-equals"),
    pytest.param(["demo", "--port", "99999"], "--port", id="demo-port-too-big"),
    pytest.param(["demo", "--port", "x"], "--port", id="demo-port-text"),
    pytest.param(["keygen", "--alg", "HS256", "--format", "pem"], "--format", id="hmac-as-pem"),
    pytest.param(["keygen", "--alg", "RS256", "--format", "secret"], "--format", id="rsa-secret"),
    pytest.param(["keygen", "--alg", "HS256", "--format", "jwks"], "--format", id="hmac-jwks"),
    pytest.param(["keygen", "--alg", "none"], "--alg", id="keygen-alg-none"),
    pytest.param(["revoke", "--subject", "x", "--exp", "5"], "--exp", id="revoke-subject-exp"),
    pytest.param(["revoke", "--token", "t", "--exp", "5"], "--exp", id="revoke-token-exp"),
    pytest.param(["revoke", "--jti", "a"], "--exp", id="revoke-jti-without-exp"),
    pytest.param(["revoke", "--jti", "a", "--exp", "1", "--before", "1"], "--before", id="both"),
    pytest.param(["revoke", "--subject", "x", "--before", "nan"], "--before", id="before-nan"),
    pytest.param(["verify"], "token", id="verify-no-token"),
    pytest.param(["verify", "t", "--jwks-url", "https://[::1"], "--jwks-url", id="bad-url"),
    pytest.param(["verify", "t", "--jwks-url", "ftp://a.example/"], "--jwks-url", id="ftp"),
    pytest.param(
        ["verify", "t", "--jwks-url", "http://127.0.0.1:9/jwks"],
        "--allow-insecure-http",
        id="http-without-the-flag",
    ),
    pytest.param(
        ["verify", "t", "--oidc-issuer", "https://u:p@idp.example"], "--oidc-issuer", id="creds"
    ),
    pytest.param(["verify", "t", "--allow-insecure-http"], "--jwks-url", id="insecure-alone"),
    pytest.param(["verify", "t", "--audience", ""], "--audience", id="empty-audience"),
    pytest.param(["verfy", A_TOKEN], "invalid choice", id="typo-with-a-token"),
    pytest.param(["inspect", A_TOKEN, A_TOKEN], "unrecognized", id="two-tokens"),
    pytest.param(["--frobnicate"], "COMMAND", id="unknown-option"),
    pytest.param([], "COMMAND", id="no-command"),
]


def _assert_one_clear_line(result: subprocess.CompletedProcess[str], names: str) -> None:
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("jwtguard")
    assert names in result.stderr
    assert "Traceback" not in result.stderr
    assert A_TOKEN not in result.stderr and "eyJ" not in result.stderr  # a token is never echoed


@pytest.mark.parametrize(("argv", "names"), BAD_COMMAND_LINES)
def test_bad_command_line_in_a_subprocess(script: Command, argv: list[str], names: str) -> None:
    _assert_one_clear_line(script(*argv, env=CONFIGURED), names)


@pytest.mark.parametrize(("argv", "names"), BAD_COMMAND_LINES)
def test_bad_command_line_in_process(
    clean_env: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    names: str,
) -> None:
    clean_env.setenv("JWTGUARD_SECRET_KEY", SECRET)
    code = main(argv)
    out, err = capsys.readouterr()
    _assert_one_clear_line(subprocess.CompletedProcess(argv, code, out, err), names)


def test_version(jwtguard: Command) -> None:
    result = jwtguard("--version")
    assert (result.returncode, result.stdout) == (0, f"jwtguard {jwtguard_version()}\n")


def jwtguard_version() -> str:
    return jwtguard.__version__


@pytest.mark.parametrize(
    "command", ["", "keygen", "issue", "verify", "inspect", "revoke", "bench", "demo"]
)
def test_help_is_plain_text(
    clean_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    assert main([*filter(None, [command]), "--help"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("usage: jwtguard")
    for markup in ("``", ":class:", ":meth:", ":func:", ":data:", ".. "):
        assert markup not in text, f"reStructuredText {markup!r} in jwtguard {command} --help"


def test_help_lists_every_command(
    clean_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--help"]) == 0
    text = capsys.readouterr().out
    for command in ("keygen", "issue", "verify", "inspect", "revoke", "bench", "demo"):
        assert f"    {command} " in text
    assert "exit status" in text


def _write_into_a_closed_pipe(argv: list[str]) -> subprocess.CompletedProcess[str]:
    """Run with standard output a pipe nobody reads any more (what ``| head`` leaves)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run(
            [str(console_script()), *argv],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            env=clean_environ(CONFIGURED),
            timeout=60,
            check=False,
        )
    finally:
        os.close(write_end)


@pytest.mark.parametrize(
    "argv",
    [
        ["keygen", "--alg", "RS256", "--format", "jwk"],
        ["issue", "--sub", "1"],
        ["inspect", A_TOKEN],
    ],
)
def test_a_closed_pipe_is_no_traceback(argv: list[str]) -> None:
    result = _write_into_a_closed_pipe(argv)
    assert result.returncode == OUTPUT_LOST == 141  # not 2: "nothing was issued" would lie
    assert result.stderr == ""


def test_help_into_a_closed_pipe_is_no_traceback() -> None:
    result = _write_into_a_closed_pipe(["--help"])  # argparse itself ignores the failed write
    assert result.returncode in (0, OUTPUT_LOST)
    assert result.stderr == ""


def test_piped_into_head(tmp_path: os.PathLike[str]) -> None:
    shell = f"'{console_script()}' keygen --alg RS256 --format jwk | head -n 1"
    result = subprocess.run(
        ["sh", "-c", shell],
        capture_output=True,
        text=True,
        env=clean_environ(),
        timeout=60,
        check=False,
    )
    assert result.returncode == 0 and result.stdout == "{\n"
    assert "Traceback" not in result.stderr and "Exception" not in result.stderr


def test_ctrl_c_is_one_line(
    clean_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class Interrupted(io.StringIO):
        def readline(self, size: int | None = -1) -> str:
            raise KeyboardInterrupt

    clean_env.setenv("JWTGUARD_SECRET_KEY", SECRET)
    clean_env.setattr(sys, "stdin", Interrupted())
    assert main(["verify", "-"]) == 130
    assert capsys.readouterr().err == "jwtguard: interrupted\n"


def test_a_bug_is_one_line_naming_the_exception(
    clean_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*args: object, **kwargs: object) -> str:
        raise RuntimeError("secret detail")

    clean_env.setenv("JWTGUARD_SECRET_KEY", SECRET)
    clean_env.setattr(jwtguard.Guard, "issue", broken)
    assert main(["issue"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "internal error (RuntimeError)" in err
    assert "secret detail" not in err
