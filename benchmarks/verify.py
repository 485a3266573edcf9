"""Per-token verification cost: jwtguard against its peers and against hand-written floors.

Every contender is configured to do the same work: check the signature with an
allow-listed algorithm, require ``exp`` and check it (and ``nbf``/``iat`` where
the library does so by default), and compare ``aud`` and ``iss`` exactly. Each
one must accept the token and reject a tampered copy before it is timed.

Run alone with ``python -m benchmarks.verify [--full]`` to print the ratio table.
"""

from __future__ import annotations

import warnings
from typing import Any

from benchmarks._material import ALGORITHMS, Material, claims_for, claims_of_size, tamper
from benchmarks._timing import Plan, compare
from benchmarks._verifiers import (
    check_contender,
    contenders_for,
    floor_verifier,
    jwtguard_verifier,
)

__all__ = [
    "CONFIGURATION",
    "check_contender",
    "contenders_for",
    "floor_verifier",
    "growth",
    "main",
    "run",
    "table",
    "targets",
]

CONFIGURATION = {
    "jwtguard (cache hit)": "Guard(key, algorithms=[alg], audience=..., issuer=...); the token "
    "was verified once, so this is the cache path (dict look-up, exp re-check, revocation hook)",
    "jwtguard (uncached)": "same Guard with cache_size=0: split, strict base64url, header and "
    "allow-list, signature, strict JSON, exp/nbf/iat/aud/iss and type checks",
    "PyJWT, key as text": "jwt.decode(token, secret-or-PEM string, algorithms=[alg], "
    "audience=..., issuer=..., options={'require': ['exp']}); the key is parsed on every call",
    "PyJWT, parsed key": "the same jwt.decode with a PyJWK built once",
    "joserfc": "jwt.decode(token, key imported once, algorithms=[alg]) then a JWTClaimsRegistry "
    "(exp essential, aud and iss essential with their values) .validate()",
    "authlib": "JsonWebToken([alg]).decode(token, key imported once, claims_options=exp/aud/iss "
    "essential with values) then claims.validate()",
    "python-jose": "jose.jwt.decode(token, secret-or-PEM string, algorithms=[alg], audience=..., "
    "issuer=..., options={'require_exp': True}) (no EdDSA support)",
    "jwcrypto": "jwt.JWT(jwt=token, key=JWK imported once, algs=[alg], check_claims=exp/aud/iss) "
    "then json.loads(claims)",
    "FastMCP JWTVerifier": "fastmcp.server.auth.providers.jwt.JWTVerifier(public_key=PEM or "
    "secret, issuer, audience, algorithm).verify_token(token), the coroutine run by hand "
    "(a static key awaits nothing); the MCP servers' peer (needs Python 3.11)",
    "floor": "hand-written on the standard library and cryptography: split, base64url, header "
    "JSON and alg check, HMAC (hmac.digest) or signature verify, payload JSON, exp/aud/iss",
    "floor: dict + exp": "a dict look-up of the token and a comparison of its exp with "
    "time.time(): the least any cache can do",
}

UNCACHED_TARGET = {"HS256": 1.3, "RS256": 1.1, "ES256": 1.1, "EdDSA": 1.1}
HIT_TARGET = 1.5
"""A cache hit against the least any cache can do: a dict look-up and an exp check."""
GROWTH_SIZES = (400, 1600)
GROWTH_TARGET = 1.3
"""Uncached HS256 from a 400-byte to a 1.6 KB payload (the issue's limit)."""
RELATIVE_GROWTH_TARGET = 1.05
"""jwtguard's growth over the floor's on the same payloads: no faster than the floor,
within the 5% these short runs resolve (what is reachable: see :func:`growth`)."""
PEERS = (
    "PyJWT, key as text",
    "PyJWT, parsed key",
    "joserfc",
    "authlib",
    "python-jose",
    "jwcrypto",
    "FastMCP JWTVerifier",
)


