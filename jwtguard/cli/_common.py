"""What every command shares: reading a token argument, reporting a usage error."""

from __future__ import annotations

import sys

__all__ = ["read_token", "usage_error"]


def read_token(value: str) -> str:
    """The token given on the command line, or read from standard input for ``-``."""
    return sys.stdin.readline().strip() if value == "-" else value.strip()


def usage_error(message: str) -> int:
    """Print ``jwtguard: message`` on standard error; the exit status of a usage error."""
    print(f"jwtguard: {message}", file=sys.stderr)
    return 2
