"""Keys: each bound to one algorithm family when loaded (:class:`Key`), selected by
``kid`` (:class:`KeySet`), coerced from what users pass (:mod:`.coerce`), exported as
JWK or PEM (:mod:`.export`), and fetched from JWKS URLs or OIDC discovery
(:mod:`jwtguard.keys.remote`).
"""

from jwtguard.keys.key import Key
from jwtguard.keys.keyset import KeySet, SkippedKey
from jwtguard.keys.remote import JWKSFetchError, JWKSHealth, JWKSOptions, RemoteKeySet

__all__ = [
    "JWKSFetchError",
    "JWKSHealth",
    "JWKSOptions",
    "Key",
    "KeySet",
    "RemoteKeySet",
    "SkippedKey",
]
