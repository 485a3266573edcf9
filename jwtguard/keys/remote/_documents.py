"""Reading the documents behind a remote key set: OIDC discovery and the JWKS itself.

Pure functions of a fetched document; any problem is a :class:`FetchError`
with a fixed label, so a bad document is recorded and never installed.
"""

from __future__ import annotations

import hashlib
from typing import Any, Final

from jwtguard.errors import ConfigError, KeyLoadError
from jwtguard.jose.algorithms import SUPPORTED_ALGORITHMS
from jwtguard.keys import Key, KeySet
from jwtguard.keys.remote._fetch import FetchError, check_url

__all__ = ["Fingerprints", "LookupTable", "discovery_url", "jwks_uri", "load_jwks", "lookup_table"]

DISCOVERY_PATH: Final = "/.well-known/openid-configuration"

_PRIVATE_MEMBERS: Final = ("d", "p", "q", "dp", "dq", "qi")

Fingerprints = frozenset[tuple[str | None, str]]
LookupTable = dict[str, dict[str | None, tuple[Key, ...]]]


def discovery_url(issuer: str) -> str:
    """Where an OIDC issuer publishes its configuration (OpenID Connect Discovery 1.0, 4)."""
    return issuer.rstrip("/") + DISCOVERY_PATH


def jwks_uri(document: dict[str, Any], issuer: str, *, allow_insecure_http: bool) -> str:
    """The ``jwks_uri`` of a discovery document whose ``issuer`` is exactly ``issuer``."""
    if document.get("issuer") != issuer:
        raise FetchError("issuer_mismatch")
    try:
        return check_url(
            document.get("jwks_uri"), allow_insecure_http=allow_insecure_http, what="jwks_uri"
        )
    except ConfigError:
        raise FetchError("invalid_jwks_uri") from None


def load_jwks(
    document: dict[str, Any], algorithms: tuple[str, ...], max_keys: int
) -> tuple[KeySet, Fingerprints]:
    """The usable keys of a JWKS (see :meth:`KeySet.from_jwks`) and their fingerprints.

    A published JWKS holding an HMAC secret or a private key is refused whole: it is a
    leak, and nothing in it can be trusted. The key set may be empty (all skipped).
    """
    raw_keys = document.get("keys")
    if not isinstance(raw_keys, list):
        raise FetchError("invalid_keys")
    if len(raw_keys) > max_keys:
        raise FetchError("too_many_keys")
    for jwk in raw_keys:
        if isinstance(jwk, dict) and jwk.get("kty") == "oct":
            raise FetchError("secret_in_jwks")  # whoever reads the JWKS could sign
        if isinstance(jwk, dict) and any(m in jwk for m in _PRIVATE_MEMBERS):
            raise FetchError("private_key_in_jwks")
    try:
        keyset = KeySet.from_jwks(document, algorithms)
    except KeyLoadError:
        raise FetchError("invalid_keys") from None
    return keyset, _fingerprints(raw_keys, keyset)


def _fingerprints(raw_keys: list[Any], keyset: KeySet) -> Fingerprints:
    """(kid, digest of public members) per loaded key: a change or removal drops caches."""
    loaded = set(keyset.kids)
    prints = set()
    for jwk in raw_keys:
        if not isinstance(jwk, dict):
            continue
        kid = jwk.get("kid")
        if kid is not None and kid not in loaded:
            continue
        material = "|".join(
            f"{m}={jwk[m]}" for m in ("kty", "crv", "alg", "n", "e", "x", "y", "k") if m in jwk
        )
        digest = hashlib.sha256(material.encode("utf-8", "replace")).hexdigest()
        prints.add((kid if isinstance(kid, str) else None, digest))
    return frozenset(prints)


def lookup_table(keyset: KeySet) -> LookupTable:
    """alg -> kid -> candidates, so a known kid costs two dict look-ups and no allocation."""
    table: LookupTable = {}
    for key in keyset:
        if key.kid is not None:
            for alg in key.algorithms:
                table.setdefault(alg, {})[key.kid] = tuple(keyset.find(key.kid, alg))
    for alg in SUPPORTED_ALGORITHMS:
        anonymous = tuple(keyset.find(None, alg))
        if anonymous:
            table.setdefault(alg, {})[None] = anonymous
    return table
