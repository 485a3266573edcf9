"""TokenIssuer (and so Guard.issue) refuses what verification would refuse, the same way."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from jwtguard import Guard, InvalidClaimError, TokenError
from jwtguard.testing import FrozenClock, TokenFactory, encode_unchecked

NOW = 1_700_000_000

REFUSED_CLAIMS = [
    pytest.param({"sub": 123}, id="sub-number"),
    pytest.param({"sub": None}, id="sub-null"),
    pytest.param({"sub": ["a"]}, id="sub-list"),
    pytest.param({"jti": 7}, id="jti-number"),
    pytest.param({"iss": ["https://a"]}, id="iss-list"),
    pytest.param({"aud": 5}, id="aud-number"),
    pytest.param({"aud": []}, id="aud-empty-list"),
    pytest.param({"aud": ["api", 1]}, id="aud-list-with-a-number"),
    pytest.param({"exp": "soon"}, id="exp-text"),
    pytest.param({"exp": str(NOW + 60)}, id="exp-numeric-text"),
    pytest.param({"exp": True}, id="exp-boolean"),
    pytest.param({"exp": None}, id="exp-null"),
    pytest.param({"exp": 10**30}, id="exp-out-of-range"),
    pytest.param({"nbf": "now"}, id="nbf-text"),
    pytest.param({"iat": [NOW]}, id="iat-list"),
]


@pytest.fixture
def guard() -> Guard:
    return TokenFactory.hs256(clock=FrozenClock(NOW)).guard(audience="api")


def _verification_error(guard: Guard, claims: dict[str, Any]) -> TokenError:
    """What verify raises for a token carrying ``claims`` (signed without any check)."""
    factory_key = guard.keys.keys[0]  # type: ignore[attr-defined]
    payload = {"iat": NOW, "nbf": NOW, "exp": NOW + 60, "aud": "api", **claims}
    with pytest.raises(TokenError) as refused:
        guard.verify(encode_unchecked({"alg": "HS256", "typ": "JWT"}, payload, factory_key))
    return refused.value


@pytest.mark.parametrize("claims", REFUSED_CLAIMS)
def test_issue_refuses_what_verify_refuses_with_the_same_error(
    guard: Guard, claims: dict[str, Any]
) -> None:
    with pytest.raises(InvalidClaimError) as issued:
        guard.issue(claims)
    refused = _verification_error(guard, claims)
    assert (issued.value.code, issued.value.claim, issued.value.reason) == (
        refused.code,
        refused.claim,  # type: ignore[attr-defined]
        refused.reason,  # type: ignore[attr-defined]
    )


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan])
def test_a_non_finite_date_is_a_claim_error_not_a_json_error(guard: Guard, value: float) -> None:
    with pytest.raises(InvalidClaimError) as issued:
        guard.issue({"exp": value})
    assert issued.value.claim == "exp"


@pytest.mark.parametrize(
    "claims",
    [
        {"sub": "123", "jti": "j", "aud": ["api", "other"], "iss": "https://issuer"},
        {"aud": ("api",)},  # a tuple is a JSON array
        {"exp": NOW + 0.5, "nbf": NOW - 10, "iat": NOW},
        {"tenant": 5, "roles": ["a"], "nested": {"x": None}},  # custom claims: any JSON
    ],
)
def test_issue_signs_what_verify_accepts(guard: Guard, claims: dict[str, Any]) -> None:
    verified = guard.verify(guard.issue(claims)).to_dict()
    for name, value in claims.items():
        assert verified[name] == (list(value) if isinstance(value, tuple) else value)


def test_dates_may_be_datetimes(guard: Guard) -> None:
    moment = datetime.fromtimestamp(NOW, tz=timezone.utc)
    token = guard.issue({"exp": moment + timedelta(minutes=5), "nbf": moment.replace(tzinfo=None)})
    claims = guard.verify(token)
    assert (claims["exp"], claims["nbf"]) == (NOW + 300, NOW)


@pytest.mark.parametrize("ttl", [0, -5, math.inf, math.nan, True, "60"])
def test_issue_refuses_a_lifetime_that_is_not_positive(guard: Guard, ttl: Any) -> None:
    with pytest.raises(ValueError, match="ttl"):
        guard.issue({"sub": "1"}, ttl=ttl)


def test_a_fractional_lifetime_never_makes_an_expired_token(guard: Guard) -> None:
    claims = guard.verify(guard.issue({"sub": "1"}, ttl=0.25))
    assert claims["exp"] == NOW + 1
