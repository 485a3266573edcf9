"""The verifiers ``benchmarks.verify`` times: jwtguard, peers, and hand-written floors.

Each is a callable ``token -> claims`` that raises on any failure; a peer that is
not installed, or lacks the algorithm, is left out.
"""

from __future__ import annotations

import binascii
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from benchmarks._material import AUDIENCE, ISSUER, Material, tamper

__all__ = ["Verifier", "check_contender", "contenders_for", "floor_verifier", "jwtguard_verifier"]

Verifier = Callable[[str], Any]


def _b64d(segment: str) -> bytes:
    return binascii.a2b_base64(
        segment.encode("ascii").translate(_URLSAFE) + b"=" * (-len(segment) % 4)
    )


_URLSAFE = bytes.maketrans(b"-_", b"+/")


def floor_verifier(material: Material) -> Verifier:
    """The least a correct verifier must do, on the standard library and ``cryptography``."""
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


def jwtguard_verifier(material: Material, cache_size: int) -> Verifier:
    """``Guard.verify`` as the benchmarks configure it (``cache_size=0``: uncached)."""
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


def _fastmcp(material: Material) -> Verifier:
    """FastMCP's ``JWTVerifier`` (async); its coroutine is run to completion by hand: with a
    static key it awaits nothing, so no event loop's cost is counted against it."""
    from fastmcp.server.auth.providers.jwt import JWTVerifier

    verifier = JWTVerifier(
        public_key=material.verify_text, issuer=ISSUER, audience=AUDIENCE, algorithm=material.alg
    )

    def verify(token: str) -> Any:
        coroutine = verifier.verify_token(token)
        try:
            coroutine.send(None)
        except StopIteration as done:
            if done.value is None:
                raise ValueError("refused") from None
            return done.value.claims
        coroutine.close()
        raise RuntimeError("FastMCP's JWTVerifier waited for I/O")

    return verify


def contenders_for(material: Material, token: str, claims: dict[str, Any]) -> dict[str, Verifier]:
    """Every available contender for one algorithm, each already checked for correctness.

    A peer that is not installed or does not support the algorithm is left out.
    """
    builders: dict[str, Callable[[], Verifier | None]] = {
        "jwtguard (cache hit)": lambda: jwtguard_verifier(material, 10_000),
        "jwtguard (uncached)": lambda: jwtguard_verifier(material, 0),
        "PyJWT, key as text": lambda: _pyjwt(material, parsed=False),
        "PyJWT, parsed key": lambda: _pyjwt(material, parsed=True),
        "joserfc": lambda: _joserfc(material),
        "authlib": lambda: _authlib(material),
        "python-jose": lambda: _python_jose(material),
        "jwcrypto": lambda: _jwcrypto(material),
        "FastMCP JWTVerifier": lambda: _fastmcp(material),
        "floor": lambda: floor_verifier(material),
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
