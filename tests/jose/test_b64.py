"""Strict base64url (RFC 7515 section 2): one encoding per byte string, nothing else."""

from __future__ import annotations

import base64
import os
import re

import pytest

from jwtguard.jose import b64url_decode, b64url_encode

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def reference(segment: str) -> bytes | None:
    """What a strict decoder must answer, written the slow, obvious way (None: refused)."""
    if not re.fullmatch(r"[A-Za-z0-9_-]*", segment) or len(segment) % 4 == 1:
        return None
    data = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    return data if b64url_encode(data) == segment else None


def test_every_character_outside_the_alphabet_is_refused_wherever_it_stands() -> None:
    for code in [*range(256), 0x00E9, 0x2028, 0xFF0B, 0x1F600]:
        char = chr(code)
        # four of it too: a lenient decoder skipping it would still see whole quads
        for segment in (char + "AAA", "AA" + char + "A", "AAA" + char, "AA" + char * 4 + "AA"):
            expected = reference(segment)
            if expected is None:
                with pytest.raises(ValueError, match="base64url"):
                    b64url_decode(segment)
            else:
                assert char in ALPHABET
                assert b64url_decode(segment) == expected


@pytest.mark.parametrize(
    "segment",
    ["A", "AAAAA", "AA==", "AA=", "AAA=", "A+A_", "A/A-", "AB", "AAB", " AA", "AA\n", "\u00e9AA"],
)
def test_non_canonical_or_foreign_segments_are_refused(segment: str) -> None:
    assert reference(segment) is None
    with pytest.raises(ValueError, match="base64url"):
        b64url_decode(segment)


@pytest.mark.parametrize("size", range(0, 40))
def test_every_length_round_trips(size: int) -> None:
    data = os.urandom(size)
    assert b64url_decode(b64url_encode(data)) == data
    assert reference(b64url_encode(data)) == data
