"""``jwtguard demo``: the live demo, or an issue-and-verify round trip without its extras."""

from __future__ import annotations

import importlib
import json
import secrets
from collections.abc import Sequence

from jwtguard.errors import TokenError
from jwtguard.guard import Guard

__all__ = ["run_demo"]


def run_demo(demo_args: Sequence[str]) -> int:
    """Run ``jwtguard.demo`` with ``demo_args``; without the demo's web extras, a round trip."""
    try:
        demo = importlib.import_module("jwtguard.demo")
    except ImportError:  # the demo's web extras are not installed
        return _round_trip_demo()
    code: int = demo.main(list(demo_args))
    return code


def _round_trip_demo() -> int:
    """Issue and verify with an ephemeral key: what jwtguard does, without a server."""
    guard = Guard(secrets.token_bytes(32), algorithms=["HS256"], audience="demo")
    token = guard.issue({"sub": "demo-user", "scope": "read"})
    print("ephemeral HS256 key; issued token:\n  " + token)
    print("verified claims:", json.dumps(guard.verify(token).to_dict(), sort_keys=True))
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    try:
        guard.verify(tampered)
    except TokenError as exc:
        print(f"tampered token refused: code={exc.code}")
    return 0
