"""The claims layer: a pure function of (payload, policy, now) (RFC 7519 section 4.1)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

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

__all__ = ["NUMERIC_DATE_CLAIMS", "STRING_CLAIMS", "check_registered_claims", "validate_claims"]

NUMERIC_DATE_CLAIMS: Final = ("exp", "nbf", "iat")
"""Registered claims whose value is a NumericDate: a JSON number of seconds since 1970."""
STRING_CLAIMS: Final = ("iss", "sub", "jti")
"""Registered claims whose value is a string (``aud`` is a string or a list of strings)."""
_PROFILE_STRINGS = ("client_id", "scope")


def _numeric_date(payload: Mapping[str, Any], name: str) -> float | None:
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


_SAFE: Final = 2**53
"""NumericDates beyond +-2**53 seconds are refused: past it floats lose whole seconds."""


def validate_claims(payload: Mapping[str, Any], policy: Policy, now: float) -> float:
    """Check every registered claim rule; return the time until which the token stays valid.

    The returned time is ``exp + leeway`` (``math.inf`` without ``exp``): the
    verified-token cache never keeps an entry past it.
    """
    for name in policy.require:
        if name not in payload:
            raise MissingClaimError(name, "missing", f"The '{name}' claim is required.")
    # Each claim is read once: the common shape (integer dates, string iss/aud/sub/jti)
    # is decided inline; anything else goes through the general rule, which says why.
    get, leeway = payload.get, policy.leeway
    exp = get("exp")
    if type(exp) is not int or not -_SAFE <= exp <= _SAFE:
        exp = _numeric_date(payload, "exp")
    valid_until = math.inf
    if exp is not None:
        valid_until = exp + leeway
        if now >= valid_until:
            raise ExpiredTokenError("exp", "expired")
    nbf = get("nbf")
    if type(nbf) is not int or not -_SAFE <= nbf <= _SAFE:
        nbf = _numeric_date(payload, "nbf")
    if nbf is not None and now + leeway < nbf:
        raise NotYetValidError("nbf", "future")
    iat = get("iat")
    if type(iat) is not int or not -_SAFE <= iat <= _SAFE:
        iat = _numeric_date(payload, "iat")
    if iat is not None:
        if now + leeway < iat:
            raise IssuedInFutureError("iat", "future")
        if policy.max_age is not None:
            too_old_at = iat + policy.max_age + leeway
            if now >= too_old_at:
                raise ExpiredTokenError("iat", "too_old", "The access token is too old.")
            valid_until = min(valid_until, too_old_at)
    iss = get("iss")
    if type(iss) is not str:
        _check_issuer(payload, policy)
    elif policy.issuer and iss not in policy.issuer:  # whole-string equality
        raise InvalidIssuerError("iss", "mismatch")
    aud = get("aud")
    if type(aud) is not str or not policy.audience:
        _check_audience(payload, policy)
    elif aud not in policy.audience:
        raise InvalidAudienceError("aud", "mismatch")
    if type(get("sub", "")) is not str or type(get("jti", "")) is not str:
        _check_strings(payload)
    if policy.profile is not None:  # RFC 9068 section 2.2
        for name in _PROFILE_STRINGS:
            if name in payload and not isinstance(payload[name], str):
                raise InvalidClaimError(name, "type", f"The '{name}' claim must be a string.")
    return valid_until


def check_registered_claims(payload: Mapping[str, Any]) -> None:
    """The rules of :func:`validate_claims` that need no policy and no clock.

    Types and ranges: ``exp``/``nbf``/``iat`` JSON numbers within +-2**53,
    ``iss``/``sub``/``jti`` strings, ``aud`` a string or a non-empty list of
    strings. A claim set that fails them is refused by every verification, so
    the issuer checks them before signing. Raises :class:`InvalidClaimError`.
    """
    for name in NUMERIC_DATE_CLAIMS:
        _numeric_date(payload, name)
    _audiences(payload)
    _check_strings(payload)


def _check_strings(payload: Mapping[str, Any]) -> None:
    for name in STRING_CLAIMS:
        if name in payload and not isinstance(payload[name], str):
            raise InvalidClaimError(name, "type", f"The '{name}' claim must be a string.")


def _check_issuer(payload: Mapping[str, Any], policy: Policy) -> None:
    iss = payload.get("iss")
    if "iss" in payload and not isinstance(iss, str):
        raise InvalidClaimError("iss", "type", "The 'iss' claim must be a string.")
    if policy.issuer:
        if iss is None:
            raise MissingClaimError("iss", "missing", "The 'iss' claim is required.")
        if iss not in policy.issuer:  # whole-string equality: no prefix or substring match
            raise InvalidIssuerError("iss", "mismatch")


def _audiences(payload: Mapping[str, Any]) -> tuple[str, ...] | None:
    """The audiences ``aud`` names (``None`` without one), or InvalidClaimError."""
    if "aud" not in payload:
        return None
    aud = payload["aud"]
    if isinstance(aud, str):
        return (aud,)
    # a list as given to the issuer, a tuple as verified claims hold it
    if isinstance(aud, (list, tuple)) and aud and all(isinstance(a, str) for a in aud):
        return tuple(aud)
    raise InvalidClaimError("aud", "type", "The 'aud' claim must be a string or strings.")


def _check_audience(payload: Mapping[str, Any], policy: Policy) -> None:
    audiences = _audiences(payload)
    if audiences is None:
        if policy.audience:
            raise MissingClaimError("aud", "missing", "The 'aud' claim is required.")
        return
    if not policy.audience:
        # RFC 7519 4.1.3: a recipient that does not identify with a present aud must reject.
        raise InvalidAudienceError("aud", "unexpected")
    if not any(a in policy.audience for a in audiences):
        raise InvalidAudienceError("aud", "mismatch")
