"""One flipped bit at every position of a genuine token never verifies (RFC 7515 section 5.2).

Every bit of every character of the header, payload and signature segments is flipped in
turn (within the base64url alphabet, so the token keeps its shape). The expected code is
derived independently from what the flipped token now says, following the order of the
checks in RFC 7515 section 5.2 and RFC 8725 section 3.1:

- a segment that is no longer canonical base64url, a header that is not a UTF-8 JSON
  object, or a header without a string ``alg``: ``malformed``;
- an ``alg`` that is not the allow-listed ``HS256``: ``algorithm_not_allowed``;
- a ``kid`` that is not a string: ``malformed``; another string: ``unknown_key``;
- ``crit`` or ``b64`` members appearing: ``unsupported_header``;
- anything else (payload or signature changed, header still acceptable): the MAC no longer
  matches, ``invalid_signature``. That includes a payload segment made non-canonical: the
  payload is only decoded after its signature verified (unauthenticated octets are never
  parsed), so the MAC check refuses it first.

The core sees every position; each adapter sees every position of one segment in turn
(round-robin), which keeps the suite fast while every position reaches some adapter.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from jwtguard import TokenError
from jwtguard.jose import b64url_decode
from jwtguard.testing import FrozenClock, TokenFactory

from .conftest import _adapters

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
FACTORY = TokenFactory.for_algorithm("HS256", clock=FrozenClock(), kid="k1")
TOKEN = FACTORY.issue(sub="flip-subject", aud="api")
GUARD = FACTORY.guard(audience="api", cache_size=0)
SEGMENTS = ("header", "payload", "signature")


def flipped(part: int, index: int, bit: int) -> str:
    parts = TOKEN.split(".")
    segment = parts[part]
    char = ALPHABET[ALPHABET.index(segment[index]) ^ (1 << bit)]
    parts[part] = segment[:index] + char + segment[index + 1 :]
    return ".".join(parts)


FLIPS = [
    (part, index, bit)
    for part, segment in enumerate(TOKEN.split("."))
    for index in range(len(segment))
    for bit in range(6)
]


def expected_code(token: str) -> str:
    """What the flipped token says, read by the rules above (not by jwtguard's code)."""
    header_seg, _, signature_seg = token.split(".")
    try:
        header = json.loads(b64url_decode(header_seg).decode("utf-8"))
        b64url_decode(signature_seg)
    except ValueError:  # base64url, UTF-8 and JSON errors are all ValueErrors
        return "malformed"
    if type(header) is not dict or not isinstance(header.get("alg"), str):
        return "malformed"
    if header["alg"] != "HS256":
        return "algorithm_not_allowed"
    if "crit" in header or "b64" in header:
        return "unsupported_header"
    kid = header.get("kid")
    if kid is not None and not isinstance(kid, str):
        return "malformed"
    if kid is not None and kid != "k1":
        return "unknown_key"
    return "invalid_signature"


def test_every_position_of_every_segment_is_flipped() -> None:
    lengths = [len(s) for s in TOKEN.split(".")]
    assert len(FLIPS) == 6 * sum(lengths)
    assert len({flipped(*f) for f in FLIPS}) == len(FLIPS)  # each flip is a distinct token


@pytest.mark.parametrize("part", [0, 1, 2], ids=SEGMENTS)
def test_core_refuses_every_single_bit_flip(part: int, verify: Any) -> None:
    seen: dict[str, int] = {}
    for flip in (f for f in FLIPS if f[0] == part):
        token = flipped(*flip)
        want = expected_code(token)
        with pytest.raises(TokenError) as info:
            verify(GUARD, token)
        assert info.value.code == want, (SEGMENTS[part], flip[1], flip[2])
        seen[want] = seen.get(want, 0) + 1
    if part:  # payload and signature flips only ever break the MAC or the encoding
        assert set(seen) <= {"invalid_signature", "malformed"}
    assert seen.get("invalid_signature", 0) + seen.get("malformed", 0) > 0


@pytest.mark.parametrize("name", [cls.name for cls in _adapters.ADAPTERS])
def test_every_adapter_refuses_bit_flips(name: str) -> None:
    """Round-robin: adapter i gets the flips whose position is i modulo the adapter count."""
    (cls,) = [c for c in _adapters.ADAPTERS if c.name == name]
    offset = [c.name for c in _adapters.ADAPTERS].index(name)
    send: Any = cls(lambda **kw: FACTORY.guard(**kw)).client(guard=GUARD)
    assert send("GET", "/r", headers=[("Authorization", f"Bearer {TOKEN}")]).status == 200
    count = len(_adapters.ADAPTERS)
    for flip in FLIPS[offset::count]:
        token = flipped(*flip)
        answer = send("GET", "/r", headers=[("Authorization", f"Bearer {token}")])
        assert answer.status == 401, flip
        assert answer.json()["error"] == "invalid_token"
        assert token.encode() not in answer.body
