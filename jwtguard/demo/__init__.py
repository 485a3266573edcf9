"""``jwtguard demo``: a protected app on loopback, a ready token, and curl commands to try it.

No configuration: an ephemeral HS256 key (never written anywhere), in-memory
state, a free port on 127.0.0.1. ``--check`` makes the printed requests itself
over real HTTP and exits 0 only if each got the expected status, so CI runs it.

Routes: ``/public`` (open), ``/me`` (any valid token), ``/admin`` (scope ``admin``).
"""

from __future__ import annotations

import argparse
import http.client
import signal
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from types import FrameType
from typing import Final, NoReturn
from urllib.parse import urlsplit

from jwtguard.demo._apps import LOOPBACK, DemoTokens, RunningServer, start_server

__all__ = ["Check", "checks", "main", "run_checks"]

_EXTRA_HINT: Final = "install the demo extra:  pip install 'jwtguard[demo]'"


@dataclass(frozen=True)
class Check:
    """One request the demo prints as a curl command and ``--check`` makes itself."""

    title: str
    path: str
    token_var: str | None  # shell variable holding the token; None: no Authorization header
    expected: int


def checks() -> tuple[Check, ...]:
    """The demo's requests and the status each must get."""
    return (
        Check("public route, no token", "/public", None, 200),
        Check("protected route, no token", "/me", None, 401),
        Check("protected route, with the token", "/me", "TOKEN", 200),
        Check("scope 'admin' route, with the token", "/admin", "TOKEN", 200),
        Check("scope 'admin' route, token without that scope", "/admin", "READER_TOKEN", 403),
        Check("expired token", "/me", "EXPIRED_TOKEN", 401),
        Check("tampered token (payload edited, signature kept)", "/me", "TAMPERED_TOKEN", 401),
        Check("readiness (keys and revocation), no token", "/readyz", None, 200),
        Check(
            "Prometheus metrics (decisions by outcome and code), no token", "/metrics", None, 200
        ),
    )


def _token_values(tokens: DemoTokens) -> dict[str, str]:
    return {
        "TOKEN": tokens.token,
        "READER_TOKEN": tokens.reader,
        "EXPIRED_TOKEN": tokens.expired,
        "TAMPERED_TOKEN": tokens.tampered,
    }


def _curl(url: str, check: Check) -> str:
    auth = "" if check.token_var is None else f' -H "Authorization: Bearer ${check.token_var}"'
    return f"curl -i{auth} {url}{check.path}"


def _banner(variant: str, server: RunningServer, tokens: DemoTokens) -> str:
    lines = [
        f"jwtguard demo ({variant}) listening on {server.url}  (ephemeral HS256 key, in memory)",
        "",
        "Tokens (scope 'read admin', scope 'read', expired, tampered); paste into your shell:",
        "",
    ]
    lines += [f"export {name}={value}" for name, value in _token_values(tokens).items()]
    lines += ["", "Then try (expected status first):", ""]
    for check in checks():
        lines += [f"# {check.expected}  {check.title}", _curl(server.url, check), ""]
    return "\n".join(lines)


def run_checks(url: str, tokens: DemoTokens, *, timeout: float = 5.0) -> list[tuple[Check, int]]:
    """Make every request of :func:`checks` over HTTP; ``(check, status)`` pairs.

    Uses ``http.client`` directly: no proxy from the environment, no redirects.
    """
    parts = urlsplit(url)
    values = _token_values(tokens)
    results = []
    for check in checks():
        headers = {} if check.token_var is None else {
            "Authorization": f"Bearer {values[check.token_var]}"
        }  # fmt: skip
        connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=timeout)
        try:
            connection.request("GET", check.path, headers=headers)
            response = connection.getresponse()
            response.read()
            results.append((check, response.status))
        finally:
            connection.close()
    return results


_DESCRIPTION = """\
A protected app on loopback, a ready token, and curl commands to try it.

No configuration: an ephemeral HS256 key (never written anywhere), in-memory
state, a free port on 127.0.0.1. --check makes the printed requests itself over
real HTTP and exits 0 only if each got the expected status (CI runs it).

Routes: /public (open), /me (any valid token), /admin (scope admin)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """One line, like every jwtguard command (no usage dump)."""
        self.exit(2, f"{self.prog}: {message} (see '{self.prog} --help')\n")


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError("a port is 0 to 65535 (0: a free one)")
    return port


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="jwtguard demo",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    parser.add_argument("--port", type=_port, default=0, help="port (default: a free one)")
    parser.add_argument("--host", default="127.0.0.1", choices=LOOPBACK, help="loopback address")
    variant = parser.add_mutually_exclusive_group()
    variant.add_argument(
        "--wsgi", dest="variant", action="store_const", const="wsgi", help="plain WSGI (wsgiref)"
    )
    variant.add_argument(
        "--flask", dest="variant", action="store_const", const="flask", help="Flask (wsgiref)"
    )
    parser.add_argument(
        "--check", action="store_true", help="make the requests, print each status, then stop"
    )
    parser.set_defaults(variant="asgi")
    return parser


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _serve_until_interrupted(server: RunningServer, ready: str) -> None:
    """Print ``ready`` once Ctrl-C and SIGTERM are handled (an interrupt right after the
    line must stop the server cleanly, not end in a traceback), then serve until one."""
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _interrupt) if in_main else None
    try:
        print(ready, flush=True)
        server.wait()
    except KeyboardInterrupt:
        print("\nstopping...", flush=True)
    finally:
        server.stop()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the demo; 0 on a clean stop (or all checks passed), 1 on a failed check, 2 on errors."""
    args = _parser().parse_args(argv)
    tokens = DemoTokens.create()
    try:
        server = start_server(args.variant, tokens, host=args.host, port=args.port)
    except ImportError as exc:
        print(f"jwtguard demo: {exc.name or 'a module'} is missing; {_EXTRA_HINT}", file=sys.stderr)
        return 2
    except (OSError, RuntimeError) as exc:
        print(f"jwtguard demo: cannot serve on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 2
    if not args.check:
        print(_banner(args.variant, server, tokens))
        _serve_until_interrupted(server, "Ready. Press Ctrl-C to stop.")
        print("stopped.")
        return 0
    try:
        print(f"jwtguard demo ({args.variant}) on {server.url}: checking", flush=True)
        results = run_checks(server.url, tokens)
    except OSError as exc:
        print(f"jwtguard demo: request failed: {exc}", file=sys.stderr)
        return 1
    finally:
        server.stop()
    for check, status in results:
        mark = "ok  " if status == check.expected else "FAIL"
        print(f"{mark} {status} (expected {check.expected})  GET {check.path:<8} {check.title}")
    failed = sum(status != check.expected for check, status in results)
    print("all checks passed" if not failed else f"{failed} check(s) failed")
    return 0 if not failed else 1
