"""Errors raised by jwtguard.

Every failure to verify a token is a :class:`TokenError` with a stable ``code``
(safe to log, to count and to match on) and the RFC 6750 ``error`` it maps to::

    JWTGuardError
    +-- TokenError                  code               RFC 6750 error
    |   +-- MalformedTokenError     malformed          invalid_token
    |   +-- EncryptedTokenError     encrypted_token    invalid_token
    |   +-- TokenTooLargeError      token_too_large    invalid_token
    |   +-- InvalidSignatureError   invalid_signature  invalid_token
    |   +-- AlgorithmNotAllowedError algorithm_not_allowed invalid_token
    |   +-- UnknownKeyError         unknown_key        invalid_token
    |   +-- UnsupportedHeaderError  unsupported_header invalid_token
    |   +-- ClaimError              (claim, reason)    invalid_token
    |   |   +-- ExpiredTokenError   expired
    |   |   +-- NotYetValidError    not_yet_valid
    |   |   +-- IssuedInFutureError issued_in_future
    |   |   +-- InvalidAudienceError invalid_audience
    |   |   +-- InvalidIssuerError  invalid_issuer
    |   |   |   +-- UnknownIssuerError unknown_issuer
    |   |   +-- MissingClaimError   missing_claim
    |   |   +-- InvalidClaimError   invalid_claim
    |   |   +-- InvalidTypeError    invalid_type
    |   +-- RevokedTokenError       revoked            invalid_token
    |   +-- RevocationUnavailableError revocation_unavailable (503, retry_after)
    |   |   +-- ReplayCheckUnavailableError replay_check_unavailable (503)
    |   +-- InsufficientScopeError  insufficient_scope insufficient_scope
    |   +-- InvalidRequestError     invalid_request    invalid_request
    |   +-- MissingTokenError       missing_token      (none: a bare challenge)
    |   +-- CSRFError               csrf               (none: 403, no challenge)
    |   +-- InvalidDPoPProofError   invalid_dpop_proof invalid_dpop_proof (RFC 9449)
    |   |   +-- UseDPoPNonceError   use_dpop_nonce     use_dpop_nonce (with a fresh nonce)
    |   +-- TokenBindingError       token_binding      invalid_token
    |   +-- BindingRequiredError    binding_required   invalid_token
    +-- ConfigError                 bad configuration, raised at start-up
    +-- KeyLoadError                a key that cannot be loaded or is unsafe

The whole tree is one module on purpose (longer than most): its codes, RFC 6750
mappings and messages are the public contract, read and reviewed in one place.

Messages are fixed strings chosen here. They never contain the token, key
material, a header value chosen by the sender (such as ``kid``), or a claim set.

Kept whole: the error tree is one hierarchy, drawn above and read top to bottom;
each class is a few lines (a docstring, a code, its RFC 6750 error).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar, Final

__all__ = [
    "AlgorithmNotAllowedError",
    "BindingRequiredError",
    "CSRFError",
    "ClaimError",
    "ConfigError",
    "EncryptedTokenError",
    "ExpiredTokenError",
    "InsufficientScopeError",
    "InvalidAudienceError",
    "InvalidClaimError",
    "InvalidDPoPProofError",
    "InvalidIssuerError",
    "InvalidRequestError",
    "InvalidSignatureError",
    "InvalidTypeError",
    "IssuedInFutureError",
    "JWTGuardError",
    "KeyLoadError",
    "MalformedTokenError",
    "MissingClaimError",
    "MissingTokenError",
    "NotYetValidError",
    "ReplayCheckUnavailableError",
    "RevocationUnavailableError",
    "RevokedTokenError",
    "TokenBindingError",
    "TokenError",
    "TokenTooLargeError",
    "UnknownIssuerError",
    "UnknownKeyError",
    "UnsupportedHeaderError",
    "UseDPoPNonceError",
]

INVALID_TOKEN: Final = "invalid_token"  # noqa: S105 - an RFC 6750 error code
INVALID_REQUEST: Final = "invalid_request"
INSUFFICIENT_SCOPE: Final = "insufficient_scope"
INVALID_DPOP_PROOF: Final = "invalid_dpop_proof"
USE_DPOP_NONCE: Final = "use_dpop_nonce"


class JWTGuardError(Exception):
    """Base class of every exception jwtguard raises on purpose."""


class TokenError(JWTGuardError):
    """A token was not accepted. ``code`` is stable; ``description`` is fixed text."""

    code: ClassVar[str] = "invalid_token"
    rfc6750_error: ClassVar[str] = INVALID_TOKEN
    status_code: ClassVar[int] = 401
    """The HTTP status adapters answer with (RFC 6750 section 3.1)."""
    default_description: ClassVar[str] = "The access token is invalid."
    tenant: str | None = None
    """The issuer of the tenant the token named, when a Guard with ``tenants`` refused it
    after selecting one (for the refusal's log record; None otherwise)."""
    kid: str | None = None
    """The fingerprint of the refused token's ``kid`` (``_values.kid_fingerprint``: 16 hex
    digits of its SHA-256) when verification read the header that far, for the refusal's
    log record; never the ``kid`` itself. None otherwise."""

    def __init__(self, description: str | None = None) -> None:
        self.description = description or self.default_description
        super().__init__(self.description)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, description={self.description!r})"


