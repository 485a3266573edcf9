"""Token shapes as senders really produce them: kid types, JWE, and big tokens."""

from __future__ import annotations

import pytest

from jwtguard import EncryptedTokenError, MalformedTokenError, TokenTooLargeError
from jwtguard.policy import Policy
from jwtguard.testing import FrozenClock, TokenFactory, encode_unchecked

JWE_HEADER = "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ"  # {"alg":"RSA-OAEP","enc":"A256GCM"}


@pytest.mark.parametrize("kid", [None, 7, ["a"], {"k": 1}, True])
def test_a_kid_that_is_not_a_string_is_malformed(kid: object, factory: TokenFactory) -> None:
    guard = factory.guard()
    token = encode_unchecked(
        {"alg": "HS256", "kid": kid}, {"exp": factory.clock() + 60}, factory.key
    )
    with pytest.raises(MalformedTokenError) as info:
        guard.verify(token)
    assert info.value.description == "The access token header has an invalid 'kid'."


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(f"{JWE_HEADER}.a2V5.aXY.Y2lwaGVy.dGFn", id="rsa-oaep"),
        pytest.param(f"{JWE_HEADER}..aXY.Y2lwaGVy.dGFn", id="dir-empty-key"),
    ],
)
def test_an_encrypted_token_has_its_own_code(token: str, factory: TokenFactory) -> None:
    guard = factory.guard()
    for form in (token, token.encode()):
        with pytest.raises(EncryptedTokenError) as info:
            guard.verify(form)
        assert info.value.code == "encrypted_token"
        assert info.value.description == "Encrypted tokens (JWE) are not supported."
    assert guard.stats().rejected == {"encrypted_token": 2}


@pytest.mark.parametrize("token", ["a.b.c.d", "a.b.c.d.e.f", "a..b..c", "....", "a.b.c.d.e!"])
def test_other_segment_counts_stay_malformed(token: str, factory: TokenFactory) -> None:
    with pytest.raises(MalformedTokenError):
        factory.guard().verify(token)


def test_the_default_size_limit_admits_big_real_tokens(clock: FrozenClock) -> None:
    factory = TokenFactory.for_algorithm("RS256", clock=clock)
    guard = factory.guard()
    groups = [f"{n:08x}-0000-4000-8000-000000000000" for n in range(200)]
    token = factory.issue(sub="x", groups=groups, name="a" * 2000)
    assert 12_000 < len(token) < Policy.build(algorithms=["RS256"]).max_token_bytes
    assert len(guard.verify(token)["groups"]) == 200
    with pytest.raises(TokenTooLargeError):
        guard.verify("a" * (guard.policy.max_token_bytes + 1))
