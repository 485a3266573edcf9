"""The signature checks' own encoding work: raw ECDSA ``R || S`` to DER."""

from __future__ import annotations

import random

import pytest
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from jwtguard.jose._signatures import raw_to_der


def _halves(rng: random.Random, size: int) -> list[bytes]:
    """Random halves, and the edges: zero, one, leading zero octets, the high bit set."""
    edges = [bytes(size), bytes(size - 1) + b"\x01", b"\x80" + bytes(size - 1), b"\xff" * size]
    randoms = [rng.randbytes(size) for _ in range(200)]
    zeros = [bytes(n) + rng.randbytes(size - n) for n in range(1, size)]
    return edges + randoms + zeros


@pytest.mark.parametrize("size", [32, 48, 66])  # P-256 and secp256k1, P-384, P-521
def test_raw_to_der_is_what_cryptography_encodes(size: int) -> None:
    rng = random.Random(size)
    halves = _halves(rng, size)
    for r in halves:
        s = rng.choice(halves)
        expected = encode_dss_signature(int.from_bytes(r, "big"), int.from_bytes(s, "big"))
        assert raw_to_der(r, s) == expected
        assert decode_dss_signature(raw_to_der(r, s)) == (
            int.from_bytes(r, "big"),
            int.from_bytes(s, "big"),
        )
