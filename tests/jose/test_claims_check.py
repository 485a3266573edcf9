"""Registered-claim rules (RFC 7519 section 4.1): through Guard.verify, then
``validate_claims`` itself (the error class, claim and reason, and the valid-until time)."""

from __future__ import annotations

import math
from typing import Any

import pytest

from jwtguard import Guard, TokenError
from jwtguard.errors import (
    ClaimError,
    ExpiredTokenError,
    InvalidAudienceError,
    InvalidClaimError,
    InvalidIssuerError,
    IssuedInFutureError,
    MissingClaimError,
    NotYetValidError,
)
from jwtguard.jose.claims_check import (
    NUMERIC_DATE_CLAIMS,
    STRING_CLAIMS,
    check_registered_claims,
    validate_claims,
)
from jwtguard.policy import Policy
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


# -- validate_claims, a pure function of (payload, policy, now) ----------------------------

LIMIT = 2**53  # RFC 7519 NumericDate: we accept the integers a JSON number holds exactly


def refusal(payload: dict[str, Any], **options: Any) -> tuple[type[ClaimError], str, str] | None:
    """None when accepted, else (error class, claim, reason)."""
    try:
        validate_claims(payload, Policy.build(algorithms="HS256", **options), NOW)
    except ClaimError as exc:
        return type(exc), exc.claim, exc.reason
    return None


def valid_until(payload: dict[str, Any], **options: Any) -> float:
    return validate_claims(payload, Policy.build(algorithms="HS256", **options), NOW)


@pytest.mark.parametrize("name", ["exp", "nbf", "iat"])
@pytest.mark.parametrize(
    ("value", "reason"),
    [
        pytest.param(None, "type", id="null"),
        pytest.param("1", "type", id="string"),
        pytest.param(True, "type", id="boolean"),
        pytest.param([1], "type", id="list"),
        pytest.param(math.nan, "range", id="nan"),
        pytest.param(math.inf, "range", id="infinity"),
        pytest.param(-math.inf, "range", id="minus-infinity"),
        pytest.param(LIMIT + 1, "range", id="just-above-2**53"),
        pytest.param(-LIMIT - 1, "range", id="just-below-minus-2**53"),
        pytest.param(float(LIMIT) * 2, "range", id="float-above"),
    ],
)
def test_a_numeric_date_that_is_not_one_names_claim_and_reason(
    name: str, value: Any, reason: str
) -> None:
    payload = {"exp": NOW + 100, name: value}
    assert refusal(payload, require=()) == (InvalidClaimError, name, reason)


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param({"exp": LIMIT}, id="exp-at-2**53"),
        pytest.param({"exp": float(LIMIT)}, id="exp-at-2**53-float"),
        pytest.param({"exp": NOW + 1, "nbf": -LIMIT}, id="nbf-at-minus-2**53"),
        pytest.param({"exp": NOW + 1, "iat": -LIMIT}, id="iat-at-minus-2**53"),
        pytest.param({"exp": NOW + 1, "nbf": -1}, id="nbf-before-1970"),
        pytest.param({"exp": NOW + 1, "iat": -86400.5}, id="iat-before-1970"),
        pytest.param({"exp": NOW + 1, "nbf": 0, "iat": 0}, id="epoch"),
    ],
)
def test_numeric_dates_at_the_bounds_are_accepted(payload: dict[str, Any]) -> None:
    assert refusal(payload) is None


