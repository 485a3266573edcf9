"""The jwtguard command: keygen, issue, verify, inspect, revoke, bench, demo."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from jwtguard import __version__
from jwtguard.cli._bench import configure_bench
from jwtguard.cli._common import CommandParser, UsageError
from jwtguard.cli._demo import run_demo
from jwtguard.cli._issue import configure_issue
from jwtguard.cli._keys import configure_keygen
from jwtguard.cli._revoke import configure_revoke, revoke_argv
from jwtguard.cli._verify import configure_inspect, configure_verify
from jwtguard.errors import ConfigError

__all__ = ["OUTPUT_LOST", "main"]

OUTPUT_LOST = 141
"""Exit status when the reader of the output went away: a shell's 128 + SIGPIPE. Not 2
("nothing was done"): an issued token or a stored revocation stays done."""

_DESCRIPTION = """\
JWT keys and tokens from the command line, with the same rules as jwtguard's Guard.

issue, verify and revoke read the JWTGUARD_* environment variables (and ./.env
when python-dotenv is installed), like Guard.from_env."""

_EPILOG = """\
exit status: 0 success, 1 token refused, 2 usage, configuration or connection error,
141 the reader of the output went away (| head).
'jwtguard COMMAND --help' shows each command's options; docs/cli.md has examples."""

_COMMANDS: tuple[tuple[str, str, Callable[[argparse.ArgumentParser], None]], ...] = (
    ("keygen", "generate a key (secret, PEM, JWK or JWKS)", configure_keygen),
    ("issue", "issue a token with the JWTGUARD_* configuration", configure_issue),
    ("verify", "verify a token; exit 1 when refused", configure_verify),
    ("inspect", "show header and payload, UNVERIFIED", configure_inspect),
    ("revoke", "revoke a token or a subject's tokens (Redis store)", configure_revoke),
    (
        "bench",
        "what verification costs on this machine, beside the least it could cost",
        configure_bench,
    ),
)


def _parser() -> CommandParser:
    parser = CommandParser(
        prog="jwtguard",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"jwtguard {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, summary, configure in _COMMANDS:
        configure(commands.add_parser(name, help=summary, description=summary, allow_abbrev=False))
    demo = commands.add_parser(
        "demo", help="run the demo server (no configuration needed); see 'jwtguard demo --help'"
    )
    demo.add_argument("demo_args", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    demo.set_defaults(func=lambda args: run_demo(args.demo_args))
    return parser


def _run(argv: list[str]) -> int:
    if argv[:1] == ["demo"]:  # the demo parses its own options
        return run_demo(argv[1:])
    if argv[:1] == ["revoke"]:
        argv = ["revoke", *revoke_argv(argv[1:])]
    args = _parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except UsageError as exc:
        exc.prog = exc.prog or f"jwtguard {args.command}"
        raise
    return code


def _stop_writing_stdout() -> None:
    """After a closed pipe (``| head``): send what is left to /dev/null, not to a traceback."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # stdout is not a file (tests, embedding)
        pass


def _say(message: str) -> None:
    """One line on standard error; bytes that were not UTF-8 in argv are shown escaped."""
    print(message.encode("utf-8", "backslashreplace").decode("utf-8"), file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one jwtguard command and return its exit status; never raises on bad input."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        try:
            code = _run(args)
        except SystemExit as exc:  # --help, --version, and the demo's own parser
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
        sys.stdout.flush()
    except UsageError as exc:
        _say(f"{exc.prog or 'jwtguard'}: {exc}")
        return 2
    except ConfigError as exc:
        _say(f"jwtguard: {exc}")
        return 2
    except BrokenPipeError:  # the reader went away (| head): stop quietly
        _stop_writing_stdout()
        return OUTPUT_LOST
    except OSError as exc:  # a file or terminal problem, not a bug
        _say(f"jwtguard: {exc.strerror or type(exc).__name__}")
        return 2
    except KeyboardInterrupt:
        _say("jwtguard: interrupted")
        return 130
    except Exception as exc:  # the last line of a command: no traceback for users
        if sys.flags.dev_mode:  # python -X dev -m jwtguard.cli ...: the traceback, for a report
            raise
        _say(
            f"jwtguard: internal error ({type(exc).__name__}); this is a bug: please report "
            "it (python -X dev -m jwtguard.cli ... shows the traceback)"
        )
        return 2
    return code
