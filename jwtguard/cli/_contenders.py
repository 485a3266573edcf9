"""What ``jwtguard bench`` times: each jwtguard path and its floor, checked before timing."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jwtguard.adapters.asgi import JWTGuardMiddleware
from jwtguard.adapters.wsgi import JWTGuardWSGIMiddleware
from jwtguard.cli._floors import (
    DictASGIMiddleware,
    DictWSGIMiddleware,
    bare_asgi_app,
    bare_wsgi_app,
    dict_floor,
    verify_floor,
)
from jwtguard.cli._serve import ADAPTERS, asgi_runner, wsgi_runner
from jwtguard.cli._timing import Runner, calls
from jwtguard.guard import Guard
from jwtguard.keys import Key

__all__ = ["Row", "Target", "contenders"]


@dataclass(frozen=True)
class Target:
    """One token, the key and policy that verify it, and the two Guards to time."""

    token: str
    algorithm: str
    key: Key
    audience: tuple[str, ...]
    issuer: str | None
    uncached: Guard
    cached: Guard


@dataclass(frozen=True)
class Row:
    """One line of the report: ``name`` is the runner, ``name.floor`` its floor."""

    name: str
    label: str
    floor_label: str


def _tampered(token: str) -> str:
    head, _, signature = token.rpartition(".")
    return f"{head}.{'B' if signature[:1] == 'A' else 'A'}{signature[1:]}"


def _refuses(verify: Callable[[str], Any], token: str) -> bool:
    try:
        verify(token)
    except Exception:  # noqa: BLE001 - a hand-written floor raises whatever it meets
        return True
    return False


def _served(
    adapter: str, target: Target, entry: tuple[Any, float], loop: asyncio.AbstractEventLoop
) -> tuple[Callable[[Any, str], tuple[Runner, int]], dict[str, Any]]:
    """How to serve a request through ``adapter``, and its apps: jwtguard, floor, bare."""
    if adapter == "asgi":
        asgi_entries = {target.token.encode("ascii"): entry}
        return lambda app, token: asgi_runner(app, token, loop), {
            "asgi": JWTGuardMiddleware(bare_asgi_app, guard=target.cached),
            "asgi.floor": DictASGIMiddleware(bare_asgi_app, asgi_entries),
            "asgi.bare": bare_asgi_app,
        }
    return wsgi_runner, {
        "wsgi": JWTGuardWSGIMiddleware(bare_wsgi_app, guard=target.cached),
        "wsgi.floor": DictWSGIMiddleware(bare_wsgi_app, {target.token: entry}),
        "wsgi.bare": bare_wsgi_app,
    }


def contenders(
    target: Target, adapter: str | None, loop: asyncio.AbstractEventLoop
) -> tuple[dict[str, Runner], list[Row]]:
    """Every runner and the report's rows. Each contender must first accept the token and
    refuse a tampered copy: a contender that does not is a bug (AssertionError)."""
    token, forged = target.token, _tampered(target.token)
    claims = target.cached.verify(token)
    exp = claims.get("exp")
    expires_at = float(exp) if isinstance(exp, (int, float)) else math.inf
    hand = "hmac" if target.algorithm.startswith("HS") else "cryptography"
    floor = verify_floor(target.key, target.algorithm, target.audience, target.issuer)
    verifiers = [
        ("verify_uncached", "verify, not cached", target.uncached.verify, floor, f"{hand} + json"),
        ("verify_cached", "verify, cache hit", target.cached.verify,
         dict_floor(token, claims, expires_at), "dict look-up + exp"),
    ]  # fmt: skip
    runners: dict[str, Runner] = {}
    rows: list[Row] = []
    for name, label, verify, floor_verify, floor_label in verifiers:
        for fn in (verify, floor_verify):
            if fn is not None and (_refuses(fn, token) or not _refuses(fn, forged)):
                raise AssertionError(f"bench: {label} does not verify correctly")
        runners[name] = calls(verify, token)
        if floor_verify is not None:
            runners[name + ".floor"] = calls(floor_verify, token)
        rows.append(Row(name, label, floor_label if floor_verify is not None else "(none)"))
    if adapter is not None:
        serve, apps = _served(adapter, target, (claims, expires_at), loop)
        for name, app in apps.items():
            runner, status = serve(app, token)
            refused = serve(app, forged)[1]
            if status != 200 or (not name.endswith(".bare") and refused != 401):
                raise AssertionError(f"bench: {name} does not authenticate correctly")
            runners[name] = runner
        rows.append(Row(adapter, ADAPTERS[adapter], "dict look-up middleware"))
    return runners, rows
