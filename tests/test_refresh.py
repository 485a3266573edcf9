"""Refresh-token rotation, reuse detection and logout (memory store; Redis in tests/revocation)."""

from __future__ import annotations

from typing import Any

import pytest

from jwtguard import ConfigError, Guard, InvalidAudienceError, InvalidTypeError, RevokedTokenError
from jwtguard.claims import Claims
from jwtguard.errors import ExpiredTokenError, TokenError
from jwtguard.refresh import REFRESH_TYP, RefreshTokenReusedError, RefreshTokens
from jwtguard.revocation import MemoryRevocationStore
from jwtguard.testing import FrozenClock, generate_key

SECRET = "s" * 32


@pytest.fixture
def store(clock: FrozenClock) -> MemoryRevocationStore:
    return MemoryRevocationStore(clock=clock)


@pytest.fixture
def access(clock: FrozenClock, store: MemoryRevocationStore) -> Guard:
    return Guard(SECRET, algorithms=["HS256"], audience="api", clock=clock, revocation=store)


@pytest.fixture
def sessions(access: Guard) -> RefreshTokens:
    return RefreshTokens(access, refresh_ttl=3600)


def test_login_issues_a_pair_of_distinct_kinds(sessions: RefreshTokens, access: Guard) -> None:
    pair = sessions.issue({"sub": "42", "scope": "read"})
    claims = access.verify(pair.access_token)
    assert claims["sub"] == "42" and claims.scopes == {"read"} and claims["fam"] == pair.family
    with pytest.raises(InvalidAudienceError):
        access.verify(pair.refresh_token)  # a refresh token is never an access token
    with pytest.raises(InvalidTypeError):
        sessions.verifier.verify(pair.access_token)  # and the other way round
    assert pair.as_dict()["token_type"] == "Bearer"
    assert pair.access_token not in repr(pair)


def test_refresh_rotates(sessions: RefreshTokens, access: Guard, clock: FrozenClock) -> None:
    first = sessions.issue({"sub": "42", "scope": "read", "roles": ["a"]})
    clock.advance(10)
    second = sessions.refresh(first.refresh_token)
    assert second.family == first.family
    claims = access.verify(second.access_token)
    assert claims["sub"] == "42" and claims.scopes == {"read"} and claims["roles"] == ("a",)
    third = sessions.refresh(second.refresh_token)
    assert access.verify(third.access_token)["sub"] == "42"


def test_reuse_revokes_the_whole_family(
    sessions: RefreshTokens, access: Guard, clock: FrozenClock
) -> None:
    first = sessions.issue({"sub": "42"})
    other = sessions.issue({"sub": "42"})  # another device: another family
    second = sessions.refresh(first.refresh_token)
    access.verify(second.access_token)  # cached
    with pytest.raises(RefreshTokenReusedError) as caught:
        sessions.refresh(first.refresh_token)  # the stolen copy, or the victim after the thief
    assert caught.value.code == "refresh_token_reused"
    assert isinstance(caught.value, RevokedTokenError)
    for token in (second.refresh_token, first.refresh_token):
        with pytest.raises(RevokedTokenError):
            sessions.refresh(token)
    with pytest.raises(RevokedTokenError):
        access.verify(second.access_token)  # on the very next request, cache or not
    assert access.verify(sessions.refresh(other.refresh_token).access_token)["sub"] == "42"


def test_logout_revokes_the_family(sessions: RefreshTokens, access: Guard) -> None:
    pair = sessions.issue({"sub": "42"})
    access.verify(pair.access_token)
    sessions.logout(pair.refresh_token)
    with pytest.raises(RevokedTokenError):
        access.verify(pair.access_token)
    with pytest.raises(RevokedTokenError):
        sessions.refresh(pair.refresh_token)


def test_logout_with_access_claims(sessions: RefreshTokens, access: Guard) -> None:
    pair = sessions.issue({"sub": "42"})
    sessions.logout(access.verify(pair.access_token))
    with pytest.raises(RevokedTokenError):
        sessions.refresh(pair.refresh_token)


