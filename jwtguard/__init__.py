"""jwtguard: JWT authentication in front of existing Python web apps.

The core (this package) is framework-agnostic; adapters for ASGI, WSGI and
Flask live in :mod:`jwtguard.adapters`.
"""

from importlib import metadata as _metadata

from jwtguard._values import Secret
from jwtguard.claims import Claims
from jwtguard.config.settings import Settings
from jwtguard.errors import (
    AlgorithmNotAllowedError,
    BindingRequiredError,
    ClaimError,
    ConfigError,
    CSRFError,
    EncryptedTokenError,
    ExpiredTokenError,
    InsufficientScopeError,
    InvalidAudienceError,
    InvalidClaimError,
    InvalidDPoPProofError,
    InvalidIssuerError,
    InvalidRequestError,
    InvalidSignatureError,
    InvalidTypeError,
    IssuedInFutureError,
    JWTGuardError,
    KeyLoadError,
    MalformedTokenError,
    MissingClaimError,
    MissingTokenError,
    NotYetValidError,
    ReplayCheckUnavailableError,
    RevocationUnavailableError,
    RevokedTokenError,
    TokenBindingError,
    TokenError,
    TokenTooLargeError,
    UnknownIssuerError,
    UnknownKeyError,
    UnsupportedHeaderError,
    UseDPoPNonceError,
)
from jwtguard.guard import Guard, GuardStats
from jwtguard.http.cookies import AuthCookie
from jwtguard.http.csrf import SignedCSRF, csrf_tokens_match, new_csrf_token
from jwtguard.http.security_headers import SecurityHeaders, clear_site_data
from jwtguard.issuer import TokenIssuer
from jwtguard.jose.algorithms import SUPPORTED_ALGORITHMS
from jwtguard.jws import verify_jws
from jwtguard.keys import Key, KeySet, SkippedKey
from jwtguard.keys.remote import JWKSFetchError, JWKSHealth, JWKSOptions, RemoteKeySet
from jwtguard.keys.tenant import Tenant, TenantStats
from jwtguard.oauth import MTLS, DPoP, ForwardedHeaders, ResourceServer
from jwtguard.policy import Policy
from jwtguard.protocols import (
    AsyncKeySource,
    AsyncRevocationStore,
    Clock,
    KeySource,
    ReplayCache,
    RevocationChecker,
    RevocationStore,
)
from jwtguard.refresh import RefreshTokenReusedError, RefreshTokens, TokenPair
from jwtguard.revocation import MemoryReplayCache, MemoryRevocationStore

try:
    __version__ = _metadata.version(__name__)
    """The installed distribution's version: pyproject.toml is the only place it is written."""
except _metadata.PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "MTLS",
    "SUPPORTED_ALGORITHMS",
    "AlgorithmNotAllowedError",
    "AsyncKeySource",
    "AsyncRevocationStore",
    "AuthCookie",
    "BindingRequiredError",
    "CSRFError",
    "ClaimError",
    "Claims",
    "Clock",
    "ConfigError",
    "DPoP",
    "EncryptedTokenError",
    "ExpiredTokenError",
    "ForwardedHeaders",
    "Guard",
    "GuardStats",
    "InsufficientScopeError",
    "InvalidAudienceError",
    "InvalidClaimError",
    "InvalidDPoPProofError",
    "InvalidIssuerError",
    "InvalidRequestError",
    "InvalidSignatureError",
    "InvalidTypeError",
    "IssuedInFutureError",
    "JWKSFetchError",
    "JWKSHealth",
    "JWKSOptions",
    "JWTGuardError",
    "Key",
    "KeyLoadError",
    "KeySet",
    "KeySource",
    "MalformedTokenError",
    "MemoryReplayCache",
    "MemoryRevocationStore",
    "MissingClaimError",
    "MissingTokenError",
    "NotYetValidError",
    "Policy",
    "RefreshTokenReusedError",
    "RefreshTokens",
    "RemoteKeySet",
    "ReplayCache",
    "ReplayCheckUnavailableError",
    "ResourceServer",
    "RevocationChecker",
    "RevocationStore",
    "RevocationUnavailableError",
    "RevokedTokenError",
    "Secret",
    "SecurityHeaders",
    "Settings",
    "SignedCSRF",
    "SkippedKey",
    "Tenant",
    "TenantStats",
    "TokenBindingError",
    "TokenError",
    "TokenIssuer",
    "TokenPair",
    "TokenTooLargeError",
    "UnknownIssuerError",
    "UnknownKeyError",
    "UnsupportedHeaderError",
    "UseDPoPNonceError",
    "clear_site_data",
    "csrf_tokens_match",
    "new_csrf_token",
    "verify_jws",
    "__version__",
]
