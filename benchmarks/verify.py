"""Per-token verification cost: jwtguard against its peers and against hand-written floors.

Every contender is configured to do the same work: check the signature with an
allow-listed algorithm, require ``exp`` and check it (and ``nbf``/``iat`` where
the library does so by default), and compare ``aud`` and ``iss`` exactly. Each
one must accept the token and reject a tampered copy before it is timed.

Run alone with ``python -m benchmarks.verify [--full]`` to print the ratio table.
"""

from __future__ import annotations

import binascii
import hmac
import json
import time
import warnings
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from benchmarks._material import ALGORITHMS, AUDIENCE, ISSUER, Material, claims_for, tamper
from benchmarks._timing import Plan, compare

__all__ = ["CONFIGURATION", "TARGETS", "contenders_for", "main", "run"]

Verifier = Callable[[str], Any]

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
    "floor": "hand-written on the standard library and cryptography: split, base64url, header "
    "JSON and alg check, HMAC (hmac.digest) or signature verify, payload JSON, exp/aud/iss",
    "floor: dict + exp": "a dict look-up of the token and a comparison of its exp with "
    "time.time(): the least any cache can do",
}

TARGETS = (
    ("cache hit / dict+exp floor", "jwtguard (cache hit)", "floor: dict + exp", 2.0),
    ("uncached / floor", "jwtguard (uncached)", "floor", None),
)
UNCACHED_TARGET = {"HS256": 1.5, "RS256": 1.2, "ES256": 1.2, "EdDSA": 1.2}
PEERS = ("PyJWT, key as text", "PyJWT, parsed key", "joserfc", "authlib", "python-jose", "jwcrypto")


# -- floors -----------------------------------------------------------------------------


def _b64d(segment: str) -> bytes:
    return binascii.a2b_base64(
        segment.encode("ascii").translate(_URLSAFE) + b"=" * (-len(segment) % 4)
    )


_URLSAFE = bytes.maketrans(b"-_", b"+/")


def _floor(material: Material) -> Verifier:
    alg = material.alg
    key = material.verify_key
    check: Callable[[bytes, bytes], None]
    if alg == "HS256":

        def check(message: bytes, signature: bytes) -> None:
            if not hmac.compare_digest(hmac.digest(key, message, "sha256"), signature):
                raise ValueError("bad signature")

    elif alg == "RS256":
        pkcs1, sha256 = padding.PKCS1v15(), hashes.SHA256()

        def check(message: bytes, signature: bytes) -> None:
            key.verify(signature, message, pkcs1, sha256)

    elif alg == "ES256":
        ecdsa = ec.ECDSA(hashes.SHA256())

        def check(message: bytes, signature: bytes) -> None:
            if len(signature) != 64:
                raise ValueError("bad signature length")
            r = int.from_bytes(signature[:32], "big")
            s = int.from_bytes(signature[32:], "big")
            key.verify(encode_dss_signature(r, s), message, ecdsa)

    else:

        def check(message: bytes, signature: bytes) -> None:
            key.verify(signature, message)

    loads, now = json.loads, time.time

    def verify(token: str) -> dict[str, Any]:
        header_seg, payload_seg, signature_seg = token.split(".")
        if loads(_b64d(header_seg)).get("alg") != alg:
            raise ValueError("algorithm")
        check(token[: len(header_seg) + len(payload_seg) + 1].encode("ascii"), _b64d(signature_seg))
        claims: dict[str, Any] = loads(_b64d(payload_seg))
        exp = claims["exp"]
        if type(exp) not in (int, float) or now() >= exp:
            raise ValueError("expired")
        if claims.get("aud") != AUDIENCE or claims.get("iss") != ISSUER:
            raise ValueError("audience or issuer")
        return claims

    return verify


def _dict_floor(token: str, claims: dict[str, Any]) -> Verifier:
    entries = {token: (claims, float(claims["exp"]))}
    get, now = entries.get, time.time

    def verify(token: str) -> dict[str, Any]:
        entry = get(token)
        if entry is None or now() >= entry[1]:
            raise KeyError("not cached")
        return entry[0]

    return verify


# -- contenders -------------------------------------------------------------------------


def _jwtguard(material: Material, cache_size: int) -> Verifier:
    from jwtguard import Guard

    key = material.verify_text if material.alg != "HS256" else material.verify_key
    guard = Guard(
        key, algorithms=[material.alg], audience=AUDIENCE, issuer=ISSUER, cache_size=cache_size
    )
    return guard.verify


def _pyjwt(material: Material, parsed: bool) -> Verifier:
    import jwt

    key: Any = jwt.PyJWK(material.public_jwk) if parsed else material.verify_text
    decode, algs = jwt.decode, [material.alg]
    options: Any = {"require": ["exp"]}

    def verify(token: str) -> Any:
        return decode(
            token, key, algorithms=algs, audience=AUDIENCE, issuer=ISSUER, options=options
        )

    return verify


def _joserfc(material: Material) -> Verifier:
    from joserfc import jwk, jwt

    key: Any
    if material.alg == "HS256":
        key = jwk.OctKey.import_key(material.verify_key)
    else:
        key = jwk.import_key(material.public_jwk)
    registry = jwt.JWTClaimsRegistry(
        exp={"essential": True},
        aud={"essential": True, "value": AUDIENCE},
        iss={"essential": True, "value": ISSUER},
    )
    decode, algs, validate = jwt.decode, [material.alg], registry.validate

    def verify(token: str) -> Any:
        claims = decode(token, key, algorithms=algs).claims
        validate(claims)
        return claims

    return verify