def test_logout_everywhere(sessions: RefreshTokens, access: Guard, clock: FrozenClock) -> None:
    phone, laptop = sessions.issue({"sub": "42"}), sessions.issue({"sub": "42"})
    someone_else = sessions.issue({"sub": "7"})
    sessions.logout_everywhere("42")
    for pair in (phone, laptop):
        with pytest.raises(RevokedTokenError):
            access.verify(pair.access_token)
        with pytest.raises(RevokedTokenError):
            sessions.refresh(pair.refresh_token)
    sessions.refresh(someone_else.refresh_token)
    clock.advance(1)
    again = sessions.issue({"sub": "42"})
    assert access.verify(sessions.refresh(again.refresh_token).access_token)["sub"] == "42"


def test_refresh_token_lifetime_is_its_signed_exp(
    sessions: RefreshTokens, clock: FrozenClock
) -> None:
    pair = sessions.issue({"sub": "42"})
    assert sessions.verifier.verify(pair.refresh_token)["exp"] == int(clock()) + 3600
    clock.advance(3601)
    with pytest.raises(ExpiredTokenError):
        sessions.refresh(pair.refresh_token)


def test_max_session_caps_rotation(access: Guard, clock: FrozenClock) -> None:
    sessions = RefreshTokens(access, refresh_ttl=600, max_session=1000)
    pair = sessions.issue({"sub": "42"})
    clock.advance(500)
    pair = sessions.refresh(pair.refresh_token)
    assert pair.refresh_expires_in == 500
    clock.advance(499)
    pair = sessions.refresh(pair.refresh_token)
    clock.advance(2)
    with pytest.raises(ExpiredTokenError):
        sessions.refresh(pair.refresh_token)


def test_separate_refresh_key(access: Guard) -> None:
    sessions = RefreshTokens(access, refresh_key=generate_key("ES256"), refresh_ttl=60)
    pair = sessions.issue({"sub": "42"})
    assert pair.refresh_token.count(".") == 2
    other = RefreshTokens(access, refresh_ttl=60)  # the access key cannot verify it
    with pytest.raises(TokenError):
        other.refresh(pair.refresh_token)
    assert access.verify(sessions.refresh(pair.refresh_token).access_token)["sub"] == "42"


def test_reload_builds_fresh_claims(access: Guard) -> None:
    def reload(claims: Claims) -> dict[str, Any]:
        if claims["sub"] == "banned":
            raise RevokedTokenError("The account is disabled.")
        return {"scope": "fresh"}

    sessions = RefreshTokens(access, reload=reload)
    pair = sessions.refresh(sessions.issue({"sub": "42", "scope": "stale"}).refresh_token)
    assert access.verify(pair.access_token).scopes == {"fresh"}
    with pytest.raises(RevokedTokenError):
        sessions.refresh(sessions.issue({"sub": "banned"}).refresh_token)


@pytest.mark.parametrize(
    "junk",
    [
        pytest.param("", id="empty"),
        pytest.param("a.b.c", id="garbage"),
        pytest.param(b"\xff" * 40, id="bytes"),
    ],
)
def test_junk_refresh_tokens_end_in_token_errors(sessions: RefreshTokens, junk: Any) -> None:
    with pytest.raises(TokenError):
        sessions.refresh(junk)


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        pytest.param({"refresh_audience": "api"}, "refresh_audience", id="same-audience"),
        pytest.param({"refresh_ttl": 0}, "refresh_ttl", id="zero-ttl"),
    ],
)
def test_configuration_keeps_the_kinds_apart(
    access: Guard, options: dict[str, Any], problem: str
) -> None:
    with pytest.raises(ConfigError, match=problem):
        RefreshTokens(access, **options)


def test_access_guard_accepting_refresh_typ_is_refused(clock: FrozenClock) -> None:
    guard = Guard(SECRET, algorithms=["HS256"], typ=REFRESH_TYP, clock=clock)
    with pytest.raises(ConfigError, match="typ"):
        RefreshTokens(guard)


def test_default_store_is_the_access_guards(access: Guard, store: MemoryRevocationStore) -> None:
    assert RefreshTokens(access).store is store


async def test_async_rotation_and_reuse(sessions: RefreshTokens, access: Guard) -> None:
    first = sessions.issue({"sub": "42"})
    second = await sessions.arefresh(first.refresh_token)
    with pytest.raises(RefreshTokenReusedError):
        await sessions.arefresh(first.refresh_token)
    with pytest.raises(RevokedTokenError):
        access.verify(second.access_token)
    third = sessions.issue({"sub": "9"})
    await sessions.alogout(third.refresh_token)
    with pytest.raises(RevokedTokenError):
        await sessions.arefresh(third.refresh_token)
    await sessions.alogout_everywhere("9")
