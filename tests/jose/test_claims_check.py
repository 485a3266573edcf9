"""Registered-claim rules (RFC 7519 section 4.1) through Guard.verify."""

from __future__ import annotations

from typing import Any

import pytest

from jwtguard import Guard, TokenError
from jwtguard.testing import FrozenClock, TokenFactory, encode_unchecked

NOW = 1_700_000_000  # the pinned clock of conftest.py


def verify_payload(factory: TokenFactory, payload: Any, **options: Any) -> str | None:
    """None when accepted, else the error code."""
    guard = factory.guard(**options)
    token = encode_unchecked({"alg": "HS256"}, payload, factory.key)
    try:
        guard.verify(token)
    except TokenError as exc:
        return exc.code
    return None


@pytest.mark.parametrize(
    ("exp", "code"),
    [
        pytest.param(NOW + 1, None, id="future"),
        pytest.param(NOW, "expired", id="now-is-already-expired"),
        pytest.param(NOW - 1, "expired", id="past"),
        pytest.param(NOW + 0.5, None, id="float"),
        pytest.param(str(NOW + 100), "invalid_claim", id="string"),
        pytest.param("99999999999", "invalid_claim", id="pyjwt-trap-string"),
        pytest.param(True, "invalid_claim", id="boolean"),
        pytest.param(None, "invalid_claim", id="null"),
        pytest.param([NOW + 1], "invalid_claim", id="list"),
        pytest.param(10**30, "invalid_claim", id="out-of-range"),
        pytest.param(1e300, "invalid_claim", id="huge-float"),
    ],
)
def test_exp(factory: TokenFactory, exp: Any, code: str | None) -> None:
    assert verify_payload(factory, {"exp": exp}) == code


def test_exp_is_required_by_default(factory: TokenFactory) -> None:
    assert verify_payload(factory, {"sub": "1"}) == "missing_claim"
    assert verify_payload(factory, {"sub": "1"}, require=()) is None


@pytest.mark.parametrize(
    ("claims", "leeway", "code"),
    [
        pytest.param({"exp": NOW - 5}, 10, None, id="exp-within-leeway"),
        pytest.param({"exp": NOW - 10}, 10, "expired", id="exp-at-leeway-edge"),
        pytest.param({"nbf": NOW + 5}, 0, "not_yet_valid", id="nbf-future"),
        pytest.param({"nbf": NOW + 5}, 5, None, id="nbf-at-leeway-edge"),
        pytest.param({"nbf": NOW + 6}, 5, "not_yet_valid", id="nbf-past-leeway"),
        pytest.param({"nbf": NOW}, 0, None, id="nbf-now"),
        pytest.param({"nbf": "0"}, 0, "invalid_claim", id="nbf-string"),
        pytest.param({"iat": NOW + 5}, 0, "issued_in_future", id="iat-future"),
        pytest.param({"iat": NOW + 5}, 5, None, id="iat-within-leeway"),
        pytest.param({"iat": False}, 0, "invalid_claim", id="iat-boolean"),
        pytest.param({"sub": 5}, 0, "invalid_claim", id="sub-not-string"),
        pytest.param({"jti": ["x"]}, 0, "invalid_claim", id="jti-not-string"),
    ],
)
def test_time_and_string_claims(
    factory: TokenFactory, claims: dict[str, Any], leeway: int, code: str | None
) -> None:
    payload = {"exp": NOW + 100, **claims}
    assert verify_payload(factory, payload, leeway=leeway) == code


@pytest.mark.parametrize(
    ("aud", "configured", "code"),
    [
        pytest.param("api", "api", None, id="string-match"),
        pytest.param(["x", "api"], "api", None, id="list-contains"),
        pytest.param("api", ["web", "api"], None, id="one-of-several"),
        pytest.param("API", "api", "invalid_audience", id="case-sensitive"),
        pytest.param("ap", "api", "invalid_audience", id="prefix"),
        pytest.param("api2", "api", "invalid_audience", id="extension"),
        pytest.param([], "api", "invalid_claim", id="empty-list"),
        pytest.param(["api", 5], "api", "invalid_claim", id="list-with-non-string"),
        pytest.param(5, "api", "invalid_claim", id="wrong-type"),
        pytest.param({"api": 1}, "api", "invalid_claim", id="object"),
        pytest.param(None, "api", "invalid_claim", id="null"),
        pytest.param("api", None, "invalid_audience", id="present-but-not-expected"),
    ],
)
def test_audience(factory: TokenFactory, aud: Any, configured: Any, code: str | None) -> None:
    payload = {"exp": NOW + 100, "aud": aud}
    assert verify_payload(factory, payload, audience=configured) == code


def test_audience_missing(factory: TokenFactory) -> None:
    assert verify_payload(factory, {"exp": NOW + 100}, audience="api") == "missing_claim"


@pytest.mark.parametrize(
    ("iss", "code"),
    [
        pytest.param("https://idp.example", None, id="exact"),
        pytest.param("https://idp.example/", "invalid_issuer", id="trailing-slash"),
        pytest.param("https://idp.example.evil", "invalid_issuer", id="suffix-extension"),
        pytest.param("https://idp", "invalid_issuer", id="prefix"),
        pytest.param("HTTPS://IDP.EXAMPLE", "invalid_issuer", id="case"),
        pytest.param(["https://idp.example"], "invalid_claim", id="list"),
        pytest.param(7, "invalid_claim", id="number"),
    ],
)
def test_issuer_is_compared_whole(factory: TokenFactory, iss: Any, code: str | None) -> None:
    payload = {"exp": NOW + 100, "iss": iss}
    assert verify_payload(factory, payload, issuer="https://idp.example") == code


def test_issuer_missing_when_configured(factory: TokenFactory) -> None:
    assert (
        verify_payload(factory, {"exp": NOW + 100}, issuer="https://idp.example") == "missing_claim"
    )


def test_required_claims(factory: TokenFactory) -> None:
    assert verify_payload(factory, {"exp": NOW + 9}, require=("exp", "sub")) == "missing_claim"
    assert verify_payload(factory, {"exp": NOW + 9, "sub": "a"}, require=("exp", "sub")) is None


def test_max_age(factory: TokenFactory, clock: FrozenClock) -> None:
    assert verify_payload(factory, {"exp": NOW + 900, "iat": NOW - 60}, max_age=120) is None
    assert verify_payload(factory, {"exp": NOW + 900, "iat": NOW - 121}, max_age=120) == "expired"
    assert verify_payload(factory, {"exp": NOW + 900}, max_age=120) == "missing_claim"


def test_missing_claim_error_names_the_claim(factory: TokenFactory) -> None:
    guard: Guard = factory.guard(require=("exp", "tenant"))
    with pytest.raises(TokenError) as info:
        guard.verify(factory.issue(sub="1"))
    assert info.value.code == "missing_claim"
    assert getattr(info.value, "claim", None) == "tenant"
