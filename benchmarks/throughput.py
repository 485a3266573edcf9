"""Requests per second and latency over real HTTP on loopback: uvicorn and gunicorn.

Each server runs one worker process serving ``/public/`` (no check), ``/protected``
(jwtguard in its default configuration, security headers on), ``/equal`` (jwtguard with
the headers off: the peers' work), ``/uncached`` (default configuration, cache off) and
``/peer`` (PyJWT behind Starlette's AuthenticationMiddleware, or flask-jwt-extended),
plus ``/floor`` (the least an authentication layer can do: a dict look-up of the token),
which shows how close to ``public`` any middleware can come on that server, and
``/floor-headers`` (that floor appending, unchecked, the header lines jwtguard's default adds
to the response), which shows how close any layer adding those headers can come: the server
serialises and checks each header line, so the default's own cost over HTTP is judged
against it as well as against ``public``.
Every request carries ``Authorization: Bearer`` with one of many distinct users' tokens
(random pick per request), so the routes see the same bytes and differ only in the check.
uvicorn runs twice: with h11 (pure Python, its fallback) and with httptools (what
``uvicorn[standard]``, and so ``fastapi[standard]``, installs), because the server's own
cost per response header differs several times between the two. The load generator is Debian's
``wrk`` when installed, else a small asyncio client; each run is bounded in
duration and request count. Servers listen on 127.0.0.1 only and are stopped
(their process group terminated) before this returns.
"""

from __future__ import annotations

import importlib.util
import shutil
import statistics
import sys
from collections.abc import Callable
from typing import Any

from benchmarks._load import Load, python_load, serving, wrk_load
from benchmarks._material import Material, claims_for

__all__ = [
    "CONFIGURATION",
    "Load",
    "paired_rounds",
    "python_load",
    "quartiles",
    "run",
    "serving",
    "table",
    "targets",
    "wrk_load",
]

NEEDS = {
    "uvicorn": ("uvicorn", "starlette"),
    "uvicorn-httptools": ("uvicorn", "starlette", "httptools"),
    "gunicorn": ("gunicorn", "flask", "flask_jwt_extended"),
}
ROUTES = {
    "public": "/public/",
    "protected": "/protected/",
    "equal": "/equal/",
    "uncached": "/uncached/",
    "peer": "/peer/",
    "floor": "/floor/",
    "floor_headers": "/floor-headers/",
}
_UVICORN = (
    "serving a dispatcher (one dict look-up per request, the same for every route, where "
    "a Starlette router tries its Mounts in order) over the same one-route Starlette sub-app; "
    "/public has no check; /protected mounts JWTGuardMiddleware(app, guard) "
    "(the default configuration: security headers on); /equal the same with "
    "security_headers=None; /uncached the default with Guard(cache_size=0); "
    "/peer mounts AuthenticationMiddleware(app, PyJWT backend); /floor the reference "
    "floor: a raw ASGI middleware that finds the token and looks it up in a dict (verified "
    "once per user, then only looked up), the least any authentication middleware costs; "
    "/floor-headers the same floor appending the header lines the default adds to this "
    "text/plain response (the API set), unchecked"
)
CONFIGURATION = {
    "uvicorn": "uvicorn (1 worker, --http h11, asyncio loop, access log off) " + _UVICORN,
    "uvicorn-httptools": "uvicorn (1 worker, --http httptools, asyncio loop, access log off) "
    + _UVICORN,
    "gunicorn": "gunicorn (1 worker, gthread, 8 threads) serving werkzeug's "
    "DispatcherMiddleware over one Flask app per route (each with one view returning 'ok', "
    "text/html, so the default adds the HTML set): /public has no "
    "check; /protected has JWTGuard(app) (default configuration) and @jwt_required; /equal "
    "JWTGuard(app, security_headers=None); /uncached the default with Guard(cache_size=0); "
    "/peer flask-jwt-extended's JWTManager and @jwt_required(); /floor a plain view "
    "decorator reading request.headers and looking the token up in a dict (verified once "
    "per user, then only looked up); /floor-headers the same decorator, the app's wsgi_app "
    "appending the header lines the default adds to this text/html response, unchecked",
}
PROTECTED_TARGET = 0.95
"""Protected (default configuration) over unprotected requests per second, per server."""


# -- run --------------------------------------------------------------------------------