@pytest.mark.parametrize(
    ("payload", "leeway", "expected"),
    [
        pytest.param({"exp": NOW}, 0, (ExpiredTokenError, "exp", "expired"), id="exp-now"),
        pytest.param({"exp": NOW + 1}, 0, None, id="exp-in-a-second"),
        pytest.param({"exp": NOW - 10}, 10, (ExpiredTokenError, "exp", "expired"), id="exp-leeway"),
        pytest.param({"exp": NOW - 9}, 10, None, id="exp-inside-leeway"),
        pytest.param({"nbf": NOW + 1}, 0, (NotYetValidError, "nbf", "future"), id="nbf-future"),
        pytest.param({"nbf": NOW}, 0, None, id="nbf-now"),
        pytest.param({"nbf": NOW + 10}, 10, None, id="nbf-at-leeway"),
        pytest.param({"nbf": NOW + 11}, 10, (NotYetValidError, "nbf", "future"), id="nbf-past"),
        pytest.param({"iat": NOW + 1}, 0, (IssuedInFutureError, "iat", "future"), id="iat-future"),
        pytest.param({"iat": NOW}, 0, None, id="iat-now"),
        pytest.param({"iat": NOW + 10}, 10, None, id="iat-at-leeway"),
        pytest.param(
            {"iat": NOW + 11}, 10, (IssuedInFutureError, "iat", "future"), id="iat-past-leeway"
        ),
    ],
)
def test_time_claims_at_their_edges(
    payload: dict[str, Any], leeway: int, expected: tuple[type, str, str] | None
) -> None:
    assert refusal({"exp": NOW + 100, **payload}, leeway=leeway) == expected


@pytest.mark.parametrize(
    ("iat", "leeway", "expected"),
    [
        pytest.param(NOW - 119, 0, None, id="just-young-enough"),
        pytest.param(NOW - 120, 0, (ExpiredTokenError, "iat", "too_old"), id="exactly-max-age"),
        pytest.param(NOW - 129, 10, None, id="inside-leeway"),
        pytest.param(NOW - 130, 10, (ExpiredTokenError, "iat", "too_old"), id="past-leeway"),
    ],
)
def test_max_age_counts_from_iat_with_the_leeway(
    iat: int, leeway: int, expected: tuple[type, str, str] | None
) -> None:
    payload = {"exp": NOW + 900, "iat": iat}
    assert refusal(payload, max_age=120, leeway=leeway) == expected


@pytest.mark.parametrize(
    ("payload", "options", "until"),
    [
        pytest.param({}, {"require": ()}, math.inf, id="no-exp-no-limit"),
        pytest.param({"exp": NOW + 100}, {}, NOW + 100, id="exp"),
        pytest.param({"exp": NOW + 100}, {"leeway": 5}, NOW + 105, id="exp-plus-leeway"),
        pytest.param(
            {"exp": NOW + 900, "iat": NOW - 10},
            {"max_age": 60, "leeway": 5},
            NOW + 55,
            id="max-age-earlier-than-exp",
        ),
        pytest.param(
            {"exp": NOW + 30, "iat": NOW - 10}, {"max_age": 600}, NOW + 30, id="exp-earlier"
        ),
    ],
)
def test_valid_until_is_the_earliest_limit(
    payload: dict[str, Any], options: dict[str, Any], until: float
) -> None:
    assert valid_until(payload, **options) == until


@pytest.mark.parametrize(
    ("payload", "options", "expected"),
    [
        pytest.param(
            {"exp": NOW + 1},
            {"require": ("exp", "sub")},
            (MissingClaimError, "sub", "missing"),
            id="required-missing",
        ),
        pytest.param({"sub": 1}, {}, (InvalidClaimError, "sub", "type"), id="sub-not-string"),
        pytest.param({"jti": 1}, {}, (InvalidClaimError, "jti", "type"), id="jti-not-string"),
        pytest.param({"sub": "1", "jti": "j"}, {}, None, id="string-claims"),
        pytest.param({"iss": 1}, {}, (InvalidClaimError, "iss", "type"), id="iss-not-string"),
        pytest.param({"iss": "any"}, {}, None, id="iss-unchecked-without-issuer"),
        pytest.param(
            {}, {"issuer": "https://a"}, (MissingClaimError, "iss", "missing"), id="iss-missing"
        ),
        pytest.param(
            {"iss": "https://b"},
            {"issuer": "https://a"},
            (InvalidIssuerError, "iss", "mismatch"),
            id="iss-mismatch",
        ),
        pytest.param({"iss": "https://b"}, {"issuer": ["https://a", "https://b"]}, None, id="iss"),
        pytest.param(
            {}, {"audience": "api"}, (MissingClaimError, "aud", "missing"), id="aud-missing"
        ),
        pytest.param({"aud": 1}, {"audience": "api"}, (InvalidClaimError, "aud", "type"), id="aud"),
        pytest.param(
            {"aud": "api"}, {}, (InvalidAudienceError, "aud", "unexpected"), id="aud-unexpected"
        ),
        pytest.param(
            {"aud": ["web"]},
            {"audience": "api"},
            (InvalidAudienceError, "aud", "mismatch"),
            id="aud-mismatch",
        ),
        pytest.param({"aud": ["web", "api"]}, {"audience": "api"}, None, id="aud-one-of-list"),
    ],
)
def test_each_refusal_names_its_claim_and_reason(
    payload: dict[str, Any], options: dict[str, Any], expected: tuple[type, str, str] | None
) -> None:
    assert refusal({"exp": NOW + 1, **payload}, **options) == expected


