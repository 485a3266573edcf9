from __future__ import annotations

import inspect

import pytest

import jwtguard.errors as errors
from jwtguard.errors import (
    ClaimError,
    ConfigError,
    InsufficientScopeError,
    InvalidRequestError,
    TokenError,
)

TOKEN_ERRORS = [
    cls
    for _, cls in inspect.getmembers(errors, inspect.isclass)
    if issubclass(cls, TokenError) and cls is not TokenError and cls is not ClaimError
]

REQUIRED_CODES = {
    "malformed",
    "invalid_signature",
    "algorithm_not_allowed",
    "unknown_key",
    "expired",
    "not_yet_valid",
    "issued_in_future",
    "invalid_audience",
    "invalid_issuer",
    "missing_claim",
    "invalid_claim",
    "token_too_large",
    "revoked",
}


def test_every_required_code_exists_once() -> None:
    codes = [cls.code for cls in TOKEN_ERRORS]
    assert set(codes) >= REQUIRED_CODES
    assert len(codes) == len(set(codes)), "two classes share a code"


@pytest.mark.parametrize("cls", TOKEN_ERRORS, ids=lambda c: c.__name__)
def test_each_error_maps_to_an_rfc6750_error_and_status(cls: type[TokenError]) -> None:
    expected = {
        "invalid_token": {401, 503},
        "invalid_request": {400},
        "insufficient_scope": {403},
        "": {401, 403},  # no token: a bare challenge (RFC 6750 3.1); CSRF: 403, no challenge
        "invalid_dpop_proof": {401},  # RFC 9449 section 7.1, on the DPoP challenge
        "use_dpop_nonce": {401},  # RFC 9449 section 9, with a DPoP-Nonce header
    }
    assert cls.status_code in expected[cls.rfc6750_error]
    assert cls.default_description.endswith(".")


def test_scope_and_request_errors() -> None:
    err = InsufficientScopeError(required=["admin"])
    assert err.required == ("admin",)
    assert err.status_code == 403
    assert InvalidRequestError().status_code == 400


def test_claim_errors_carry_claim_and_reason() -> None:
    err = errors.ExpiredTokenError("exp", "expired")
    assert (err.claim, err.reason, err.code) == ("exp", "expired", "expired")
    assert "expired" in repr(err)


def test_config_error_lists_each_problem_on_its_own_line() -> None:
    err = ConfigError(["first problem", "second problem"])
    assert err.problems == ("first problem", "second problem")
    assert str(err).splitlines()[1:] == ["  - first problem", "  - second problem"]
    assert str(ConfigError("only one")) == "only one"
