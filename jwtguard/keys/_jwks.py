"""Reading a JWKS document (RFC 7517 section 5) into keys, skipping what cannot be used.

Identity providers publish keys jwtguard cannot or must not verify with: encryption
keys, ECDH curves, retired small RSA keys, keys with sloppy encodings. Each is skipped
with a fixed reason (never key material); the usable keys load as usual. Only what is
dangerous or ambiguous as a whole fails the document: secrets beside public keys, or two
keys of one type under one ``kid``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from jwtguard.errors import KeyLoadError
from jwtguard.jose.algorithms import ALGORITHM_FAMILY, FAMILY_ALGORITHMS, OKP_CURVE_ALGORITHMS
from jwtguard.keys.key import Key, as_algorithms, describe_key

__all__ = ["SkippedKey", "read_jwks"]

_EC_CURVE_ALGORITHM = {"P-256": "ES256", "P-384": "ES384", "P-521": "ES512", "secp256k1": "ES256K"}


@dataclass(frozen=True, slots=True)
class SkippedKey:
    """A key of a JWKS that was not loaded, and why (a fixed text: no key material)."""

    kid: str | None
    reason: str


def read_jwks(
    jwks: Mapping[str, Any], algorithms: str | Iterable[str] | None, *, skip_unusable: bool
) -> tuple[list[Key], list[SkippedKey]]:
    """The keys of ``jwks`` bound to ``algorithms``, and those skipped.

    Without ``algorithms``, a JWK's own ``alg`` (or its curve) binds it; an RSA JWK
    without ``alg`` then holds every RSA algorithm and is marked unbound, for the
    Guard to bind by its allow-list. With ``skip_unusable=False`` the first key that
    cannot be used raises :class:`KeyLoadError` instead.
    """
    if not isinstance(jwks, Mapping) or not isinstance(jwks.get("keys"), list):
        raise KeyLoadError("a JWKS must be a JSON object with a 'keys' array")
    _refuse_ambiguous_kids(jwks["keys"])
    requested = as_algorithms(algorithms)
    keys: list[Key] = []
    skipped: list[SkippedKey] = []
    for jwk in jwks["keys"]:
        try:
            key = _load(jwk, requested)
        except KeyLoadError as exc:
            if not skip_unusable:
                raise
            kid = jwk.get("kid") if isinstance(jwk, Mapping) else None
            kid = kid if isinstance(kid, str) else None
            skipped.append(SkippedKey(kid, _reason(str(exc), kid)))
            continue
        keys.append(key)
    if len({k.family == "oct" for k in keys}) > 1:
        # A JWKS is made to be published (RFC 7517); a secret beside public keys is a
        # leak or a mistake. Wycheproof's MixedKeySet vectors expect the set refused.
        raise KeyLoadError("a JWKS must not mix HMAC secrets with public keys")
    return keys, skipped


def _refuse_ambiguous_kids(entries: list[Any]) -> None:
    """Two signature keys of one type under one ``kid``: which is meant cannot be told,
    even when one of them would be skipped (Wycheproof: DuplicateKid)."""
    seen: set[tuple[str, object]] = set()
    for jwk in entries:
        if not isinstance(jwk, Mapping) or jwk.get("use") not in (None, "sig"):
            continue
        kid = jwk.get("kid")
        if isinstance(kid, str):
            if (kid, jwk.get("kty")) in seen:
                raise KeyLoadError(f"duplicate key id {kid[:64]!r} in one key set")
            seen.add((kid, jwk.get("kty")))


def _load(jwk: Any, requested: tuple[str, ...] | None) -> Key:
    if not isinstance(jwk, Mapping):
        raise KeyLoadError("not a JSON object")
    if "kid" in jwk and not isinstance(jwk["kid"], str):
        raise KeyLoadError("'kid' is not a string")
    if requested is None:
        return _load_as_published(jwk)
    fitting = _fitting(jwk, requested)
    alg = jwk.get("alg")
    if not fitting or (alg is not None and alg not in fitting):
        _load_as_published(jwk)  # an unusable key says why; a usable one fits nothing allowed
        raise KeyLoadError(f"{describe_key(jwk.get('kid'))}: no allowed algorithm fits this key")
    return Key.from_jwk(jwk, fitting)


def _load_as_published(jwk: Mapping[str, Any]) -> Key:
    """Bound by its ``alg`` or curve; an RSA key without ``alg`` holds its family, unbound."""
    if jwk.get("kty") == "RSA" and jwk.get("alg") is None:
        return Key.from_jwk(jwk, sorted(FAMILY_ALGORITHMS["RSA"])).unbound()
    return Key.from_jwk(jwk)


def _fitting(jwk: Mapping[str, Any], requested: tuple[str, ...]) -> tuple[str, ...]:
    """The requested algorithms that fit this JWK's type and curve (one list, a mixed set)."""
    kty, crv = jwk.get("kty"), str(jwk.get("crv"))
    fitting = tuple(a for a in requested if ALGORITHM_FAMILY.get(a) == kty)
    if kty == "EC":
        return tuple(a for a in fitting if a == _EC_CURVE_ALGORITHM.get(crv))
    if kty == "OKP":
        return tuple(a for a in fitting if a in OKP_CURVE_ALGORITHMS.get(crv, ()))
    return fitting


def _reason(message: str, kid: str | None) -> str:
    prefix = describe_key(kid) + ": "
    return message[len(prefix) :] if message.startswith(prefix) else message