class Text(str):
    """A ``str`` subclass, as a caller's own JSON decoder may give ``validate_claims``:
    it misses the inline check of the common shape (``type(v) is str``), so the general
    rules decide it."""


@pytest.mark.parametrize(
    ("payload", "options", "expected"),
    [
        pytest.param({"iss": Text("https://a")}, {"issuer": "https://a"}, None, id="iss"),
        pytest.param(
            {"iss": Text("https://b")},
            {"issuer": ["https://a", "https://c"]},
            (InvalidIssuerError, "iss", "mismatch"),
            id="iss-mismatch",
        ),
        pytest.param({"aud": Text("api")}, {"audience": "api"}, None, id="aud"),
        pytest.param(
            {"aud": Text("web")},
            {"audience": "api"},
            (InvalidAudienceError, "aud", "mismatch"),
            id="aud-mismatch",
        ),
    ],
)
def test_a_str_subclass_gets_the_general_rules(
    payload: dict[str, Any], options: dict[str, Any], expected: tuple[type, str, str] | None
) -> None:
    assert refusal({"exp": NOW + 1, **payload}, **options) == expected


def test_exp_is_required_unless_require_says_otherwise() -> None:
    assert refusal({"sub": "1"}) == (MissingClaimError, "exp", "missing")
    assert refusal({"sub": "1"}, require=()) is None


def test_the_registered_claim_names() -> None:
    assert (NUMERIC_DATE_CLAIMS, STRING_CLAIMS) == (("exp", "nbf", "iat"), ("iss", "sub", "jti"))


@pytest.mark.parametrize(
    ("payload", "claim"),
    [
        pytest.param({"exp": "1"}, "exp", id="exp-text"),
        pytest.param({"nbf": 2**53 + 1}, "nbf", id="nbf-too-large"),
        pytest.param({"iat": True}, "iat", id="iat-boolean"),
        pytest.param({"aud": []}, "aud", id="aud-empty-list"),
        pytest.param({"aud": ["a", 1]}, "aud", id="aud-not-strings"),
        pytest.param({"iss": 1}, "iss", id="iss-number"),
        pytest.param({"sub": None}, "sub", id="sub-null"),
        pytest.param({"jti": ["j"]}, "jti", id="jti-list"),
    ],
)
def test_check_registered_claims_refuses_each_bad_shape(
    payload: dict[str, Any], claim: str
) -> None:
    with pytest.raises(InvalidClaimError) as info:
        check_registered_claims(payload)
    assert info.value.claim == claim


def test_check_registered_claims_needs_no_policy_or_clock() -> None:
    check_registered_claims({})
    check_registered_claims(
        {"exp": 1, "nbf": -5.5, "iat": 0, "aud": ["a"], "iss": "i", "sub": "s", "jti": "j"}
    )


def test_profile_claim_types_are_checked_only_under_the_profile() -> None:
    payload = {"exp": NOW + 100, "client_id": 7, "scope": ["read"]}
    assert refusal(payload) is None
