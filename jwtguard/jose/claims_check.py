"""The claims layer: a pure function of (payload, policy, now) (RFC 7519 section 4.1)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from jwtguard.errors import (
    ExpiredTokenError,
    InvalidAudienceError,
    InvalidClaimError,
    InvalidIssuerError,
    IssuedInFutureError,
    MissingClaimError,
    NotYetValidError,
)

if TYPE_CHECKING:
    from jwtguard.policy import Policy

__all__ = ["validate_claims"]

_STRING_CLAIMS = ("sub", "jti")


def _numeric_date(payload: dict[str, Any], name: str) -> float | None:
    value = payload.get(name)
    if value is None:
        if name in payload:  # JSON null is not a NumericDate
            raise InvalidClaimError(name, "type", f"The '{name}' claim must be a number.")
        return None
    # bool is an int subclass; "123" is a string: neither is a NumericDate.
    if type(value) is not int and type(value) is not float:
        raise InvalidClaimError(name, "type", f"The '{name}' claim must be a number.")
    if not math.isfinite(value) or not -(2**53) <= value <= 2**53:
        raise InvalidClaimError(name, "range", f"The '{name}' claim is out of range.")
    return float(value)


def validate_claims(payload: dict[str, Any], policy: Policy, now: float) -> float:
    """Check every registered claim rule; return the time until which the token stays valid.

    The returned time is ``exp + leeway`` (``math.inf`` without ``exp``): the
    verified-token cache never keeps an entry past it.
    """
    for name in policy.require:
        if name not in payload:
            raise MissingClaimError(name, "missing", f"The '{name}' claim is required.")
    leeway = policy.leeway
    exp = _numeric_date(payload, "exp")
    valid_until = math.inf
    if exp is not None:
        valid_until = exp + leeway
        if now >= valid_until:
            raise ExpiredTokenError("exp", "expired")
    nbf = _numeric_date(payload, "nbf")
    if nbf is not None and now + leeway < nbf:
        raise NotYetValidError("nbf", "future")
    iat = _numeric_date(payload, "iat")
    if iat is not None:
        if now + leeway < iat:
            raise IssuedInFutureError("iat", "future")
        if policy.max_age is not None:
            too_old_at = iat + policy.max_age + leeway
            if now >= too_old_at:
                raise ExpiredTokenError("iat", "too_old", "The access token is too old.")
            valid_until = min(valid_until, too_old_at)
    _check_issuer(payload, policy)
    _check_audience(payload, policy)
    for name in _STRING_CLAIMS:
        if name in payload and not isinstance(payload[name], str):
            raise InvalidClaimError(name, "type", f"The '{name}' claim must be a string.")
    return valid_until


def _check_issuer(payload: dict[str, Any], policy: Policy) -> None:
    iss = payload.get("iss")
    if "iss" in payload and not isinstance(iss, str):
        raise InvalidClaimError("iss", "type", "The 'iss' claim must be a string.")
    if policy.issuer:
        if iss is None:
            raise MissingClaimError("iss", "missing", "The 'iss' claim is required.")
        if iss not in policy.issuer:  # whole-string equality: no prefix or substring match
            raise InvalidIssuerError("iss", "mismatch")


def _check_audience(payload: dict[str, Any], policy: Policy) -> None:
    if "aud" not in payload:
        if policy.audience:
            raise MissingClaimError("aud", "missing", "The 'aud' claim is required.")
        return
    aud = payload["aud"]
    if isinstance(aud, str):
        audiences: tuple[Any, ...] = (aud,)
    elif isinstance(aud, list) and aud and all(isinstance(a, str) for a in aud):
        audiences = tuple(aud)
    else:
        raise InvalidClaimError("aud", "type", "The 'aud' claim must be a string or strings.")
    if not policy.audience:
        # RFC 7519 4.1.3: a recipient that does not identify with a present aud must reject.
        raise InvalidAudienceError("aud", "unexpected")
    if not any(a in policy.audience for a in audiences):
        raise InvalidAudienceError("aud", "mismatch")
