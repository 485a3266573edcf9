"""Remote key sets: a JWKS URL or OpenID Connect discovery, fetched over HTTPS with
single-flight refetch, cooldown, negative caching, stale-if-error and size/time
limits (``pip install jwtguard[jwks]``). See docs/keys.md.
"""

from jwtguard.keys.remote._fetch import check_url
from jwtguard.keys.remote.discovery import DiscoveryError, ProviderMetadata, adiscover, discover
from jwtguard.keys.remote.keyset import RemoteKeySet
from jwtguard.keys.remote.options import JWKSFetchError, JWKSHealth, JWKSOptions

__all__ = [
    "DiscoveryError",
    "JWKSFetchError",
    "JWKSHealth",
    "JWKSOptions",
    "ProviderMetadata",
    "RemoteKeySet",
    "adiscover",
    "check_url",
    "discover",
]
