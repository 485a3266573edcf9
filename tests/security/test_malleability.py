"""Signature malleability: other encodings of a genuine signature.

- ECDSA: ``(r, n - s)`` verifies whenever ``(r, s)`` does; RFC 7518 section 3.4 does not
  forbid it, so a *second* token text exists for the same claims. That is harmless only if
  nothing keys security decisions on the token text: jwtguard revokes by ``jti``, subject or
  family (never by token hash), and the cache consults revocation on every hit, so revoking
  the claims refuses both twins.
- Ed25519 (RFC 8032 section 5.1.7): ``S`` must be below the group order ``L``; ``S + L``
  is a non-canonical twin that a verifier must refuse.
- RSA: a signature is exactly the modulus length (RFC 8017 section 8.2.2); ``s + n``, a
  leading zero byte, or a truncated signature are refused.
"""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from jwtguard import Guard, Key, MemoryRevocationStore, TokenError
from jwtguard.jose import b64url_decode, b64url_encode
from jwtguard.testing import FrozenClock, encode_unchecked, generate_key

NOW = 1_700_000_000
CLAIMS = {"sub": "victim", "jti": "j-1", "exp": NOW + 600, "iat": NOW}
P256_ORDER = int("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16)
ED25519_ORDER = 2**252 + 27742317777372353535851937790883648493


def resigned(token: str, signature: bytes) -> str:
    return token.rpartition(".")[0] + "." + b64url_encode(signature)


def signature_of(token: str) -> bytes:
    return b64url_decode(token.rpartition(".")[2])


def public_guard(key: Key, alg: str, clock: FrozenClock, **options: object) -> Guard:
    public = Key.from_crypto(key.to_crypto(), alg)
    return Guard(public, algorithms=[alg], clock=clock, **options)  # type: ignore[arg-type]


def test_ecdsa_high_s_twin_is_revoked_with_its_claims(verify: Any) -> None:
    clock = FrozenClock(NOW)
    key = generate_key("ES256")
    assert isinstance(key.to_crypto(), ec.EllipticCurvePublicKey)
    store = MemoryRevocationStore(clock=clock)
    guard = public_guard(key, "ES256", clock, revocation=store)
    token = encode_unchecked({"alg": "ES256"}, CLAIMS, key)
    raw = signature_of(token)
    r, s = raw[:32], int.from_bytes(raw[32:], "big")
    twin = resigned(token, r + (P256_ORDER - s).to_bytes(32, "big"))
    assert twin != token
    assert verify(guard, token)["sub"] == "victim"
    assert verify(guard, twin)["sub"] == "victim"  # ECDSA allows it: a second text, same claims
    store.revoke("j-1", CLAIMS["exp"])
    for text in (token, twin):  # both cached, both refused: revocation is by claims, not text
        with pytest.raises(TokenError) as info:
            verify(guard, text)
        assert info.value.code == "revoked"


def test_ed25519_non_canonical_s_is_refused(verify: Any) -> None:
    clock = FrozenClock(NOW)
    key = generate_key("EdDSA")
    guard = public_guard(key, "EdDSA", clock)
    token = encode_unchecked({"alg": "EdDSA"}, CLAIMS, key)
    raw = signature_of(token)
    big_s = int.from_bytes(raw[32:], "little") + ED25519_ORDER
    assert big_s < 2**256
    twin = resigned(token, raw[:32] + big_s.to_bytes(32, "little"))
    assert verify(guard, token)["sub"] == "victim"
    with pytest.raises(TokenError) as info:
        verify(guard, twin)
    assert info.value.code == "invalid_signature"


@pytest.mark.parametrize("alg", ["RS256", "PS256"])
@pytest.mark.parametrize("variant", ["plus-modulus", "leading-zero", "truncated", "empty-ish"])
def test_rsa_signature_encodings_are_refused(alg: str, variant: str, verify: Any) -> None:
    clock = FrozenClock(NOW)
    key = RSA_KEYS[alg]
    guard = public_guard(key, alg, clock)
    token = encode_unchecked({"alg": alg}, CLAIMS, key)
    raw = signature_of(token)
    n = key.to_crypto().public_numbers().n
    size = len(raw)
    forged = {
        "plus-modulus": (int.from_bytes(raw, "big") + n).to_bytes(size + 1, "big"),
        "leading-zero": b"\0" + raw,
        "truncated": raw[1:],
        "empty-ish": b"\0",
    }[variant]
    assert verify(guard, token)["sub"] == "victim"
    with pytest.raises(TokenError) as info:
        verify(guard, resigned(token, forged))
    assert info.value.code == "invalid_signature"


RSA_KEYS = {alg: generate_key(alg) for alg in ("RS256", "PS256")}


@pytest.mark.parametrize("alg", ["RS256", "PS256"])
def test_rsa_signature_without_its_leading_zero_byte_is_refused(alg: str, verify: Any) -> None:
    """A signature below 2**(8 * (k - 1)) begins with a zero byte; dropped, the same integer
    remains, and OpenSSL verifies it under PSS (not PKCS #1 v1.5). PSS signatures are
    randomised: tokens are signed until one begins with zero (1 in 256; for RS256, where
    signing is deterministic, the jti varies)."""
    clock = FrozenClock(NOW)
    key = RSA_KEYS[alg]
    guard = public_guard(key, alg, clock)
    for attempt in range(20_000):
        token = encode_unchecked({"alg": alg}, {**CLAIMS, "jti": f"j-{attempt}"}, key)
        raw = signature_of(token)
        if raw[0] == 0:
            break
    else:  # pragma: no cover - about e**-78
        pytest.fail("no signature with a leading zero byte")
    assert verify(guard, token)["sub"] == "victim"
    with pytest.raises(TokenError) as info:
        verify(guard, resigned(token, raw[1:]))
    assert info.value.code == "invalid_signature"