class MalformedTokenError(TokenError):
    """The token is not a well-formed compact JWS (structure, base64url, JSON)."""

    code = "malformed"
    default_description = "The access token is malformed."


class EncryptedTokenError(TokenError):
    """The token is a compact JWE (five segments, RFC 7516): jwtguard verifies signed tokens
    only, and never decrypts."""

    code = "encrypted_token"
    default_description = "Encrypted tokens (JWE) are not supported."


class TokenTooLargeError(TokenError):
    """The token is longer than the configured maximum; nothing of it was decoded."""

    code = "token_too_large"
    default_description = "The access token is too large."


class InvalidSignatureError(TokenError):
    """The signature does not verify with the selected key."""

    code = "invalid_signature"
    default_description = "The access token signature is invalid."


class AlgorithmNotAllowedError(TokenError):
    """The header's ``alg`` is not allowed for the selected key (or is ``none``)."""

    code = "algorithm_not_allowed"
    default_description = "The access token algorithm is not allowed."


class UnknownKeyError(TokenError):
    """No configured key matches the token's ``kid`` (or no key could be chosen)."""

    code = "unknown_key"
    default_description = "The access token was signed with an unknown key."


class UnsupportedHeaderError(TokenError):
    """The header asks for something jwtguard refuses: unknown ``crit``, ``b64: false``."""

    code = "unsupported_header"
    default_description = "The access token header is not supported."


class ClaimError(TokenError):
    """A registered or required claim failed its check; ``claim`` names it."""

    code = "invalid_claim"
    default_description = "The access token has an invalid claim."

    def __init__(self, claim: str, reason: str, description: str | None = None) -> None:
        self.claim = claim
        self.reason = reason
        super().__init__(description)


class ExpiredTokenError(ClaimError):
    """``exp`` (plus leeway) is in the past."""

    code = "expired"
    default_description = "The access token expired."


class NotYetValidError(ClaimError):
    """``nbf`` (minus leeway) is in the future."""

    code = "not_yet_valid"
    default_description = "The access token is not valid yet."


class IssuedInFutureError(ClaimError):
    """``iat`` (minus leeway) is in the future."""

    code = "issued_in_future"
    default_description = "The access token was issued in the future."


class InvalidAudienceError(ClaimError):
    """``aud`` does not name an accepted audience."""

    code = "invalid_audience"
    default_description = "The access token is not meant for this audience."


class InvalidIssuerError(ClaimError):
    """``iss`` is not exactly the accepted issuer."""

    code = "invalid_issuer"
    default_description = "The access token issuer is not accepted."


class UnknownIssuerError(InvalidIssuerError):
    """``iss`` names no configured tenant, so no key may verify the token."""

    code = "unknown_issuer"
    default_description = "The access token issuer is not accepted."


class MissingClaimError(ClaimError):
    """A required claim is absent."""

    code = "missing_claim"
    default_description = "The access token lacks a required claim."


class InvalidClaimError(ClaimError):
    """A claim has the wrong JSON type or an out-of-range value."""

    code = "invalid_claim"


class InvalidTypeError(ClaimError):
    """The header ``typ`` is not the one the policy requires (e.g. ``at+jwt``)."""

    code = "invalid_type"
    default_description = "The access token type is not accepted."


class RevokedTokenError(TokenError):
    """The token, its family or its subject was revoked."""

    code = "revoked"
    default_description = "The access token was revoked."


