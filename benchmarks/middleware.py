"""Per-request cost of authentication layers, in process, on a cache-friendly token.

ASGI apps are called directly with a prebuilt scope and ``receive``/``send``
inside one event loop (a test client would cost more than the apps do); WSGI
apps with a prebuilt environ. Every protected contender refuses a request with
a tampered token and accepts the real one (checked before timing), verifies an
HS256 signature with the allow-list ``["HS256"]`` and checks ``exp``, ``aud``
and ``iss``. Each jwtguard adapter has two rows: the equal-work row runs with
``security_headers=None`` (the work the peers do), the ``(default)`` row as users run it,
security headers on. Reference floors: a raw ASGI middleware and a plain Flask view
decorator that only find the token and look it up in a dict. The Django and DRF rows run
in a process of their own (Django's settings are global): see ``benchmarks/_django.py``.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import subprocess
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import _django
from benchmarks._apps import DictMiddleware, fastapi_apps, flask_apps, starlette_apps
from benchmarks._drive import asgi_runner, asgi_status, environ, wsgi_call, wsgi_runner
from benchmarks._material import AUDIENCE, ISSUER, Material, claims_for, tamper
from benchmarks._timing import Plan, Runner, compare, summarise

__all__ = ["ADAPTERS", "CONFIGURATION", "run", "table", "targets"]

CONFIGURATION = {
    "Starlette bare": "Starlette app, one route returning PlainTextResponse('ok')",
    "Starlette + jwtguard": "the same app with Middleware(JWTGuardMiddleware, guard=Guard(secret, "
    "algorithms=['HS256'], audience, issuer), security_headers=None); cache hit (equal work)",
    "Starlette + jwtguard (default)": "as above in the default configuration: the security "
    "headers on (the API set: nosniff, X-Frame-Options, CSP, HSTS, Cache-Control: no-store)",
    "Starlette + SecurityHeadersMiddleware": "reference: the bare app with jwtguard's "
    "standalone SecurityHeadersMiddleware (default policy) and no authentication",
    "Starlette + raw dict middleware": "reference floor: a pure ASGI middleware that finds the "
    "Authorization header, looks the token up in a dict and compares exp with time.time()",
    "Starlette + raw dict middleware + headers": "reference floor with headers: the same "
    "middleware appending the default API set's header bytes (precomputed, unchecked) to "
    "every response start through a send wrapper, the least a middleware adding headers does",
    "Starlette + AuthenticationMiddleware (PyJWT)": "Starlette's AuthenticationMiddleware with a "
    "backend calling jwt.decode(token, secret, algorithms=['HS256'], audience, issuer) and "
    "raising AuthenticationError on a missing or bad token",
    "Starlette + jwtguard (cache off)": "as 'Starlette + jwtguard' with Guard(cache_size=0): "
    "a full verification per request, like the PyJWT-based peers",
    "FastAPI bare": "FastAPI app, one async route returning PlainTextResponse('ok')",
    "FastAPI + empty dependency": "reference: an async dependency with no parameters "
    "returning None (what FastAPI's dependency injection costs by itself)",
    "FastAPI + jwtguard JWTBearer": "the route depends on Depends(JWTBearer(guard)); cache hit "
    "(equal work, and the dependency's default: it sets no response headers)",
    "FastAPI + jwtguard JWTBearer + SecurityHeadersMiddleware": "as above, the app wrapped in "
    "SecurityHeadersMiddleware, as docs/starlette.md recommends for headers",
    "FastAPI + HTTPBearer (PyJWT)": "the route depends on an async dependency taking "
    "HTTPBearer() credentials and calling jwt.decode as above",
    "Flask bare": "Flask app, one view returning 'ok' (a text/html response, so the default "
    "rows below add the HTML set of headers, the longer one)",
    "Flask + plain dict decorator": "reference floor: a view decorator reading "
    "request.headers['Authorization'], looking the token up in a dict and comparing exp "
    "with time.time()",
    "Flask + plain dict decorator + headers": "reference floor with headers: the same "
    "decorator, the app's wsgi_app appending the header lines jwtguard's default adds to "
    "this authenticated text/html response (precomputed, unchecked) through a start_response "
    "wrapper, the least a layer adding headers does",
    "Flask + jwtguard extension": "JWTGuard(app, guard=..., security_headers=None) and "
    "@jwt_required on the view; cache hit (equal work)",
    "Flask + jwtguard extension (default)": "JWTGuard(app, guard=...) and @jwt_required: the "
    "default configuration, security headers on",
    "Flask + jwtguard extension (cache off)": "as 'Flask + jwtguard extension' with "
    "Guard(cache_size=0): a full verification per request, like flask-jwt-extended",
    "Flask + jwtguard WSGI middleware": "JWTGuardWSGIMiddleware(flask_app, guard=..., "
    "security_headers=None); cache hit (equal work)",
    "Flask + jwtguard WSGI middleware (default)": "JWTGuardWSGIMiddleware(flask_app, "
    "guard=...): the default configuration, security headers on",
    "Flask + flask-jwt-extended": "JWTManager(app) with JWT_SECRET_KEY, JWT_DECODE_AUDIENCE, "
    "JWT_DECODE_ISSUER, JWT_ALGORITHM='HS256'; @jwt_required() on the view",
    **_django.CONFIGURATION,
}

ADAPTERS = {
    # adapter: (group, equal-work row, default row, floor row or None, peer row); a DRF
    # authentication class sets no response headers: its default is its equal-work row
    "ASGI middleware": ("asgi", "Starlette + jwtguard", "Starlette + jwtguard (default)",
                        "Starlette + raw dict middleware",
                        "Starlette + AuthenticationMiddleware (PyJWT)"),
    "FastAPI dependency": ("asgi", "FastAPI + jwtguard JWTBearer",
                           "FastAPI + jwtguard JWTBearer + SecurityHeadersMiddleware",
                           "FastAPI + empty dependency", "FastAPI + HTTPBearer (PyJWT)"),
    "WSGI middleware": ("wsgi", "Flask + jwtguard WSGI middleware",
                        "Flask + jwtguard WSGI middleware (default)",
                        "Flask + plain dict decorator", "Flask + flask-jwt-extended"),
    "Flask extension": ("wsgi", "Flask + jwtguard extension",
                        "Flask + jwtguard extension (default)",
                        "Flask + plain dict decorator", "Flask + flask-jwt-extended"),
    "Django middleware": ("django", "Django + jwtguard middleware",
                          "Django + jwtguard middleware + headers", None,
                          "DRF + simplejwt JWTAuthentication"),
    "DRF authentication": ("django", "DRF + jwtguard JWTAuthentication",
                           "DRF + jwtguard JWTAuthentication", None,
                           "DRF + simplejwt JWTAuthentication"),
}  # fmt: skip
"""Each jwtguard adapter's rows, for the report's default-vs-equal-work table and the plot
(``run`` stores them with the results, which the report and plots read)."""

ASGI_BASE = "Starlette bare"
FASTAPI_BASE = "FastAPI bare"
WSGI_BASE = "Flask bare"


# -- run --------------------------------------------------------------------------------


UNPROTECTED = frozenset(
    {ASGI_BASE, FASTAPI_BASE, WSGI_BASE, "FastAPI + empty dependency",
     "Starlette + SecurityHeadersMiddleware"}
)  # fmt: skip


def _asgi_status_of(app: Any, loop: asyncio.AbstractEventLoop) -> Callable[[str], int]:
    return lambda token: asgi_status(app, token, loop)


def _wsgi_status_of(app: Any) -> Callable[[str], int]:
    return lambda token: wsgi_call(app, environ(token))


def _check(name: str, status_of: Callable[[str], int], token: str) -> None:
    ok, bad = status_of(token), status_of(tamper(token))
    protected = name not in UNPROTECTED
    if ok != 200 or (protected and not 400 <= bad < 500):
        raise AssertionError(f"{name}: valid token gave {ok}, tampered token gave {bad}")


def run(quick: bool = True, *, tiny: bool = False, progress: Any = None) -> dict[str, Any]:
    """Per-request nanoseconds and overheads over the bare app, side by side."""
    from jwtguard import Guard

    plan = Plan.for_mode(quick, tiny=tiny)
    material = Material.make("HS256")
    secret = material.verify_text
    # flask-jwt-extended wants type and fresh; simplejwt token_type, jti and its user's id
    claims = {
        **claims_for(7),
        "type": "access",
        "fresh": False,
        "token_type": "access",
        "user_id": _django.USER_ID,
    }
    token = material.token(claims)
    guard = Guard(secret, algorithms=["HS256"], audience=AUDIENCE, issuer=ISSUER)
    uncached = Guard(secret, algorithms=["HS256"], audience=AUDIENCE, issuer=ISSUER, cache_size=0)
    loop = asyncio.new_event_loop()
    out: dict[str, Any] = {"plan": {"rounds": plan.rounds, "batch_ms": plan.batch_ms}}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            groups: dict[str, dict[str, Runner]] = {"asgi": {}, "wsgi": {}}
            asgi_apps = {**starlette_apps(guard, secret, uncached), **fastapi_apps(guard, secret)}
            for name, app in asgi_apps.items():
                for middleware in _middlewares(app):
                    if isinstance(middleware, DictMiddleware):
                        middleware.remember(token)
                _check(name, _asgi_status_of(app, loop), token)
                groups["asgi"][name] = asgi_runner(app, token, loop)
            for name, app in flask_apps(guard, secret, uncached, token).items():
                _check(name, _wsgi_status_of(app), token)
                groups["wsgi"][name] = wsgi_runner(app, token)
            for group, runners in groups.items():
                if progress:
                    progress(f"middleware {group}")
                measured = compare(runners, plan)
                out[group] = _summarise(measured)
        if progress:
            progress("middleware django")
        django_rows = _django_rows(secret, token, plan)
        if django_rows is not None:
            out["django"] = django_rows
    finally:
        loop.close()
    out["adapters"] = {adapter: list(rows) for adapter, rows in ADAPTERS.items()}
    out["targets"] = targets(out)
    return out


def _django_rows(secret: str, token: str, plan: Plan) -> dict[str, Any] | None:
    """The Django/DRF rows, measured by ``benchmarks._django`` in its own process
    (None when Django, DRF or simplejwt is not installed)."""
    if any(importlib.util.find_spec(m) is None for m in ("django", "rest_framework_simplejwt")):
        return None
    job = {"secret": secret, "token": token, "rounds": plan.rounds, "batch_ms": plan.batch_ms}
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks._django"],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
        cwd=Path(__file__).resolve().parents[1],
        env=env,
    )
    if done.returncode != 0:
        raise RuntimeError(f"benchmarks._django failed:\n{done.stderr[-3000:]}")
    rows: dict[str, Any] = json.loads(done.stdout)
    return rows


def _middlewares(app: Any) -> list[Any]:
    """Build a Starlette app's middleware stack and return its layers."""
    if not hasattr(app, "build_middleware_stack"):
        return []
    if app.middleware_stack is None:
        app.middleware_stack = app.build_middleware_stack()
    layers, layer = [], app.middleware_stack
    while layer is not None and hasattr(layer, "app"):
        layers.append(layer)
        layer = layer.app
    return layers


