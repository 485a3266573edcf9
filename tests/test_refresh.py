"""Refresh-token rotation, reuse detection and logout (memory store; Redis in tests/revocation)."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import pytest

from jwtguard import (
    ConfigError,
    Guard,
    InvalidAudienceError,
    InvalidTypeError,
    Key,
    RevokedTokenError,
)
from jwtguard.claims import Claims
from jwtguard.errors import ExpiredTokenError, TokenError
from jwtguard.refresh import (
    DEFAULT_REFRESH_AUDIENCE,
    REFRESH_TYP,
    RefreshTokenReusedError,
    RefreshTokens,
)
from jwtguard.revocation import MemoryRevocationStore
from jwtguard.testing import FrozenClock, generate_key, public_pem

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
    fourth = sessions.issue({"sub": "9"})
    await sessions.alogout_everywhere("9")
    with pytest.raises(RevokedTokenError):
        await sessions.arefresh(fourth.refresh_token)


# -- each rule of the rotation, asserted where it could break ---------------------------------


class Spy:
    """A sync store that records what the rotation asks of it (and may lose the race)."""

    def __init__(self, store: MemoryRevocationStore, *, lose_race: bool = False) -> None:
        self.store, self.lose_race = store, lose_race
        self.calls: list[tuple[Any, ...]] = []

    def is_revoked(self, claims: Claims) -> bool:
        return self.store.is_revoked(claims)

    def check(self, claims: Claims) -> bool:
        return self.store.check(claims)

    def is_jti_revoked(self, jti: str) -> bool:
        return self.store.is_jti_revoked(jti)

    def revoke(self, jti: str, expires_at: float) -> bool:
        self.calls.append(("revoke", expires_at))
        return False if self.lose_race else self.store.revoke(jti, expires_at)

    def revoke_family(self, family: str, expires_at: float) -> None:
        self.calls.append(("revoke_family", family, expires_at))
        self.store.revoke_family(family, expires_at)

    def revoke_subject(self, subject: str, **window: float) -> None:
        self.calls.append(("revoke_subject", subject, window))
        self.store.revoke_subject(subject, **window)


def test_the_constants() -> None:
    assert (REFRESH_TYP, DEFAULT_REFRESH_AUDIENCE) == ("rt+jwt", "jwtguard:refresh")
    assert RefreshTokenReusedError().description == (
        "The refresh token was already used; the session is revoked."
    )


def test_every_configuration_problem_at_once(clock: FrozenClock) -> None:
    guard = Guard(
        SECRET, algorithms=["HS256"], audience="api", typ="Application/RT+JWT", clock=clock
    )
    with pytest.raises(ConfigError) as info:
        RefreshTokens(guard, refresh_audience="api", refresh_ttl=math.inf, max_session=0)
    assert list(info.value.problems) == [
        "refresh_audience: must differ from every access-token audience",
        "typ: the access Guard must not accept 'rt+jwt'",
        "refresh_ttl: must be a positive number of seconds",
        "max_session: must be a positive number of seconds",
    ]


@pytest.mark.parametrize("value", [-1, 0, math.inf, math.nan, "60"])
def test_lifetimes_are_positive_finite_numbers(access: Guard, value: Any) -> None:
    with pytest.raises(ConfigError, match="refresh_ttl"):
        RefreshTokens(access, refresh_ttl=value)
    with pytest.raises(ConfigError, match="max_session"):
        RefreshTokens(access, max_session=value)
    assert RefreshTokens(access, refresh_ttl=0.5, max_session=0.5).refresh_ttl == 0.5


def test_without_a_store_in_the_guard_a_memory_store_on_its_clock(clock: FrozenClock) -> None:
    guard = Guard(SECRET, algorithms=["HS256"], audience="api", clock=clock)
    sessions = RefreshTokens(guard, refresh_ttl=60)
    assert isinstance(sessions.store, MemoryRevocationStore)
    pair = sessions.issue({"sub": "42"})
    jti = sessions.verifier.verify(pair.refresh_token)["jti"]
    sessions.refresh(pair.refresh_token)
    assert sessions.store.is_jti_revoked(jti)  # on the frozen clock, not the wall clock
    with pytest.raises(RefreshTokenReusedError):
        sessions.refresh(pair.refresh_token)


def test_login_needs_a_subject(sessions: RefreshTokens) -> None:
    for claims in ({}, {"sub": ""}, {"sub": 42}):
        with pytest.raises(ValueError, match="claims must include 'sub', a non-empty string"):
            sessions.issue(claims)


def test_what_a_pair_holds(sessions: RefreshTokens, access: Guard, clock: FrozenClock) -> None:
    pair = sessions.issue({"sub": "42", "scope": "read", "iss": "x", "auth_time": 5})
    assert (pair.expires_in, pair.refresh_expires_in) == (900, 3600)  # the Guard's access_ttl
    assert pair.as_dict() == {
        "access_token": pair.access_token,
        "token_type": "Bearer",
        "expires_in": 900,
        "refresh_token": pair.refresh_token,
    }
    assert repr(pair) == "TokenPair(<tokens hidden>, expires_in=900)"
    refresh = sessions.verifier.verify(pair.refresh_token)
    assert refresh["ctx"] == {"scope": "read"}  # registered claims are never carried
    assert refresh["auth_time"] == int(clock()) and refresh["fam"] == pair.family
    assert refresh["aud"] == DEFAULT_REFRESH_AUDIENCE
    assert access.verify(pair.access_token)["fam"] == pair.family


def test_the_access_lifetime_never_outlives_the_refresh_token(access: Guard) -> None:
    assert RefreshTokens(access, access_ttl=120).issue({"sub": "a"}).expires_in == 120
    assert RefreshTokens(access, refresh_ttl=60).issue({"sub": "a"}).expires_in == 60


def test_a_session_with_less_than_a_second_left_ends(access: Guard, clock: FrozenClock) -> None:
    sessions = RefreshTokens(access, refresh_ttl=600, max_session=100)
    pair = sessions.issue({"sub": "42"})
    clock.advance(99)
    last = sessions.refresh(pair.refresh_token)
    assert last.refresh_expires_in == 1
    clock.advance(0.5)
    with pytest.raises(ExpiredTokenError) as info:
        sessions.refresh(last.refresh_token)
    assert (info.value.claim, info.value.reason) == ("auth_time", "session")
    assert info.value.description == "The session expired."


def test_the_verifier_follows_the_access_policy(clock: FrozenClock) -> None:
    guard = Guard(
        SECRET, algorithms=["HS256"], audience="api", issuer="https://idp", leeway=30, clock=clock
    )
    sessions = RefreshTokens(guard, refresh_ttl=60)
    pair = sessions.issue({"sub": "42"})
    assert sessions.verifier.verify(pair.refresh_token)["iss"] == "https://idp"
    clock.advance(60 + 29)  # expired, within the leeway
    assert sessions.refresh(pair.refresh_token).family == pair.family
    assert sessions.verifier.policy.max_token_bytes == guard.policy.max_token_bytes
    assert sessions.verifier.policy.algorithms == ("HS256",)


def test_a_refresh_token_lacking_its_family_is_refused(sessions: RefreshTokens) -> None:
    forged = sessions.issuer.issue({"sub": "42"})  # signed, typ and aud right, no fam
    with pytest.raises(TokenError) as info:
        sessions.refresh(forged)
    assert info.value.code == "missing_claim"


def test_refresh_algorithms(access: Guard) -> None:
    es = generate_key("ES256")
    assert RefreshTokens(access, refresh_key=es).verifier.policy.algorithms == ("ES256",)
    chosen = RefreshTokens(access, refresh_key="k" * 48, refresh_algorithms=["HS384"])
    assert chosen.verifier.policy.algorithms == ("HS384",)
    assert RefreshTokens(access, refresh_key=SECRET + "x").verifier.policy.algorithms == ("HS256",)


def test_the_next_pair_keeps_the_subject_and_the_login_time(
    access: Guard, clock: FrozenClock
) -> None:
    sessions = RefreshTokens(access, reload=lambda claims: {"sub": "someone-else", "x": [1]})
    pair = sessions.issue({"sub": "42"})
    login = int(clock())
    clock.advance(100)
    after = sessions.refresh(pair.refresh_token)
    claims = access.verify(after.access_token)
    assert (claims["sub"], claims["x"]) == ("42", (1,))
    assert sessions.verifier.verify(after.refresh_token)["auth_time"] == login


def test_without_auth_time_the_session_starts_at_its_iat(access: Guard, clock: FrozenClock) -> None:
    sessions = RefreshTokens(access, refresh_ttl=600, max_session=300)
    start = int(clock())
    token = sessions.issuer.issue({"sub": "42", "fam": "F", "ctx": "not a mapping"})
    clock.advance(100)
    pair = sessions.refresh(token)
    assert pair.refresh_expires_in == start + 300 - int(clock())
    assert access.verify(pair.access_token)["sub"] == "42"


def test_a_token_of_a_revoked_family_is_refused_as_revoked_not_reused(
    sessions: RefreshTokens,
) -> None:
    pair = sessions.issue({"sub": "42"})
    sessions.logout(pair.refresh_token)
    with pytest.raises(RevokedTokenError) as info:
        sessions.refresh(pair.refresh_token)
    assert type(info.value) is RevokedTokenError
    assert info.value.description == "The refresh token was revoked."


def test_reuse_revokes_the_family_for_a_refresh_lifetime(
    access: Guard, store: MemoryRevocationStore, clock: FrozenClock
) -> None:
    spy = Spy(store)
    sessions = RefreshTokens(access, store=spy, refresh_ttl=3600)  # type: ignore[arg-type]
    pair = sessions.issue({"sub": "42"})
    exp = sessions.verifier.verify(pair.refresh_token)["exp"]
    sessions.refresh(pair.refresh_token)
    assert spy.calls == [("revoke", exp)]
    clock.advance(10)
    with pytest.raises(RefreshTokenReusedError):
        sessions.refresh(pair.refresh_token)
    assert spy.calls[-1] == ("revoke_family", pair.family, clock() + 3600)


def test_losing_the_race_to_spend_a_token_is_reuse(
    access: Guard, store: MemoryRevocationStore, clock: FrozenClock
) -> None:
    spy = Spy(store, lose_race=True)
    sessions = RefreshTokens(access, store=spy, refresh_ttl=3600)  # type: ignore[arg-type]
    pair = sessions.issue({"sub": "42"})
    with pytest.raises(RefreshTokenReusedError):
        sessions.refresh(pair.refresh_token)
    assert spy.calls[-1] == ("revoke_family", pair.family, clock() + 3600)
    with pytest.raises(RevokedTokenError):
        access.verify(pair.access_token)


def test_logout_of_claims_without_a_family_revokes_nothing(
    access: Guard, store: MemoryRevocationStore
) -> None:
    spy = Spy(store)
    sessions = RefreshTokens(access, store=spy)  # type: ignore[arg-type]
    sessions.logout(Claims({"sub": "42"}))
    sessions.logout(Claims({"sub": "42", "fam": 7}))
    assert spy.calls == []
    with pytest.raises(TokenError):
        sessions.logout("not a token")


def test_logout_everywhere_cuts_off_at_the_next_whole_second(
    access: Guard, store: MemoryRevocationStore, clock: FrozenClock
) -> None:
    spy = Spy(store)
    sessions = RefreshTokens(access, store=spy, refresh_ttl=3600)  # type: ignore[arg-type]
    clock.advance(0.25)
    sessions.logout_everywhere("42")
    cutoff = math.floor(clock()) + 1.0
    assert spy.calls == [
        ("revoke_subject", "42", {"issued_before": cutoff, "expires_at": cutoff + 3600})
    ]


class AsyncOnly:
    """A store with only the async methods."""

    def is_revoked(self, claims: Claims) -> bool:
        return False

    async def arevoke(self, jti: str, expires_at: float) -> bool:
        return True

    async def ais_jti_revoked(self, jti: str) -> bool:
        return False

    async def acheck(self, claims: Claims) -> bool:
        return False

    async def arevoke_subject(self, subject: str, **window: float) -> None:
        return None

    async def arevoke_family(self, family: str, expires_at: float) -> None:
        return None


async def test_each_store_kind_is_used_through_its_own_methods(
    access: Guard, store: MemoryRevocationStore
) -> None:
    async_only = RefreshTokens(access, store=AsyncOnly())  # type: ignore[arg-type]
    pair = async_only.issue({"sub": "42"})
    for call in (
        lambda: async_only.refresh(pair.refresh_token),
        lambda: async_only.logout(pair.refresh_token),
        lambda: async_only.logout_everywhere("42"),
    ):
        with pytest.raises(ConfigError, match="store: this store is async-only; use the a"):
            call()
    assert (await async_only.arefresh(pair.refresh_token)).family == pair.family
    sync_only = RefreshTokens(access, store=Spy(store))  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="store: this store is sync-only; use the sync"):
        await sync_only.arefresh(sync_only.issue({"sub": "42"}).refresh_token)


def test_defaults_a_fortnight_and_a_128_bit_family(access: Guard) -> None:
    sessions = RefreshTokens(access)
    assert sessions.refresh_ttl == 14 * 86400
    pair = sessions.issue({"sub": "42"})
    assert pair.refresh_expires_in == 1_209_600
    assert len(pair.family) == 22  # 16 random bytes, base64url
    with pytest.raises(dataclasses.FrozenInstanceError):
        pair.family = "other"  # type: ignore[misc]
    assert not hasattr(pair, "__dict__")


def test_no_registered_claim_is_carried_to_the_next_pair(
    sessions: RefreshTokens, clock: FrozenClock
) -> None:
    now = int(clock())
    registered = {"aud": "api", "nbf": now, "iat": now, "jti": "login-jti", "exp": now + 60}
    pair = sessions.issue({"sub": "42", "role": "r", **registered})
    assert sessions.verifier.verify(pair.refresh_token)["ctx"] == {"role": "r"}


def test_the_refresh_verifier_checks_the_issuer(clock: FrozenClock) -> None:
    guard = Guard(
        SECRET, algorithms=["HS256"], audience="api", issuer=["https://a", "https://b"], clock=clock
    )
    sessions = RefreshTokens(guard, refresh_ttl=60)
    pair = sessions.issue({"sub": "42"})
    claims = sessions.verifier.verify(pair.refresh_token)
    assert claims["iss"] == guard.verify(pair.access_token)["iss"] == "https://a"
    stranger = Guard(SECRET, algorithms=["HS256"], audience="api", issuer="https://c", clock=clock)
    forged = RefreshTokens(stranger, refresh_ttl=60).issue({"sub": "42"}).refresh_token
    with pytest.raises(TokenError) as info:
        sessions.refresh(forged)
    assert info.value.code == "invalid_issuer"


def test_refresh_tokens_are_never_cached(sessions: RefreshTokens) -> None:
    pair = sessions.issue({"sub": "42"})
    sessions.verifier.verify(pair.refresh_token)
    sessions.verifier.verify(pair.refresh_token)
    stats = sessions.verifier.stats()
    assert (stats.hits, stats.misses, stats.cache_size) == (0, 2, 0)


def test_a_guard_that_verifies_with_a_public_key_signs_refresh_tokens_too(
    clock: FrozenClock,
) -> None:
    private = generate_key("ES256")
    public = Key.from_pem(public_pem(private), "ES256")
    guard = Guard(public, algorithms=["ES256"], audience="api", signing_key=private, clock=clock)
    sessions = RefreshTokens(guard, refresh_ttl=60)
    pair = sessions.refresh(sessions.issue({"sub": "42"}).refresh_token)
    assert guard.verify(pair.access_token)["sub"] == "42"
