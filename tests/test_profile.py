"""``Guard(profile="rfc9068")``: the JWT access-token profile (RFC 9068) in one setting."""

from __future__ import annotations

from typing import Any

import pytest

from jwtguard.errors import ConfigError, InvalidClaimError, InvalidTypeError, MissingClaimError
from jwtguard.testing import TokenFactory

RESOURCE = "https://api.example"
ISSUER = "https://as.example"
GOOD = {"iss": ISSUER, "aud": RESOURCE, "sub": "u1", "client_id": "app", "scope": "read"}
AT_JWT = {"typ": "at+jwt"}


@pytest.fixture
def guard(factory: TokenFactory) -> Any:
    return factory.guard(audience=RESOURCE, issuer=ISSUER, profile="rfc9068")


def test_a_profile_token_passes(guard: Any, factory: TokenFactory) -> None:
    assert guard.verify(factory.issue(GOOD, headers=AT_JWT))["client_id"] == "app"
    assert guard.verify(factory.issue(GOOD, headers={"typ": "application/at+JWT"}))


@pytest.mark.parametrize(
    ("claims", "headers", "error"),
    [
        pytest.param(GOOD, {}, InvalidTypeError, id="no-typ"),
        pytest.param(GOOD, {"typ": "JWT"}, InvalidTypeError, id="typ-jwt"),
        pytest.param({**GOOD, "client_id": None}, AT_JWT, MissingClaimError, id="no-client_id"),
        pytest.param({**GOOD, "sub": None}, AT_JWT, MissingClaimError, id="no-sub"),
        pytest.param({**GOOD, "client_id": 7}, AT_JWT, InvalidClaimError, id="client_id-number"),
        pytest.param({**GOOD, "scope": ["read"]}, AT_JWT, InvalidClaimError, id="scope-list"),
    ],
)
def test_what_the_profile_refuses(
    guard: Any, factory: TokenFactory, claims: dict[str, Any], headers: dict[str, str], error: type
) -> None:
    token = factory.issue({k: v for k, v in claims.items() if v is not None}, headers=headers)
    with pytest.raises(error):
        guard.verify(token)


def test_the_profile_needs_an_audience_an_issuer_and_at_jwt(factory: TokenFactory) -> None:
    with pytest.raises(ConfigError) as both:
        factory.guard(profile="rfc9068")
    assert [p.split(":")[0] for p in both.value.problems] == ["audience", "issuer"]
    with pytest.raises(ConfigError, match="issuer: the rfc9068 profile checks iss"):
        factory.guard(audience=RESOURCE, profile="rfc9068")
    with pytest.raises(ConfigError, match="at\\+jwt"):
        factory.guard(audience=RESOURCE, profile="rfc9068", typ="JWT")
    with pytest.raises(ConfigError, match="profile"):
        factory.guard(audience=RESOURCE, profile="rfc7519")


def test_the_profile_requires_its_claims_and_typ(factory: TokenFactory) -> None:
    policy = factory.guard(
        audience=RESOURCE, issuer=ISSUER, profile="rfc9068", require=["scope"]
    ).policy
    assert policy.require == ("scope", "iss", "exp", "aud", "sub", "client_id", "iat", "jti")
    assert (policy.typ, policy.profile) == ("at+jwt", "rfc9068")
    spelled = factory.guard(
        audience=RESOURCE, issuer=ISSUER, profile="rfc9068", typ="application/AT+JWT"
    )
    assert spelled.policy.typ == "at+jwt"
    again = factory.guard(
        audience=RESOURCE, issuer=ISSUER, profile="rfc9068", require=["jti", "iss"]
    ).policy
    assert again.require == ("jti", "iss", "exp", "aud", "sub", "client_id", "iat")
    plain = factory.guard(audience=RESOURCE, require=["scope"]).policy
    assert (plain.require, plain.typ, plain.profile) == (("scope",), None, None)


def test_each_profile_problem_is_named(factory: TokenFactory) -> None:
    with pytest.raises(ConfigError) as info:
        factory.guard(profile="rfc7519")
    assert "profile: one of rfc9068" in str(info.value)
    with pytest.raises(ConfigError) as info:
        factory.guard(audience=RESOURCE, profile="rfc9068", typ="JWT")
    assert "typ: the rfc9068 profile requires 'at+jwt'" in str(info.value)
    with pytest.raises(ConfigError) as info:
        factory.guard(profile="rfc9068")
    assert "audience: the rfc9068 profile checks aud: name the resource's URI" in str(info.value)