def run(quick: bool = True, *, tiny: bool = False, progress: Any = None) -> dict[str, Any]:
    """Measure every algorithm; return per-contender nanoseconds and ratios."""
    plan = Plan.for_mode(quick, tiny=tiny)
    results: dict[str, Any] = {"plan": {"rounds": plan.rounds, "batch_ms": plan.batch_ms}}
    algorithms: dict[str, Any] = {}
    hits: dict[str, Any] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # deprecation and "EdDSA is deprecated" notices of peers
        warnings.showwarning = _quiet  # authlib re-enables its own deprecation warning
        for alg in ALGORITHMS:
            if progress:
                progress(f"verify {alg}")
            material = Material.make(alg)
            claims = claims_for(1)
            token = material.token(claims)
            fns = contenders_for(material, token, claims)
            hits[alg] = (fns["jwtguard (cache hit)"], token)
            measured = compare({n: (fn, token) for n, fn in fns.items()}, plan)
            floor, dict_floor = measured["floor"], measured["floor: dict + exp"]
            algorithms[alg] = {
                name: {
                    "median_ns": r.median_ns,
                    "quartiles_ns": r.spread(),
                    "vs_floor": r.ratio_to(floor),
                    "vs_dict_floor": r.ratio_to(dict_floor),
                    "vs_jwtguard_uncached": r.ratio_to(measured["jwtguard (uncached)"]),
                    "min_ns": min(r.samples),
                    "vs_floor_best": min(r.samples) / min(floor.samples),
                    "vs_dict_floor_best": min(r.samples) / min(dict_floor.samples),
                }
                for name, r in measured.items()
            }
        if progress:
            progress("verify: cache hits of all algorithms side by side")
        measured = compare(hits, plan)
        cheapest = min(measured.values(), key=lambda r: r.median_ns)
        results["hit_by_algorithm"] = {
            alg: {"median_ns": r.median_ns, "vs_cheapest": r.ratio_to(cheapest)}
            for alg, r in measured.items()
        }
        if progress:
            progress("verify: payload growth, 400 B and 1.6 KB side by side")
        results["growth"] = growth(plan)
    results["algorithms"] = algorithms
    results["targets"] = targets(algorithms, results["hit_by_algorithm"], results["growth"])
    return results


def growth(plan: Plan) -> dict[str, Any]:
    """Uncached HS256 and its floor on a small and a large payload (nested role objects,
    see :func:`claims_of_size`), all four in the same rounds.

    ``relative_growth`` is jwtguard's growth over the floor's. The absolute limit
    (:data:`GROWTH_TARGET`) cannot be met together with the uncached one: every verifier
    base64-decodes, MACs and parses the whole payload, so the floor itself grows (1.68x
    in the 13:45 run); with jwtguard at ``k`` times the floor on both sizes it grows as
    much as the floor; to grow only 1.3x it would need a fixed extra cost of about 1.3x the
    floor on the small token, i.e. be 2.3x the floor there, not 1.3x (see
    :func:`needed_small_ratio`).
    """
    material = Material.make("HS256")
    uncached, floor = jwtguard_verifier(material, 0), floor_verifier(material)
    runs: dict[str, Any] = {}
    for size in GROWTH_SIZES:
        claims = claims_of_size(size)
        token = material.token(claims)
        for name, fn in (("jwtguard (uncached)", uncached), ("floor", floor)):
            check_contender(name, fn, token, tamper(token), claims["sub"])
            runs[f"{name} {size}"] = (fn, token)
    measured = compare(runs, plan)
    small, large = GROWTH_SIZES
    name = "jwtguard (uncached)"
    ours = measured[f"{name} {large}"].ratio_to(measured[f"{name} {small}"])
    floor_growth = measured[f"floor {large}"].ratio_to(measured[f"floor {small}"])
    return {
        "payload_bytes": list(GROWTH_SIZES),
        "median_ns": {name: r.median_ns for name, r in measured.items()},
        "jwtguard_growth": ours,
        "floor_growth": floor_growth,
        "relative_growth": ours / floor_growth,
        "needed_small_ratio": needed_small_ratio(floor_growth),
        "vs_floor": {
            size: measured[f"jwtguard (uncached) {size}"].ratio_to(measured[f"floor {size}"])
            for size in GROWTH_SIZES
        },
    }


def needed_small_ratio(floor_growth: float, limit: float = GROWTH_TARGET) -> float:
    """How many times the floor's cost a verifier must take on the small payload to grow
    only ``limit`` times while the floor grows ``floor_growth`` times (its extra cost at
    least as large on the large payload as on the small one): ``1 + (g - limit) / (limit -
    1)``; 1.0 where the floor itself grows no more than ``limit``."""
    return 1.0 + max(0.0, floor_growth - limit) / (limit - 1.0)