def run(
    quick: bool = True,
    *,
    tiny: bool = False,
    progress: Any = None,
    use_wrk: bool | None = None,
    servers: tuple[str, ...] = ("uvicorn", "uvicorn-httptools", "gunicorn"),
) -> dict[str, Any]:
    """Serve each app, load each route in paired rounds (:func:`paired_rounds`), report
    medians and ratios.

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
        with serving(server, material.verify_text) as port:
            warm = Load(min(load.seconds, 1.0), load.connections, load.max_requests, 1, 0)
            for path in ROUTES.values() if not tiny else ():  # imports, the token cache
                generate(port, path, tokens, warm)
            runs, ratios = paired_rounds(
                lambda route: generate(port, ROUTES[route], tokens, load),
                load.rounds,
            )
        out["servers"][server] = _summarise(runs, ratios)
    out["targets"] = targets(out)
    return out


CHECKED = ("protected", "equal", "uncached", "peer", "floor", "floor_headers")
"""The routes compared with ``public``, each in a pair of adjacent runs per round."""


def paired_rounds(
    measure: Callable[[str], dict[str, Any]], rounds: int
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, list[float]]]:
    """Every round runs each checked route right next to a run of ``public`` (A B, then
    B A for the next pair: the order flips pair by pair and the routes rotate per round),
    so each ratio divides two runs a second apart, which a slow patch of the shared
    machine hits alike, rather than runs several seconds apart.

    Returns the runs per route and, per checked route, one req/s ratio per round.
    """
    runs: dict[str, list[dict[str, Any]]] = {route: [] for route in ROUTES}
    ratios: dict[str, list[float]] = {route: [] for route in CHECKED}
    for r in range(rounds):
        shift = r % len(CHECKED)
        for i, route in enumerate(CHECKED[shift:] + CHECKED[:shift]):
            pair = ("public", route) if (r + i) % 2 == 0 else (route, "public")
            got = {name: measure(name) for name in pair}
            for name, sample in got.items():
                runs[name].append(sample)
            ratios[route].append(got[route]["rps"] / got["public"]["rps"])
    return runs, ratios


def _summarise(
    runs: dict[str, list[dict[str, Any]]], ratios: dict[str, list[float]]
) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    for route, samples in runs.items():
        summary[route] = {
            key: statistics.median(s[key] for s in samples) for key in ("rps", "p50_ms", "p99_ms")
        }
        summary[route]["requests"] = sum(s["requests"] for s in samples)
        summary[route]["errors"] = sum(s["errors"] for s in samples)
    for route, values in ratios.items():
        summary[route]["rps_vs_public"] = statistics.median(values)
        summary[route]["rps_vs_public_range"] = (min(values), max(values))
        summary[route]["rps_vs_public_quartiles"] = quartiles(values)
    if ratios.get("floor_headers"):  # per round: protected's ratio over the floor's
        values = [p / f for p, f in zip(ratios["protected"], ratios["floor_headers"], strict=True)]
        summary["protected"]["rps_vs_floor_headers"] = statistics.median(values)
        summary["protected"]["rps_vs_floor_headers_range"] = (min(values), max(values))
        summary["protected"]["rps_vs_floor_headers_quartiles"] = quartiles(values)
    return summary


def quartiles(values: list[float]) -> tuple[float, float]:
    """The first and third quartiles (both the value itself for a single one)."""
    if len(values) < 2:
        return values[0], values[0]
    q = statistics.quantiles(values, n=4, method="inclusive")
    return q[0], q[2]


def targets(out: dict[str, Any]) -> list[dict[str, Any]]:
    """Per server: protected (default configuration) / unprotected requests per second, the
    label giving the floors' own ratios (the most any middleware, and any middleware adding
    the same headers, reached in that run); then protected / the floor with the headers."""
    found = []
    for server, routes in out.get("servers", {}).items():
        protected = routes["protected"]
        reached = ", ".join(
            f"{label}: {routes[route]['rps_vs_public']:.2f}x"
            for route, label in (("floor", "the raw dict floor's"),
                                 ("floor_headers", "with the same headers"))
            if route in routes
        )  # fmt: skip
        found.append(
            _target(
                f"{server}: protected (default) / unprotected req/s"
                + (f" ({reached})" if reached else ""),
                protected,
                "rps_vs_public",
            )
        )
        if "rps_vs_floor_headers" in protected:
            found.append(
                _target(
                    f"{server}: protected (default) / the raw dict floor appending the same "
                    "headers, req/s",
                    protected,
                    "rps_vs_floor_headers",
                )
            )
    return found


def _target(label: str, row: dict[str, Any], key: str) -> dict[str, Any]:
    ratio = row[key]
    return {
        "target": f"{label} >= {PROTECTED_TARGET:g}",
        "measured": ratio,
        "limit": PROTECTED_TARGET,
        "met": ratio >= PROTECTED_TARGET,
        "unit": "x",
        "range": row[f"{key}_range"],
        "quartiles": row[f"{key}_quartiles"],
    }


def table(out: dict[str, Any]) -> str:
    """Plain-text rows per server and route."""
    lines = [f"load generator: {out['load_generator']}"]
    for server, routes in out["servers"].items():
        lines.append(f"\n{server}")
        for route, row in routes.items():
            ratio = row.get("rps_vs_public")
            lines.append(
                f"  {route:<13} {row['rps']:>9.0f} req/s  p50 {row['p50_ms']:>6.2f} ms  "
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
