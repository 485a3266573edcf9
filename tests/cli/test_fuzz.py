"""Random command lines: exit status 0, 1 or 2, never a traceback, never an internal error."""

from __future__ import annotations

import io
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jwtguard.cli import main
from jwtguard.guard import Guard
from tests.cli.conftest import SECRET, Command

TOKEN = Guard(SECRET, algorithms=["HS256"]).issue({"sub": "fuzz"})

COMMANDS = ["keygen", "issue", "verify", "inspect", "revoke", "bench"]  # demo serves on
FLAGS = [
    "--alg", "--kid", "--format", "--sub", "--ttl", "--scope", "--claim", "--jwks-url",
    "--oidc-issuer", "--allow-insecure-http", "--audience", "--issuer", "--jti", "--token",
    "--subject", "--exp", "--before", "--adapter", "--seconds", "--json", "--help", "--version",
    "-h", "--", "-",
]  # fmt: skip
VALUES = [
    "HS256", "RS256", "ES256", "EdDSA", "none", "pem", "jwk", "jwks", "secret", "15m", "-5",
    "0", "0.05", "asgi", "wsgi", "1e309", "nan", "-inf", "99999999999999999999", "sub=1",
    "exp=soon", "aud:=[1]",
    "n:={", "=x", "https://[::1", "http://127.0.0.1:9/", "https://a.example/j", TOKEN,
    TOKEN[:-2], "a.b.c", "", " ", "\x00", "\udcff", "é", "--exp=5", "--ttl=-1",
    "deep:=" + "[" * 5000 + "]" * 5000,
]  # fmt: skip

words = st.one_of(st.sampled_from(FLAGS), st.sampled_from(VALUES), st.text(max_size=12))


def _command_line(parts: tuple[list[str], str, list[str]]) -> list[str]:
    prefix, command, words = parts
    quick = ["--seconds", "0.05"] if command == "bench" else []  # the last one given wins
    return [*prefix, command, *words, *quick]


command_lines = st.tuples(
    st.lists(st.sampled_from(["--help", "--version", "-x"]), max_size=1),
    st.sampled_from(COMMANDS),
    st.lists(words, max_size=8),
).map(_command_line)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(argv=command_lines)
def test_random_command_lines_in_process(
    clean_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    clean_env.setenv("JWTGUARD_SECRET_KEY", SECRET)
    clean_env.setattr(sys, "stdin", io.StringIO(TOKEN + "\n"))
    code = main(argv)
    err = capsys.readouterr().err
    assert code in (0, 1, 2), (argv, code, err)
    assert "internal error" not in err, (argv, err)
    assert "Traceback" not in err


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(argv=command_lines)
def test_random_command_lines_in_a_subprocess(script: Command, argv: list[str]) -> None:
    argv = [a.encode("utf-8", "surrogateescape").decode("utf-8", "replace") for a in argv]
    argv = [a.replace("\x00", "") for a in argv]  # an argv string cannot hold NUL
    result = script(*argv, env={"JWTGUARD_SECRET_KEY": SECRET}, stdin=TOKEN + "\n")
    assert result.returncode in (0, 1, 2), (argv, result.stderr)
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