class RevocationUnavailableError(TokenError):
    """The revocation store cannot answer (e.g. Redis unreachable) and fails closed.

    Not the client's fault: adapters answer 503 with ``Retry-After: retry_after``.
    """

    code = "revocation_unavailable"
    status_code = 503
    default_description = "Token revocation cannot be checked right now; retry later."

    def __init__(self, retry_after: int = 1, description: str | None = None) -> None:
        self.retry_after = retry_after
        super().__init__(description)


class InsufficientScopeError(TokenError):
    """The token is valid but lacks a scope, role or claim the resource requires."""

    code = "insufficient_scope"
    rfc6750_error = INSUFFICIENT_SCOPE
    status_code = 403
    default_description = "The access token lacks the required scope."

    def __init__(self, required: Iterable[str] = (), description: str | None = None) -> None:
        self.required = tuple(required)
        super().__init__(description)


class InvalidRequestError(TokenError):
    """The request carrying the token is malformed (e.g. two credentials)."""

    code = "invalid_request"
    rfc6750_error = INVALID_REQUEST
    status_code = 400
    default_description = "The request is malformed."


class MissingTokenError(TokenError):
    """No access token was sent: answered 401 with a bare challenge (no error attributes)."""

    code = "missing_token"
    rfc6750_error = ""
    default_description = "An access token is required."


class CSRFError(TokenError):
    """A cookie-borne token on an unsafe request without a valid CSRF header (or origin).

    Answered 403 Forbidden with no ``WWW-Authenticate`` challenge: the request is well
    formed and its token may be good, but the browser could not prove the page that sent
    it is the app's own. RFC 6750's ``invalid_request`` is a 400 for a malformed request,
    and another token would not help, so no RFC 6750 error applies; the body's ``error``
    is ``csrf``, the 403 what Django and most CSRF protections answer.
    """

    code = "csrf"
    rfc6750_error = ""
    status_code = 403
    default_description = "The request lacks a valid CSRF token."


class ReplayCheckUnavailableError(RevocationUnavailableError):
    """The store of used DPoP proof ids (``jti``) cannot answer, or is full: the proof
    cannot be proved fresh, so the request is refused (503, ``Retry-After``)."""

    code = "replay_check_unavailable"
    default_description = "DPoP proof replay cannot be checked right now; retry later."


class InvalidDPoPProofError(TokenError):
    """The DPoP proof (RFC 9449 section 4.3) is missing, malformed, badly signed, stale,
    replayed, or made for another method, URL or access token. ``reason`` names the
    check that failed (a fixed word: ``signature``, ``htu``, ``replayed``, ...)."""

    code = "invalid_dpop_proof"
    rfc6750_error = INVALID_DPOP_PROOF
    default_description = "The DPoP proof is invalid."

    def __init__(self, reason: str = "invalid", description: str | None = None) -> None:
        self.reason = reason
        super().__init__(description)


class UseDPoPNonceError(InvalidDPoPProofError):
    """The resource requires a server-provided nonce in DPoP proofs (RFC 9449 section 9)
    and the proof has none, or a stale one: answered with ``DPoP-Nonce: nonce``."""

    code = "use_dpop_nonce"
    rfc6750_error = USE_DPOP_NONCE
    default_description = "Resource server requires nonce in DPoP proof."

    def __init__(self, nonce: str) -> None:
        self.nonce = nonce
        super().__init__("nonce")


class TokenBindingError(TokenError):
    """The access token is sender-constrained (``cnf``, RFC 7800) and the request does not
    prove possession of its key or certificate: a DPoP-bound token sent as ``Bearer``,
    a proof made with another key, a missing or different client certificate, or a
    confirmation method jwtguard cannot check."""

    code = "token_binding"
    default_description = "The access token is not bound to the presented key or certificate."


class BindingRequiredError(TokenError):
    """The route accepts sender-constrained tokens only (DPoP or certificate-bound), and
    the token is a plain bearer token."""

    code = "binding_required"
    default_description = "This resource requires a sender-constrained access token."


class ConfigError(JWTGuardError, ValueError):
    """Configuration is invalid. ``problems`` lists each problem, one line each."""

    def __init__(self, problems: str | Iterable[str]) -> None:
        self.problems = (problems,) if isinstance(problems, str) else tuple(problems)
        if len(self.problems) == 1:
            message = self.problems[0]
        else:
            message = "invalid jwtguard configuration:\n" + "\n".join(
                f"  - {p}" for p in self.problems
            )
        super().__init__(message)


class KeyLoadError(ConfigError):
    """A key could not be loaded, is too weak, or does not fit its algorithm."""
