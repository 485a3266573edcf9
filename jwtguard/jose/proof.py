"""Proof-of-possession JWTs at the JOSE level: a compact JWS whose header carries the
public key that signed it (a DPoP proof, RFC 9449 section 4.2).

Only the JWS is read here: size, structure, strict base64url, the header (``typ``, an
asymmetric ``alg`` from the allow-list, no ``crit``, a public ``jwk`` and nothing of a
private key) and the payload JSON. Nothing else in the header is used: never ``kid``,
``jku``, ``x5u`` or ``x5c`` (the key is the embedded one). Loading the key and checking
the signature and the claims is the caller's (:mod:`jwtguard.oauth.dpop`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final, NamedTuple

from jwtguard.errors import InvalidDPoPProofError, TokenError
from jwtguard.jose._b64 import b64url_decode
from jwtguard.jose._json import parse_json_object
from jwtguard.jose.algorithms import ALGORITHM_FAMILY

__all__ = [
    "PRIVATE_JWK_MEMBERS",
    "ProofHeader",
    "ProofParts",
    "read_proof_header",
    "read_proof_payload",
    "split_proof",
]

PRIVATE_JWK_MEMBERS: Final = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
"""Members that only a private or secret JWK has (RFC 7518 section 6)."""


@dataclass(frozen=True, slots=True)
class ProofHeader:
    """A proof header that passed every JOSE check: its ``alg`` and public ``jwk``."""

    alg: str
    jwk: dict[str, Any]


class ProofParts(NamedTuple):
    """A compact proof split into what the checks need (header not yet decoded). A named
    tuple: one is made per request, at a third of a frozen dataclass's cost."""

    header_segment: str
    signing_input: bytes
    signature: bytes
    payload_segment: str


_new: Final = tuple.__new__


def split_proof(proof: str, max_bytes: int) -> ProofParts:
    """Split a compact JWS: size cap, three non-empty ASCII segments, the signature
    decoded (strict base64url). The header and payload segments are decoded, as
    strictly, by :func:`read_proof_header` and :func:`read_proof_payload`: a header whose
    exact text already passed (a client's next proof) is never decoded again."""
    if not isinstance(proof, str) or len(proof) > max_bytes:
        raise InvalidDPoPProofError("size")
    segments = proof.split(".")
    if len(segments) != 3 or not all(segments) or not proof.isascii():
        raise InvalidDPoPProofError("malformed")
    header_seg, payload_seg, signature_seg = segments
    try:
        signature = b64url_decode(signature_seg)
    except ValueError:
        raise InvalidDPoPProofError("malformed") from None
    signing_input = proof.encode("ascii")[: len(header_seg) + 1 + len(payload_seg)]
    # tuple.__new__ directly: the named tuple's own __new__ is a Python frame around it
    return _new(ProofParts, (header_seg, signing_input, signature, payload_seg))


def read_proof_header(segment: str, typ: str, algorithms: Iterable[str]) -> ProofHeader:
    """Decode and check a proof header: ``typ`` exactly ``typ`` (case-insensitive, as
    media types are), ``alg`` asymmetric and allowed, no ``crit``, a public ``jwk``."""
    header = _object(segment)
    found_typ = header.get("typ")
    if not isinstance(found_typ, str) or found_typ.lower() != typ:
        raise InvalidDPoPProofError("typ")
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in algorithms or ALGORITHM_FAMILY.get(alg) == "oct":
        raise InvalidDPoPProofError("alg")
    if "crit" in header:  # no extension is understood: RFC 7515 section 4.1.11
        raise InvalidDPoPProofError("crit")
    jwk = header.get("jwk")
    if not isinstance(jwk, dict) or jwk.get("kty") not in ("RSA", "EC", "OKP"):
        raise InvalidDPoPProofError("jwk")
    if PRIVATE_JWK_MEMBERS.intersection(jwk):
        raise InvalidDPoPProofError("jwk")
    return ProofHeader(alg, jwk)


def read_proof_payload(parts: ProofParts) -> dict[str, Any]:
    """The payload's JSON object (read after the signature is checked)."""
    return _object(parts.payload_segment)


def _object(segment: str) -> dict[str, Any]:
    try:
        return parse_json_object(b64url_decode(segment))
    except (ValueError, TokenError):
        raise InvalidDPoPProofError("malformed") from None