def _base_of(name: str) -> str:
    if name.startswith("FastAPI"):
        return FASTAPI_BASE
    return ASGI_BASE if name.startswith("Starlette") else WSGI_BASE


def _summarise(measured: dict[str, Any]) -> dict[str, Any]:
    return summarise(measured, _base_of)


RESOLUTION = 0.01
"""Overheads below 1% of the bare app are below what these runs resolve: a ratio over such
an overhead divides by 1% of the bare app instead (a lower bound)."""


def _overhead_ratio(rows: dict[str, Any], peer: str, ours: str, key: str) -> float | None:
    """The peer's overhead over ours (``key``: ``overhead`` as a fraction of each one's
    bare app, or ``overhead_ns``, the added nanoseconds, where the bare apps differ)."""
    if peer not in rows or ours not in rows:
        return None
    floor = RESOLUTION
    if key == "overhead_ns":
        floor *= rows[rows[ours]["base"]]["median_ns"]
    return float(rows[peer][key]) / max(float(rows[ours][key]), floor)


def _best_overhead_ratio(rows: dict[str, Any], numerator: str, denominator: str) -> float | None:
    """``numerator``'s overhead over ``denominator``'s (same bare app) from each one's
    fastest batch: the reading least disturbed by other work on the machine. None when the
    fastest batches do not resolve the numerator's overhead (below 1% of the bare app)."""
    base = rows[rows[denominator]["base"]]["best_ns"]
    top = rows[numerator]["best_ns"] - base
    if top < RESOLUTION * base:
        return None
    return float(top / max(rows[denominator]["best_ns"] - base, RESOLUTION * base))


