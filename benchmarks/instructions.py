"""Instructions per request, counted by valgrind's callgrind: the in-process middleware rows
without the shared machine's timing noise.

Each group's apps are built in one child process run under ``valgrind --tool=callgrind``;
each serves warm-up requests, then only its measured ones are counted (``os.getppid()``
zeroes the counters, ``os.getpgrp()`` dumps them, one numbered dump per app;
``PYTHONHASHSEED=0``). An instruction count is not
a time: C code runs more instructions per cycle than the interpreter, so the timed rows
stay the measure the targets are judged on; these show how much work each path does,
and they repeat to within a fraction of a percent from run to run.

The ASGI apps wrap a plain ASGI app (two sends: a start with ``content-length`` and
``content-type``, and the body), so that only the middleware's own work differs; the
Flask apps are the middleware benchmark's own. HS256, one token: jwtguard's rows are
cache hits.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["ASGI", "FLASK", "build", "run", "table"]

ASGI = {
    "plain ASGI app": "inner",
    "raw floor (dict look-up)": "dict",
    "raw floor appending the same headers": "dict+headers",
    "JWTGuardMiddleware, headers off": "off",
    "JWTGuardMiddleware, default": "default",
}
FLASK = {
    "Flask bare": "Flask bare",
    "plain dict decorator": "Flask + plain dict decorator",
    "plain dict decorator appending the same headers": "Flask + plain dict decorator + headers",
    "Flask extension, headers off": "Flask + jwtguard extension",
    "Flask extension, default": "Flask + jwtguard extension (default)",
    "WSGI middleware, default": "Flask + jwtguard WSGI middleware (default)",
}
REQUESTS = {"asgi": 1000, "flask": 400}
WARM_UP = 200
TARGET = 1.3
_TIMEOUT_S = 900


def _material() -> tuple[Any, str, Any]:
    from benchmarks._material import AUDIENCE, ISSUER, Material, claims_for
    from jwtguard import Guard

    material = Material.make("HS256")
    token = material.token({**claims_for(7)})
    guard = Guard(material.verify_text, algorithms=["HS256"], audience=AUDIENCE, issuer=ISSUER)
    return material, token, guard


async def _plain_app(scope: Any, receive: Any, send: Any) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-length", b"2"), (b"content-type", b"text/plain")],
        }
    )
    await send({"type": "http.response.body", "body": b"ok"})


def build(group: str, variant: str) -> Callable[[int], float]:
    """The runner serving ``n`` requests to one app (``group``: asgi or flask)."""
    from benchmarks._apps import DictMiddleware, flask_apps
    from benchmarks._drive import asgi_runner, wsgi_runner
    from jwtguard import SecurityHeaders
    from jwtguard.adapters.asgi import JWTGuardMiddleware

    material, token, guard = _material()
    if group == "flask":
        apps = flask_apps(guard, material.verify_text, None, token)
        return wsgi_runner(apps[variant], token)
    app: Any
    if variant == "inner":
        app = _plain_app
    elif variant in ("dict", "dict+headers"):
        api = SecurityHeaders().asgi_headers([], authenticated=True)
        app = DictMiddleware(_plain_app, guard, headers=api if variant != "dict" else ())
        app.remember(token)
    else:
        headers: Any = None if variant == "off" else SecurityHeaders()
        app = JWTGuardMiddleware(_plain_app, guard=guard, security_headers=headers)
    return asgi_runner(app, token, asyncio.new_event_loop())


def _child(group: str, n: int, variants: list[str]) -> None:
    warnings.simplefilter("ignore")
    for variant in variants:  # one process: valgrind starts once per group
        serve = build(group, variant)
        serve(WARM_UP)
        os.getppid()  # callgrind: zero the counters here
        serve(n)
        os.getpgrp()  # callgrind: dump them here (one numbered dump per variant)


def _count(valgrind: str, group: str, variants: list[str], n: int) -> list[float]:
    """Instructions per request of each variant, in order."""
    with tempfile.TemporaryDirectory() as out:
        command = [
            valgrind,
            "--tool=callgrind",
            "--zero-before=getppid",
            "--dump-before=getpgrp",
            f"--callgrind-out-file={out}/cg.%p",
            sys.executable,
            "-m",
            "benchmarks.instructions",
            "--child",
            group,
            str(n),
            *variants,
        ]
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        root = Path(__file__).resolve().parent.parent
        subprocess.run(
            command, cwd=root, env=env, check=True, capture_output=True, timeout=_TIMEOUT_S
        )
        counts = []
        dumps = {int(p.name.rsplit(".", 1)[1]): p for p in Path(out).glob("cg.*.*")}
        for number in range(1, len(variants) + 1):
            summary = [
                line
                for line in dumps[number].read_text().splitlines()
                if line.startswith("summary:")
            ]
            counts.append(int(summary[0].split()[1]) / n)
        return counts


def run(quick: bool = True, *, tiny: bool = False, progress: Any = None) -> dict[str, Any]:
    """Instructions per request of each row, and the adapters' ratios to their floors.
    ``tiny`` serves each app a few requests without valgrind (it proves the rows run)."""
    valgrind = shutil.which("valgrind")
    if tiny:
        for group, rows in (("asgi", ASGI), ("flask", FLASK)):
            for variant in rows.values():
                build(group, variant)(3)
        return {"tiny": True, "asgi": {}, "flask": {}, "targets": []}
    if valgrind is None:  # reported as not measured; the timed benchmarks stand alone
        return {"error": "valgrind is not installed (apt-get install valgrind)"}
    counted: dict[str, dict[str, float]] = {}
    for group, rows in (("asgi", ASGI), ("flask", FLASK)):
        if progress:
            progress(f"instructions: {group} ({len(rows)} apps)")
        counts = _count(valgrind, group, list(rows.values()), REQUESTS[group])
        counted[group] = {name: round(c) for name, c in zip(rows, counts, strict=True)}
    return {"requests": REQUESTS, **counted, "targets": _targets(counted)}


def _overhead(rows: dict[str, float], name: str, base: str) -> float:
    return rows[name] - rows[base]


def _targets(counted: dict[str, dict[str, float]]) -> list[dict[str, Any]]:
    asgi, flask = counted["asgi"], counted["flask"]
    plain, bare = "plain ASGI app", "Flask bare"

    def ratio(rows: dict[str, float], top: str, bottom: str, base: str) -> float:
        return _overhead(rows, top, base) / _overhead(rows, bottom, base)

    found = [
        (
            "ASGI middleware default / raw floor, by instructions",
            ratio(asgi, "JWTGuardMiddleware, default", "raw floor (dict look-up)", plain),
        ),
        (
            "ASGI middleware default / raw floor appending the same headers, by instructions",
            ratio(
                asgi,
                "JWTGuardMiddleware, default",
                "raw floor appending the same headers",
                plain,
            ),
        ),
        (
            "ASGI middleware headers off / raw floor, by instructions",
            ratio(asgi, "JWTGuardMiddleware, headers off", "raw floor (dict look-up)", plain),
        ),
        (
            "Flask extension default / plain decorator, by instructions",
            ratio(flask, "Flask extension, default", "plain dict decorator", bare),
        ),
        (
            "Flask extension default / plain decorator appending the same headers, by instructions",
            ratio(
                flask,
                "Flask extension, default",
                "plain dict decorator appending the same headers",
                bare,
            ),
        ),
        (
            "Flask extension headers off / plain decorator, by instructions",
            ratio(flask, "Flask extension, headers off", "plain dict decorator", bare),
        ),
    ]
    return [
        {"target": name, "measured": value, "limit": TARGET, "met": value <= TARGET, "unit": "x"}
        for name, value in found
    ]


def table(results: dict[str, Any]) -> str:
    """The counts as a small text table."""
    lines = [f"{'row':52} {'instructions/request':>20}"]
    for group in ("asgi", "flask"):
        for name, count in results.get(group, {}).items():
            lines.append(f"{group + ': ' + name:52} {count:>20,.0f}")
    lines += [f"{t['target']}: {t['measured']:.2f}x" for t in results.get("targets", [])]
    return "\n".join(lines)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        _child(sys.argv[2], int(sys.argv[3]), sys.argv[4:])
    else:
        print(table(run(progress=lambda m: print(m, file=sys.stderr))))