def _authlib(material: Material) -> Verifier:
    from authlib.jose import JsonWebKey, JsonWebToken

    key = JsonWebKey.import_key(material.public_jwk)
    decoder = JsonWebToken([material.alg])
    options = {
        "exp": {"essential": True},
        "aud": {"essential": True, "value": AUDIENCE},
        "iss": {"essential": True, "value": ISSUER},
    }

    def verify(token: str) -> Any:
        claims = decoder.decode(token, key, claims_options=options)
        claims.validate()
        return claims

    return verify


def _python_jose(material: Material) -> Verifier | None:
    if material.alg == "EdDSA":
        return None  # python-jose does not implement EdDSA
    from jose import jwt

    decode, key, algs = jwt.decode, material.verify_text, [material.alg]
    options = {"require_exp": True}

    def verify(token: str) -> Any:
        return decode(
            token, key, algorithms=algs, audience=AUDIENCE, issuer=ISSUER, options=options
        )

    return verify


def _jwcrypto(material: Material) -> Verifier:
    from jwcrypto import jwk, jwt

    key = jwk.JWK(**material.public_jwk)
    algs = [material.alg]
    check = {"exp": None, "aud": AUDIENCE, "iss": ISSUER}
    loads, JWT = json.loads, jwt.JWT

    def verify(token: str) -> Any:
        return loads(JWT(jwt=token, key=key, algs=algs, check_claims=check).claims)

    return verify


def contenders_for(material: Material, token: str, claims: dict[str, Any]) -> dict[str, Verifier]:
    """Every available contender for one algorithm, each already checked for correctness.

    A peer that is not installed or does not support the algorithm is left out.
    """
    builders: dict[str, Callable[[], Verifier | None]] = {
        "jwtguard (cache hit)": lambda: _jwtguard(material, 10_000),
        "jwtguard (uncached)": lambda: _jwtguard(material, 0),
        "PyJWT, key as text": lambda: _pyjwt(material, parsed=False),
        "PyJWT, parsed key": lambda: _pyjwt(material, parsed=True),
        "joserfc": lambda: _joserfc(material),
        "authlib": lambda: _authlib(material),
        "python-jose": lambda: _python_jose(material),
        "jwcrypto": lambda: _jwcrypto(material),
        "floor": lambda: _floor(material),
        "floor: dict + exp": lambda: _dict_floor(token, claims),
    }
    forged = tamper(token)
    ready: dict[str, Verifier] = {}
    for name, build in builders.items():
        try:
            fn = build()
        except ImportError:
            continue
        if fn is None:
            continue
        check_contender(name, fn, token, forged, claims["sub"])
        ready[name] = fn
    return ready


def check_contender(name: str, fn: Verifier, token: str, forged: str, sub: str) -> None:
    """Raise ``AssertionError`` unless ``fn`` accepts ``token`` and rejects ``forged``."""
    got = fn(token)
    if got["sub"] != sub:
        raise AssertionError(f"{name} returned the wrong claims")
    try:
        fn(forged)
    except Exception:  # every library has its own error tree
        return
    raise AssertionError(f"{name} accepted a tampered token")


def run(quick: bool = True, *, tiny: bool = False, progress: Any = None) -> dict[str, Any]:
    """Measure every algorithm; return per-contender nanoseconds and ratios."""
    plan = Plan.for_mode(quick, tiny=tiny)
    results: dict[str, Any] = {"plan": {"rounds": plan.rounds, "batch_ms": plan.batch_ms}}
    algorithms: dict[str, Any] = {}
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
            measured = compare({n: (fn, token) for n, fn in fns.items()}, plan)
            floor, dict_floor = measured["floor"], measured["floor: dict + exp"]
            algorithms[alg] = {
                name: {
                    "median_ns": r.median_ns,
                    "quartiles_ns": r.spread(),
                    "vs_floor": r.ratio_to(floor),
                    "vs_dict_floor": r.ratio_to(dict_floor),
                    "vs_jwtguard_uncached": r.ratio_to(measured["jwtguard (uncached)"]),
                }
                for name, r in measured.items()
            }
    results["algorithms"] = algorithms
    results["targets"] = targets(algorithms)
    return results


def _quiet(*_args: Any, **_kwargs: Any) -> None:
    pass


def targets(algorithms: dict[str, Any]) -> list[dict[str, Any]]:
    """The issue's performance targets, each with its measured value and whether it is met."""
    out: list[dict[str, Any]] = []
    hit_costs = []
    for alg, rows in algorithms.items():
        hit = rows["jwtguard (cache hit)"]["vs_dict_floor"]
        hit_costs.append(rows["jwtguard (cache hit)"]["median_ns"])
        out.append(_target(f"{alg}: cache hit <= 2x dict+exp floor", hit, 2.0))
        uncached = rows["jwtguard (uncached)"]["vs_floor"]
        limit = UNCACHED_TARGET[alg]
        out.append(_target(f"{alg}: uncached <= {limit}x floor", uncached, limit))
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
    spread = max(hit_costs) / min(hit_costs)
    out.append(
        {
            "target": "cache-hit cost independent of algorithm (max/min over algorithms)",
            "measured": spread,
            "limit": 1.25,
            "met": spread <= 1.25,
            "unit": "x",
        }
    )
    return out


def _target(label: str, measured: float, limit: float) -> dict[str, Any]:
    return {
        "target": label,
        "measured": measured,
        "limit": limit,
        "met": measured <= limit,
        "unit": "x",
    }


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
    lines.append("\ntargets")
    for t in results["targets"]:
        mark = "met " if t["met"] else "MISS"
        lines.append(f"  [{mark}] {t['target']}: {t['measured']:.2f} (limit {t['limit']})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    import sys

    args = sys.argv[1:] if argv is None else argv
    results = run(quick="--full" not in args, progress=lambda m: print(m, file=sys.stderr))
    print(table(results))


if __name__ == "__main__":
    main()