def _at_most(target: str, measured: float, limit: float, unit: str = "fraction") -> dict[str, Any]:
    return {"target": target, "measured": measured, "limit": limit, "met": measured <= limit,
            "unit": unit}  # fmt: skip


def _at_least(target: str, measured: float, limit: float) -> dict[str, Any]:
    return {"target": f"{target} >= {limit:g}", "measured": measured, "limit": limit,
            "met": measured >= limit, "unit": "x"}  # fmt: skip


def targets(out: dict[str, Any]) -> list[dict[str, Any]]:
    """The adapters issues' targets with their measured values."""
    asgi, wsgi, django = out.get("asgi", {}), out.get("wsgi", {}), out.get("django", {})
    found: list[dict[str, Any]] = []
    for rows, name, label, limit in (
        (asgi, "Starlette + jwtguard",
         "ASGI middleware overhead on a cache hit <= 20% of bare Starlette", 0.20),
        (django, "Django + jwtguard middleware",
         "Django middleware overhead on a cache hit <= 10% of a bare Django view", 0.10),
    ):  # fmt: skip
        if name in rows:
            found.append(_at_most(label, rows[name]["overhead"], limit))
    simplejwt = "DRF + simplejwt JWTAuthentication"
    for label, rows, peer, ours, key in (
        ("AuthenticationMiddleware+PyJWT overhead / jwtguard ASGI overhead", asgi,
         "Starlette + AuthenticationMiddleware (PyJWT)", "Starlette + jwtguard", "overhead"),
        ("flask-jwt-extended overhead / jwtguard Flask extension overhead", wsgi,
         "Flask + flask-jwt-extended", "Flask + jwtguard extension", "overhead"),
        ("flask-jwt-extended overhead / jwtguard WSGI middleware overhead", wsgi,
         "Flask + flask-jwt-extended", "Flask + jwtguard WSGI middleware", "overhead"),
        ("simplejwt JWTAuthentication overhead / jwtguard DRF JWTAuthentication overhead",
         django, simplejwt, "DRF + jwtguard JWTAuthentication", "overhead_ns"),
        ("simplejwt JWTAuthentication overhead / jwtguard Django middleware overhead",
         django, simplejwt, "Django + jwtguard middleware", "overhead_ns"),
    ):  # fmt: skip
        ratio = _overhead_ratio(rows, peer, ours, key)
        if ratio is not None:
            found.append(_at_least(label, ratio, 10.0))
    found += _default_targets(asgi, wsgi)
    return found


