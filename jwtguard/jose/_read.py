"""The JWS layer: size cap, structure, strict base64url, header rules, signature.

Returns the verified payload bytes; what they mean is ``_validate``'s business.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, NamedTuple

from jwtguard.claims import Claims
from jwtguard.errors import (
    AlgorithmNotAllowedError,
    EncryptedTokenError,
    InvalidSignatureError,
    InvalidTypeError,
    MalformedTokenError,
    TokenError,
    TokenTooLargeError,
    UnknownKeyError,
    UnsupportedHeaderError,
)
from jwtguard.jose._b64 import NOT_BASE64URL, URL_TO_STANDARD, decode_standard
from jwtguard.jose._json import parse_frozen_object, parse_json_object

if TYPE_CHECKING:
    from jwtguard.keys import Key

# RFC 7516 section 7.1: header.encrypted_key.iv.ciphertext.tag (the key is empty for "dir")
_COMPACT_JWE: Final = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+){3}")
_MAX_KID_LENGTH: Final = 256
_HEADER_CACHE_SIZE: Final = 512
_UNDERSTOOD_CRIT: Final[frozenset[str]] = frozenset()


@dataclass(frozen=True, slots=True)
class Header:
    """The parts of a protected header that jwtguard acts on."""

    alg: str
    kid: str | None
    typ: str | None


class Signed(NamedTuple):
    """A compact JWS split and checked up to (not including) the signature.

    A named tuple: one is made per verification, at about half a frozen dataclass's
    cost (its ``__init__`` calls ``object.__setattr__`` once per field).
    """

    token: str
    header: Header
    signing_input: bytes
    signature: bytes
    payload_b64: bytes
    """The payload segment in the standard base64 alphabet, checked but not yet decoded
    (:func:`read_payload` decodes it once the signature verified)."""

    @property
    def payload_segment(self) -> str:
        """The payload segment as the token spells it (base64url)."""
        return self.token.split(".")[1]


def _normalise_typ(typ: str) -> str:
    typ = typ.lower()
    return typ[len("application/") :] if typ.startswith("application/") else typ


class JWSReader:
    """Parses compact JWS tokens for one allow-list; caches decoded headers.

    Identical header segments are common (every token from one issuer and key
    has the same one), so the decoded, checked header is kept by its exact
    text: a bounded dict, cleared when full. Only headers that passed every
    check are kept; anything else is re-examined (and refused) each time.

    Every byte is checked to be base64url before any header is read, in the
    passes that convert each segment to standard base64 anyway (one
    ``bytes.translate`` per segment, not a separate scan of the whole token).
    """

    def __init__(self, algorithms: Sequence[str], max_token_bytes: int, typ: str | None) -> None:
        self._algorithms = frozenset(algorithms)
        self._max_bytes = max_token_bytes
        self._typ = None if typ is None else _normalise_typ(typ)
        self._headers: dict[bytes, Header] = {}

    def as_text(self, token: object) -> str:
        """The token as ``str``: size-checked first, then ASCII-decoded when bytes."""
        if isinstance(token, str):
            if len(token) > self._max_bytes:
                raise TokenTooLargeError
            return token
        if not isinstance(token, (bytes, bytearray, memoryview)):
            raise MalformedTokenError
        raw = bytes(token)
        if len(raw) > self._max_bytes:
            raise TokenTooLargeError
        try:
            return raw.decode("ascii")
        except UnicodeDecodeError:
            raise MalformedTokenError from None

    def split(self, token: object) -> Signed:
        """Check the size, shape, header and encoding; raise a :class:`TokenError` on any fault."""
        if type(token) is not str or len(token) > self._max_bytes:
            token = self.as_text(token)
        try:
            raw = token.encode("ascii")
        except UnicodeEncodeError:
            raise MalformedTokenError from None
        segments = raw.split(b".")
        if len(segments) != 3:
            if _COMPACT_JWE.fullmatch(token):
                raise EncryptedTokenError
            raise MalformedTokenError
        header_seg, payload_seg, signature_seg = segments
        if not (header_seg and payload_seg and signature_seg):
            raise MalformedTokenError
        # the alphabet of all three segments, before any of them is read (a cached
        # header's segment passed it when it was first read)
        payload_b64 = payload_seg.translate(URL_TO_STANDARD)
        signature_b64 = signature_seg.translate(URL_TO_STANDARD)
        if NOT_BASE64URL in payload_b64 or NOT_BASE64URL in signature_b64:
            raise MalformedTokenError
        header = self._headers.get(header_seg)
        if header is None:
            header_b64 = header_seg.translate(URL_TO_STANDARD)
            if NOT_BASE64URL in header_b64:
                raise MalformedTokenError
            header = self._read_header(header_b64)
            if len(self._headers) >= _HEADER_CACHE_SIZE:
                self._headers.clear()
            self._headers[header_seg] = header
        try:
            signature = decode_standard(signature_b64)
        except ValueError:
            raise MalformedTokenError from None
        signing_input = raw[: len(header_seg) + 1 + len(payload_seg)]
        return Signed(token, header, signing_input, signature, payload_b64)

    def _read_header(self, segment: bytes) -> Header:
        try:
            raw = decode_standard(segment)
        except ValueError:
            raise MalformedTokenError from None
        header = parse_json_object(raw)
        alg = header.get("alg")
        if not isinstance(alg, str):
            raise MalformedTokenError("The access token header has no valid 'alg'.")
        if alg not in self._algorithms:
            raise AlgorithmNotAllowedError
        if "crit" in header:
            crit = header["crit"]
            if (
                not isinstance(crit, list)
                or not crit
                or not all(isinstance(c, str) for c in crit)
                or any(c not in _UNDERSTOOD_CRIT for c in crit)
            ):
                raise UnsupportedHeaderError
        if "b64" in header and header["b64"] is not True:
            raise UnsupportedHeaderError
        kid = header.get("kid")
        if "kid" in header and (not isinstance(kid, str) or len(kid) > _MAX_KID_LENGTH):
            raise MalformedTokenError("The access token header has an invalid 'kid'.")
        typ = header.get("typ")
        if typ is not None and not isinstance(typ, str):
            raise MalformedTokenError("The access token header has an invalid 'typ'.")
        if self._typ is not None and (typ is None or _normalise_typ(typ) != self._typ):
            raise InvalidTypeError("typ", "mismatch")
        return Header(alg=alg, kid=kid, typ=typ)


def check_signature(signed: Signed, keys: Sequence[Key]) -> Key:
    """The key that verifies ``signed``; :class:`UnknownKeyError` when no key was a candidate."""
    if not keys:
        raise UnknownKeyError
    for key in keys:
        if key.verify(signed.header.alg, signed.signing_input, signed.signature):
            return key
    raise InvalidSignatureError


def read_payload(signed: Signed) -> Claims:
    """The payload's JSON object (after the signature has been checked), read-only."""
    try:
        raw = decode_standard(signed.payload_b64)
    except ValueError:
        raise MalformedTokenError from None
    return Claims.wrap(parse_frozen_object(raw))


__all__ = ["Header", "JWSReader", "Signed", "TokenError", "check_signature", "read_payload"]
