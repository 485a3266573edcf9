"""Requests per second and latency over real HTTP on loopback: uvicorn and gunicorn.

Each server runs one worker process serving ``/public/`` (no check), ``/protected``
(jwtguard) and ``/peer`` (PyJWT behind Starlette's AuthenticationMiddleware, or
flask-jwt-extended). Every request carries ``Authorization: Bearer`` with one of
many distinct users' tokens (random pick per request), so the three routes see
the same bytes and differ only in the check. The load generator is Debian's
``wrk`` when installed, else a small asyncio client; each run is bounded in
duration and request count. Servers listen on 127.0.0.1 only and are stopped
(their process group terminated) before this returns.
"""

from __future__ import annotations

import importlib.util
import shutil
import statistics
import sys
from typing import Any

from benchmarks._load import Load, python_load, serving, wrk_load
from benchmarks._material import Material, claims_for

__all__ = ["CONFIGURATION", "Load", "python_load", "run", "serving", "table", "wrk_load"]

NEEDS = {
    "uvicorn": ("uvicorn", "starlette"),
    "gunicorn": ("gunicorn", "flask", "flask_jwt_extended"),
}
ROUTES = {
    "public": "/public/",
    "protected": "/protected/",
    "uncached": "/uncached/",
    "peer": "/peer/",
}
CONFIGURATION = {
    "uvicorn": "uvicorn (1 worker, h11, asyncio loop, access log off) serving a Starlette "
    "app whose three routes are each a Mount of the same one-route sub-app; /public has no "
    "check; "
    "/protected is Mount('/protected', JWTGuardMiddleware(app, guard, security_headers=None)); "
    "/uncached is the same with Guard(cache_size=0); "
    "/peer is Mount('/peer', AuthenticationMiddleware(app, PyJWT backend))",
    "gunicorn": "gunicorn (1 worker, gthread, 8 threads) serving a Flask app; /public has "
    "no check; /protected has "
    "jwtguard's @jwt_required (extension, security_headers=None); /peer has "
    "flask-jwt-extended's @jwt_required(); /uncached is a second Flask app whose JWTGuard "
    "has cache_size=0, both behind werkzeug's DispatcherMiddleware",
}


# -- run --------------------------------------------------------------------------------


def run(
    quick: bool = True,
    *,
    tiny: bool = False,
    progress: Any = None,
    use_wrk: bool | None = None,
    servers: tuple[str, ...] = ("uvicorn", "gunicorn"),
) -> dict[str, Any]:
    """Serve each app, load each route in interleaved rounds, report medians and ratios.

    ``use_wrk``: None picks wrk when it is installed; False forces the Python client.
    """
    load = Load.for_mode(quick, tiny=tiny)
    if use_wrk is None:
        use_wrk = shutil.which("wrk") is not None
    generate = wrk_load if use_wrk else python_load
    material = Material.make("HS256")
    tokens = [material.token(claims_for(u)) for u in range(load.users)]
    out: dict[str, Any] = {
        "load_generator": "wrk (1 thread)" if use_wrk else "python asyncio client",
        "load": {
            "seconds_per_run": load.seconds,
            "connections": load.connections,
            "rounds": load.rounds,
            "distinct_users": load.users,
        },
        "servers": {},
    }
    for server in servers:
        missing = [m for m in NEEDS[server] if importlib.util.find_spec(m) is None]
        if missing:
            out.setdefault("skipped", {})[server] = f"not installed: {', '.join(missing)}"
            continue
        if progress:
            progress(f"throughput {server}")
        runs: dict[str, list[dict[str, Any]]] = {route: [] for route in ROUTES}
        with serving(server, material.verify_text) as port:
            warm = Load(min(load.seconds, 1.0), load.connections, load.max_requests, 1, 0)
            for path in ROUTES.values() if not tiny else ():  # imports, the token cache
                generate(port, path, tokens, warm)
            for r in range(load.rounds):
                order = list(ROUTES)
                order = order[r % len(order) :] + order[: r % len(order)]
                for route in order:
                    runs[route].append(generate(port, ROUTES[route], tokens, load))
        out["servers"][server] = _summarise(runs)
    return out


def _summarise(runs: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    for route, samples in runs.items():
        summary[route] = {
            key: statistics.median(s[key] for s in samples) for key in ("rps", "p50_ms", "p99_ms")
        }
        summary[route]["requests"] = sum(s["requests"] for s in samples)
        summary[route]["errors"] = sum(s["errors"] for s in samples)
    public = runs["public"]
    for route in ("protected", "uncached", "peer"):
        ratios = [s["rps"] / p["rps"] for s, p in zip(runs[route], public, strict=True)]
        summary[route]["rps_vs_public"] = statistics.median(ratios)
        summary[route]["rps_vs_public_range"] = (min(ratios), max(ratios))
    return summary


def table(out: dict[str, Any]) -> str:
    """Plain-text rows per server and route."""
    lines = [f"load generator: {out['load_generator']}"]
    for server, routes in out["servers"].items():
        lines.append(f"\n{server}")
        for route, row in routes.items():
            ratio = row.get("rps_vs_public")
            lines.append(
                f"  {route:<10} {row['rps']:>9.0f} req/s  p50 {row['p50_ms']:>6.2f} ms  "
                f"p99 {row['p99_ms']:>6.2f} ms  errors {row['errors']}"
                + (f"  {ratio:.2f}x public" if ratio is not None else "")
            )
    return "\n".join(lines)


if __name__ == "__main__":
    result = run(
        quick="--full" not in sys.argv[1:],
        tiny="--tiny" in sys.argv[1:],
        progress=lambda m: print(m, file=sys.stderr),
    )
    print(table(result))