def _default_targets(asgi: dict[str, Any], wsgi: dict[str, Any]) -> list[dict[str, Any]]:
    """The performance issue's targets: the default configuration (headers on)."""
    found: list[dict[str, Any]] = []
    for label, rows, peer, ours, limit in (
        ("default: AuthenticationMiddleware+PyJWT overhead / jwtguard ASGI overhead", asgi,
         "Starlette + AuthenticationMiddleware (PyJWT)", "Starlette + jwtguard (default)", 20.0),
        ("default: flask-jwt-extended overhead / jwtguard Flask extension overhead", wsgi,
         "Flask + flask-jwt-extended", "Flask + jwtguard extension (default)", 25.0),
    ):  # fmt: skip
        ratio = _overhead_ratio(rows, peer, ours, "overhead")
        if ratio is not None:
            found.append(_at_least(label, ratio, limit))
    for label, rows, ours, floor in (
        ("default: ASGI middleware overhead (cache hit) <= 1.3x the raw dict middleware's",
         asgi, "Starlette + jwtguard (default)", "Starlette + raw dict middleware"),
        ("default: ASGI middleware overhead (cache hit) <= 1.3x the raw dict middleware's "
         "with the same headers appended", asgi, "Starlette + jwtguard (default)",
         "Starlette + raw dict middleware + headers"),
        ("default: Flask extension overhead (cache hit) <= 1.3x the plain dict decorator's",
         wsgi, "Flask + jwtguard extension (default)", "Flask + plain dict decorator"),
        ("default: Flask extension overhead (cache hit) <= 1.3x the plain dict decorator's "
         "with the same headers appended", wsgi, "Flask + jwtguard extension (default)",
         "Flask + plain dict decorator + headers"),
    ):  # fmt: skip
        ratio = _overhead_ratio(rows, ours, floor, "overhead")
        if ratio is not None:
            target = _at_most(label, ratio, 1.3, "x")
            best = _best_overhead_ratio(rows, ours, floor)
            if best is not None:
                target["best_of_rounds"] = best
            found.append(target)
    name = "Flask + jwtguard WSGI middleware (default)"
    if name in wsgi:
        found.append(
            _at_most("default: WSGI middleware overhead (cache hit) <= 10% of a bare Flask route",
                     wsgi[name]["overhead"], 0.10)
        )  # fmt: skip
    return found


def table(out: dict[str, Any]) -> str:
    """Plain-text rows: microseconds per request and overhead over the bare app."""
    lines = []
    for group in ("asgi", "wsgi", "django"):
        lines.append(f"\n{group}")
        for name, row in out.get(group, {}).items():
            lines.append(
                f"  {name:<58} {row['median_ns'] / 1000:>8.2f} us  "
                f"{row['overhead'] * 100:>+7.1f}% over {row['base']}"
            )
    lines.append("\ntargets")
    for t in out["targets"]:
        mark = "met " if t["met"] else "MISS"
        lines.append(f"  [{mark}] {t['target']}: {t['measured']:.2f}")
    return "\n".join(lines)


if __name__ == "__main__":
    result = run(quick="--full" not in sys.argv[1:], progress=lambda m: print(m, file=sys.stderr))
    print(table(result))
