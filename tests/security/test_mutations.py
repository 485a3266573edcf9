"""Property tests: no byte string verifies but the genuine token, and none escapes as another
exception (RFC 7515 section 5.2: any change to the signed octets invalidates the JWS)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jwtguard import TokenError
from jwtguard.testing import FrozenClock, TokenFactory

FACTORY = TokenFactory.for_algorithm("HS256", clock=FrozenClock(), kid="k1")
GUARD = FACTORY.guard(audience="api")
TOKEN = FACTORY.issue(sub="1", aud="api")
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ \x00é"
FAST = settings(
    max_examples=400,
    deadline=None,
    # verify (a fixture: verify or averify) holds no state between examples
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@FAST
@given(st.binary(max_size=2048))
def test_arbitrary_bytes_end_in_a_token_error(verify: Any, data: bytes) -> None:
    with pytest.raises(TokenError) as info:
        verify(GUARD, data)
    assert info.value.code


@FAST
@given(st.text(max_size=600))
def test_arbitrary_text_end_in_a_token_error(verify: Any, text: str) -> None:
    with pytest.raises(TokenError) as info:
        verify(GUARD, text)
    assert info.value.code


@FAST
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=len(TOKEN) - 1),
            st.sampled_from(["replace", "delete", "insert"]),
            st.sampled_from(ALPHABET),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_mutations_of_a_valid_token_never_verify(
    verify: Any, edits: list[tuple[int, str, str]]
) -> None:
    token = TOKEN
    for position, kind, char in edits:
        position = min(position, len(token) - 1)
        if kind == "replace":
            token = token[:position] + char + token[position + 1 :]
        elif kind == "delete":
            token = token[:position] + token[position + 1 :]
        else:
            token = token[:position] + char + token[position:]
    if token == TOKEN:
        assert verify(GUARD, token)["sub"] == "1"
        return
    try:
        verify(GUARD, token)
    except TokenError:
        return
    raise AssertionError("a mutated token verified")
