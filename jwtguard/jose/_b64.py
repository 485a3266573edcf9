"""Strict base64url without padding (RFC 7515 section 2 and appendix C)."""

from __future__ import annotations

import binascii
from typing import Final

_ALPHABET: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_URL_TO_STANDARD: Final = {ord("-"): ord("+"), ord("_"): ord("/")}
_STANDARD: Final = _ALPHABET.translate(_URL_TO_STANDARD)
NOT_BASE64URL: Final = ord("!")
"""The byte :data:`URL_TO_STANDARD` puts in place of every byte outside the base64url
alphabet (standard base64 knows no ``!``). An ``int``: ``int in bytes`` is a plain memchr,
while ``bytes in bytes`` first tries the operand as an integer and formats a TypeError."""
URL_TO_STANDARD: Final = bytes(
    _URL_TO_STANDARD.get(b, b) if chr(b) in _ALPHABET else NOT_BASE64URL for b in range(256)
)
"""A ``bytes.translate`` table: base64url to standard base64 (``-`` to ``+``, ``_`` to
``/``), any other byte (``+``, ``/``, ``=``, whitespace, ...) to :data:`NOT_BASE64URL`.
One pass both converts a segment and checks its alphabet: the converted bytes are free of
``NOT_BASE64URL`` exactly when the segment is base64url (a C membership test tells)."""
# The last character of a canonical encoding carries zero bits in the slots that
# spill past the final byte: 4 spare bits when len % 4 == 2, 2 when len % 4 == 3
# (in the standard alphabet, as :func:`decode_standard` sees it).
_CANONICAL_LAST: Final = {
    2: frozenset(ord(c) for i, c in enumerate(_STANDARD) if i & 0x0F == 0),
    3: frozenset(ord(c) for i, c in enumerate(_STANDARD) if i & 0x03 == 0),
}
_PADDING: Final = (b"", b"", b"==", b"=")
_FROM_STANDARD: Final = str.maketrans("+/", "-_")


def b64url_decode(segment: str) -> bytes:
    """Decode one segment; raise ``ValueError`` on anything but canonical base64url.

    Rejects padding, whitespace and characters outside the alphabet, impossible
    lengths, and non-canonical final characters, so one byte string has exactly
    one encoding.
    """
    if not segment.isascii():
        raise ValueError("not base64url")
    data = segment.encode("ascii").translate(URL_TO_STANDARD)
    if NOT_BASE64URL in data:
        raise ValueError("not base64url")
    return decode_standard(data)


def decode_alphabet_checked(segment: str) -> bytes:
    """:func:`b64url_decode` for a segment already known to use only the alphabet."""
    return decode_standard(segment.encode("ascii").translate(URL_TO_STANDARD))


def decode_standard(data: bytes) -> bytes:
    """Decode a segment already converted by :data:`URL_TO_STANDARD` and found free of
    :data:`NOT_BASE64URL`; raise ``ValueError`` for an impossible length or a
    non-canonical final character."""
    rem = len(data) % 4
    if rem == 1:
        raise ValueError("impossible base64url length")
    if rem and data[-1] not in _CANONICAL_LAST[rem]:
        raise ValueError("non-canonical base64url")
    return binascii.a2b_base64(data + _PADDING[rem] if rem else data)


def b64url_encode(data: bytes) -> str:
    """Encode without padding."""
    return (
        binascii.b2a_base64(data, newline=False)
        .decode("ascii")
        .rstrip("=")
        .translate(_FROM_STANDARD)
    )
