"""The ``jwtguard`` command: keygen, issue, verify, inspect, revoke, demo.

``issue``, ``verify`` and ``revoke`` read the same ``JWTGUARD_*`` environment as
``Guard.from_env``. Exit status: 0 success, 1 token refused, 2 usage,
configuration or connection error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from jwtguard.cli._demo import run_demo
from jwtguard.cli._keys import configure_keygen
from jwtguard.cli._revoke import configure_revoke
from jwtguard.cli._tokens import configure_inspect, configure_issue, configure_verify
from jwtguard.errors import ConfigError

__all__ = ["main"]

_COMMANDS: tuple[tuple[str, str, Callable[[argparse.ArgumentParser], None]], ...] = (
    ("keygen", "generate a key (secret, PEM, JWK or JWKS)", configure_keygen),
    ("issue", "issue a token with the JWTGUARD_* configuration", configure_issue),
    ("verify", "verify a token; exit 1 when refused", configure_verify),
    ("inspect", "show header and payload, UNVERIFIED", configure_inspect),
    ("revoke", "revoke a token or a subject's tokens (Redis store)", configure_revoke),
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="jwtguard", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, summary, configure in _COMMANDS:
        configure(commands.add_parser(name, help=summary))
    demo = commands.add_parser("demo", help="run the demo (no configuration needed)")
    demo.add_argument("demo_args", nargs=argparse.REMAINDER, help="passed to the demo")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``jwtguard`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["demo"]:  # argparse's REMAINDER would reject a leading option (--check)
        return run_demo(argv[1:])
    args = _parser().parse_args(argv)
    if args.command == "demo":
        return run_demo(args.demo_args)
    try:
        code: int = args.func(args)
    except ConfigError as exc:
        print(f"jwtguard: {exc}", file=sys.stderr)
        return 2
    return code
