"""What every command shares: one-line usage errors, reading a token argument."""

from __future__ import annotations

import argparse
import re
import sys
from typing import NoReturn

__all__ = ["CommandParser", "UsageError", "attach_values", "read_token"]

_MAX_STDIN_BYTES = 1 << 20  # a token is a few kilobytes; never read an endless stream
_TOKEN_LIKE = re.compile(r"[A-Za-z0-9_=-]{8,}\.[A-Za-z0-9_=-]{8,}\.[A-Za-z0-9_=.-]*")


class UsageError(Exception):
    """A command line that cannot be run as given: exit status 2, one line on standard error."""

    def __init__(self, message: str, *, prog: str | None = None) -> None:
        super().__init__(_TOKEN_LIKE.sub("<token>", message))
        self.prog = prog


class CommandParser(argparse.ArgumentParser):
    """``argparse`` whose errors are one :class:`UsageError` line, never a usage dump."""

    def error(self, message: str) -> NoReturn:
        """Raise instead of printing the usage and exiting (``main`` prints one line)."""
        raise UsageError(f"{message} (see '{self.prog} --help')", prog=self.prog)


def attach_values(argv: list[str], options: frozenset[str], known: frozenset[str]) -> list[str]:
    """``--jti -abc`` as ``--jti=-abc``: argparse takes any argument starting with ``-``
    for an option, so a value that starts with one (a jti, a subject) is attached to its
    option here. An argument that is itself one of the ``known`` options stays one (the
    value was forgotten: argparse then says so)."""
    out: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        following = argv[i + 1] if i + 1 < len(argv) else None
        if (
            arg in options
            and following is not None
            and following.startswith("-")
            and following.partition("=")[0] not in known
        ):
            out.append(f"{arg}={following}")
            i += 2
            continue
        out.append(arg)
        if arg == "--":
            out += argv[i + 1 :]
            break
        i += 1
    return out


def read_token(value: str) -> str:
    """The token given on the command line, or the first line of standard input for ``-``.

    Bytes that are not UTF-8 are kept as replacement characters: the verifier
    then refuses the token as malformed, like any other garbage.
    """
    if value != "-":
        return value.strip()
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:  # a text stream put in place of stdin (tests, embedding)
        return sys.stdin.readline(_MAX_STDIN_BYTES).strip()
    line: bytes = stream.readline(_MAX_STDIN_BYTES)
    return line.decode("utf-8", "replace").strip()
