"""Strict base64url without padding (RFC 7515 section 2 and appendix C)."""

from __future__ import annotations

import binascii
import re
from typing import Final

_TO_STANDARD: Final = bytes.maketrans(b"-_", b"+/")
_ALPHABET: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
# The last character of a canonical encoding carries zero bits in the slots that
# spill past the final byte: 4 spare bits when len % 4 == 2, 2 when len % 4 == 3.
_CANONICAL_LAST: Final = {
    2: frozenset(c for i, c in enumerate(_ALPHABET) if i & 0x0F == 0),
    3: frozenset(c for i, c in enumerate(_ALPHABET) if i & 0x03 == 0),
}
SEGMENT_RE: Final = re.compile(r"[A-Za-z0-9_-]*")
_FROM_STANDARD: Final = str.maketrans("+/", "-_")


def b64url_decode(segment: str) -> bytes:
    """Decode one segment; raise ``ValueError`` on anything but canonical base64url.

    Rejects padding, whitespace and characters outside the alphabet, impossible
    lengths, and non-canonical final characters, so one byte string has exactly
    one encoding.
    """
    if SEGMENT_RE.fullmatch(segment) is None:
        raise ValueError("not base64url")
    return decode_alphabet_checked(segment)


def decode_alphabet_checked(segment: str) -> bytes:
    """:func:`b64url_decode` for a segment already known to use only the alphabet."""
    rem = len(segment) % 4
    if rem == 1:
        raise ValueError("impossible base64url length")
    if rem and segment[-1] not in _CANONICAL_LAST[rem]:
        raise ValueError("non-canonical base64url")
    data = segment.encode("ascii").translate(_TO_STANDARD)
    if rem:
        data += b"=" * (4 - rem)
    return binascii.a2b_base64(data)


def b64url_encode(data: bytes) -> str:
    """Encode without padding."""
    return (
        binascii.b2a_base64(data, newline=False)
        .decode("ascii")
        .rstrip("=")
        .translate(_FROM_STANDARD)
    )