def _quiet(*_args: Any, **_kwargs: Any) -> None:
    pass


def targets(
    algorithms: dict[str, Any],
    hit_by_algorithm: dict[str, Any],
    grown: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """The issue's performance targets, each with its measured value and whether it is met."""
    out: list[dict[str, Any]] = []
    for alg, rows in algorithms.items():
        hit = rows["jwtguard (cache hit)"]
        out.append(
            _target(
                f"{alg}: cache hit <= {HIT_TARGET}x dict+exp floor",
                hit["vs_dict_floor"],
                HIT_TARGET,
                hit.get("vs_dict_floor_best"),
            )
        )
        uncached = rows["jwtguard (uncached)"]
        limit = UNCACHED_TARGET[alg]
        out.append(
            _target(
                f"{alg}: uncached <= {limit}x floor",
                uncached["vs_floor"],
                limit,
                uncached.get("vs_floor_best"),
            )
        )
        peers = [p for p in PEERS if p in rows]
        fastest = min(peers, key=lambda p: rows[p]["vs_jwtguard_uncached"])
        ratio = rows[fastest]["vs_jwtguard_uncached"]
        out.append(
            {
                "target": f"{alg}: uncached faster than every peer (fastest: {fastest})",
                "measured": ratio,
                "limit": 1.0,
                "met": ratio > 1.0,
                "unit": "peer / jwtguard",
            }
        )
    if grown:
        small, large = grown["payload_bytes"]
        out.append(
            _target(
                f"HS256: uncached cost from a {small}-byte to a {large}-byte payload "
                f"<= {GROWTH_TARGET}x (the floor's own growth: "
                f"{grown['floor_growth']:.2f}x)",
                grown["jwtguard_growth"],
                GROWTH_TARGET,
            )
        )
        if "relative_growth" in grown:
            out.append(
                _target(
                    f"HS256: uncached growth from a {small}-byte to a {large}-byte payload "
                    f"over the floor's own growth <= {RELATIVE_GROWTH_TARGET}x",
                    grown["relative_growth"],
                    RELATIVE_GROWTH_TARGET,
                )
            )
    spread = max(row["vs_cheapest"] for row in hit_by_algorithm.values())
    out.append(
        {
            "target": "cache-hit cost independent of algorithm (dearest / cheapest, side by side)",
            "measured": spread,
            "limit": 1.25,
            "met": spread <= 1.25,
            "unit": "x",
        }
    )
    return out


def _target(label: str, measured: float, limit: float, best: float | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {
        "target": label,
        "measured": measured,
        "limit": limit,
        "met": measured <= limit,
        "unit": "x",
    }
    if best is not None:
        found["best_of_rounds"] = best  # ratio of the fastest batches: least disturbed by load
    return found


def table(results: dict[str, Any]) -> str:
    """A plain-text table: nanoseconds, ratio to the floor and to jwtguard uncached."""
    lines = []
    for alg, rows in results["algorithms"].items():
        lines.append(f"\n{alg}")
        lines.append(f"  {'contender':<22} {'us/token':>9} {'x floor':>8} {'x jwtguard':>10}")
        for name, row in sorted(rows.items(), key=lambda kv: kv[1]["median_ns"]):
            lines.append(
                f"  {name:<22} {row['median_ns'] / 1000:>9.2f} {row['vs_floor']:>8.2f}"
                f" {row['vs_jwtguard_uncached']:>10.2f}"
            )
    grown = results.get("growth")
    if grown:
        lines.append("\npayload growth (HS256, uncached)")
        for name, ns in grown["median_ns"].items():
            lines.append(f"  {name:<28} {ns / 1000:>9.2f} us")
    lines.append("\ntargets")
    for t in results["targets"]:
        mark = "met " if t["met"] else "MISS"
        best = f", best-of-rounds {t['best_of_rounds']:.2f}" if "best_of_rounds" in t else ""
        lines.append(f"  [{mark}] {t['target']}: {t['measured']:.2f}{best} (limit {t['limit']})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    import sys

    args = sys.argv[1:] if argv is None else argv
    results = run(quick="--full" not in args, progress=lambda m: print(m, file=sys.stderr))
    print(table(results))


if __name__ == "__main__":
    main()
