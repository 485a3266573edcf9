"""The JWS layer through Guard.verify: structure, encoding, header rules (RFC 7515, RFC 8725)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest

from jwtguard import Guard, Key, TokenError
from jwtguard.claims import FrozenDict
from jwtguard.errors import (
    AlgorithmNotAllowedError,
    EncryptedTokenError,
    InvalidSignatureError,
    InvalidTypeError,
    MalformedTokenError,
    TokenTooLargeError,
    UnknownKeyError,
    UnsupportedHeaderError,
)
from jwtguard.jose._b64 import b64url_decode, b64url_encode
from jwtguard.jose._json import MAX_DEPTH
from jwtguard.jose._read import Header, JWSReader, Signed, check_signature, read_payload
from jwtguard.testing import FrozenClock, TokenFactory, encode_unchecked

PAYLOAD = {"sub": "1", "exp": 1_700_000_900}


def code_of(guard: Guard, token: Any) -> str:
    with pytest.raises(TokenError) as info:
        guard.verify(token)
    return info.value.code


@pytest.fixture
def guard(factory: TokenFactory) -> Guard:
    return factory.guard()


def signed(factory: TokenFactory, header: dict[str, Any] | bytes, payload: Any = None) -> str:
    return encode_unchecked(
        header, PAYLOAD if payload is None else payload, factory.key, algorithm="HS256"
    )


def test_a_valid_token_passes(guard: Guard, factory: TokenFactory) -> None:
    assert guard.verify(signed(factory, {"alg": "HS256", "typ": "JWT"}))["sub"] == "1"


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE"])
def test_alg_none_in_any_capitalisation_is_refused(guard: Guard, alg: str) -> None:
    token = encode_unchecked({"alg": alg}, PAYLOAD, signature=b"")
    assert code_of(guard, token) == "malformed"  # empty signature segment
    token = encode_unchecked({"alg": alg}, PAYLOAD, signature=b"x")
    assert code_of(guard, token) == "algorithm_not_allowed"


@pytest.mark.parametrize(
    ("header", "code"),
    [
        pytest.param({"alg": "HS384"}, "algorithm_not_allowed", id="alg-outside-allow-list"),
        pytest.param({"alg": "RS256"}, "algorithm_not_allowed", id="alg-of-other-family"),
        pytest.param({"alg": "XYZ"}, "algorithm_not_allowed", id="unknown-alg"),
        pytest.param({"alg": 256}, "malformed", id="alg-not-a-string"),
        pytest.param({"typ": "JWT"}, "malformed", id="alg-missing"),
        pytest.param({"alg": "HS256", "crit": ["exp"]}, "unsupported_header", id="crit-unknown"),
        pytest.param({"alg": "HS256", "crit": []}, "unsupported_header", id="crit-empty"),
        pytest.param({"alg": "HS256", "crit": "b64"}, "unsupported_header", id="crit-not-list"),
        pytest.param(
            {"alg": "HS256", "b64": False, "crit": ["b64"]}, "unsupported_header", id="b64-false"
        ),
        pytest.param({"alg": "HS256", "kid": 5}, "malformed", id="kid-not-a-string"),
        pytest.param({"alg": "HS256", "kid": "k" * 300}, "malformed", id="kid-huge"),
        pytest.param({"alg": "HS256", "typ": 1}, "malformed", id="typ-not-a-string"),
    ],
)
def test_header_rules(guard: Guard, factory: TokenFactory, header: Any, code: str) -> None:
    assert code_of(guard, signed(factory, header)) == code


def test_duplicate_header_members_are_refused(guard: Guard, factory: TokenFactory) -> None:
    raw = b'{"alg":"none","alg":"HS256"}'
    assert code_of(guard, signed(factory, raw)) == "malformed"


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b'{"sub":"1","exp":1,"exp":1700000900}', id="top-level"),
        pytest.param(b'{"sub":"1","exp":1700000900,"c":{"a":1,"a":2}}', id="nested"),
        # a payload holding arrays is read by another hook (it turns them into tuples)
        pytest.param(b'{"sub":"1","exp":1700000900,"r":["x"],"c":{"a":1,"a":2}}', id="array-too"),
        pytest.param(b'{"sub":"1","exp":1700000900,"r":[{"a":1,"a":2}]}', id="in-array"),
        pytest.param(b'{"sub":"1","sub":"2","exp":1700000900,"r":[1]}', id="top-with-array"),
    ],
)
def test_duplicate_payload_members_are_refused(
    guard: Guard, factory: TokenFactory, raw: bytes
) -> None:
    assert code_of(guard, signed(factory, {"alg": "HS256"}, raw)) == "malformed"


@pytest.mark.parametrize(
    ("raw", "accepted"),
    [
        pytest.param(b' \n{"sub":"1","exp":1700000900}\t\r\n', True, id="json-whitespace"),
        pytest.param(b'{"sub":"1","exp":1700000900}{}', False, id="second-object"),
        pytest.param(b'{"sub":"1","exp":1700000900} x', False, id="trailing-text"),
        pytest.param(b'{"sub":"1","exp":1700000900}\x0b', False, id="not-json-whitespace"),
        pytest.param(b'{"sub":"1","exp":1700000900', False, id="unterminated"),
    ],
)
def test_the_payload_is_exactly_one_json_object(
    guard: Guard, factory: TokenFactory, raw: bytes, accepted: bool
) -> None:
    token = signed(factory, {"alg": "HS256"}, raw)
    if accepted:
        assert guard.verify(token)["sub"] == "1"
    else:
        assert code_of(guard, token) == "malformed"


def test_verified_claims_are_read_only_as_parsed(guard: Guard, factory: TokenFactory) -> None:
    payload = {
        **PAYLOAD,
        "realm_access": {"roles": ["a", "b"]},
        "grid": [[1, [2]], [{"k": ["v"]}]],
        "note": "[not an array]",
    }
    claims = guard.verify(signed(factory, {"alg": "HS256"}, payload))
    assert claims == {
        **PAYLOAD,
        "realm_access": {"roles": ("a", "b")},
        "grid": ((1, (2,)), ({"k": ("v",)},)),
        "note": "[not an array]",
    }
    assert type(claims["realm_access"]) is FrozenDict
    assert type(claims["grid"][1][0]) is FrozenDict
    assert claims.to_dict() == payload
    flat = guard.verify(signed(factory, {"alg": "HS256"}, {**PAYLOAD, "o": {"n": 1}}))
    assert type(flat["o"]) is FrozenDict  # no array anywhere: the other hook, same result


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(b"[1,2]", id="array"),
        pytest.param(b'"text"', id="string"),
        pytest.param(b"not json", id="not-json"),
        pytest.param(b'{"exp": NaN}', id="nan"),
        pytest.param(b'{"exp": Infinity}', id="infinity"),
        pytest.param(b'{"sub": "\xff"}', id="invalid-utf8"),
        pytest.param(b"[" * 100_000 + b"]" * 100_000, id="deep-nesting"),
        pytest.param(b'{"exp": 1' + b"0" * 5000 + b"}", id="huge-integer"),
        pytest.param('{"exp": 1}'.encode("utf-16"), id="utf16"),
    ],
)
def test_payload_must_be_a_strict_json_object(factory: TokenFactory, payload: bytes) -> None:
    guard = factory.guard(max_token_bytes=1 << 20)
    assert code_of(guard, signed(factory, {"alg": "HS256"}, payload)) == "malformed"


def test_header_must_be_a_json_object(guard: Guard, factory: TokenFactory) -> None:
    assert code_of(guard, signed(factory, b'["alg"]')) == "malformed"
    assert code_of(guard, signed(factory, b"garbage")) == "malformed"


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda t: t + ".", id="four-segments"),
        pytest.param(lambda t: t.rsplit(".", 1)[0], id="two-segments"),
        pytest.param(lambda t: t.replace(".", "..", 1), id="empty-segment"),
        pytest.param(lambda t: t + "=", id="padding"),
        pytest.param(lambda t: t + "==", id="double-padding"),
        pytest.param(lambda t: " " + t, id="leading-space"),
        pytest.param(lambda t: t + "\n", id="trailing-newline"),
        pytest.param(lambda t: t[:10] + "+" + t[11:], id="standard-alphabet-plus"),
        pytest.param(lambda t: t[:10] + "/" + t[11:], id="standard-alphabet-slash"),
        pytest.param(lambda t: t[:10] + "é" + t[11:], id="non-ascii"),
        pytest.param(lambda t: t + "A", id="impossible-length"),
        pytest.param(lambda t: "", id="empty"),
        pytest.param(lambda t: "...", id="only-dots"),
    ],
)
def test_structure_and_encoding(guard: Guard, factory: TokenFactory, mangle: Any) -> None:
    token = factory.issue(sub="1")
    assert code_of(guard, mangle(token)) in {"malformed", "invalid_signature"}


def test_non_canonical_base64_signature_is_refused(guard: Guard, factory: TokenFactory) -> None:
    token = factory.issue(sub="1")
    head, _, sig = token.rpartition(".")
    # 32-byte HS256 signature: 43 chars, the last carries 2 spare bits that must be zero.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(sig[-1])
    twin = head + "." + sig[:-1] + alphabet[last | 1]
    assert b64url_decode(sig) == base64.urlsafe_b64decode(twin.rpartition(".")[2] + "=")
    assert code_of(guard, twin) == "malformed"
    assert guard.verify(token)["sub"] == "1"


@pytest.mark.parametrize("bad", [None, 42, 4.2, ["a"], {"a": 1}, object()])
def test_non_string_input_is_malformed(guard: Guard, bad: Any) -> None:
    assert code_of(guard, bad) == "malformed"


def test_bytes_and_str_are_equivalent(guard: Guard, factory: TokenFactory) -> None:
    token = factory.issue(sub="1")
    first = guard.verify(token.encode())
    assert guard.verify(token) is first
    assert guard.verify(bytearray(token.encode())) is first
    assert code_of(guard, b"\xff\xfe" + token.encode()) == "malformed"


def test_oversized_tokens_are_refused_before_decoding(factory: TokenFactory) -> None:
    guard = factory.guard(max_token_bytes=200)
    assert code_of(guard, "x" * 201) == "token_too_large"
    assert code_of(guard, b"\xff" * 201) == "token_too_large"
    big = factory.issue(sub="1", pad="p" * 300)
    assert code_of(guard, big) == "token_too_large"


def test_jku_x5u_jwk_x5c_headers_are_never_used(guard: Guard, factory: TokenFactory) -> None:
    attacker = TokenFactory.hs256()
    header = {
        "alg": "HS256",
        "jku": "https://evil.example/jwks",
        "x5u": "https://evil.example/cert",
        "jwk": {"kty": "oct", "k": b64url_encode(b"a" * 32)},
        "x5c": ["MIIB"],
    }
    forged = encode_unchecked(header, PAYLOAD, attacker.key, algorithm="HS256")
    assert code_of(guard, forged) == "invalid_signature"
    genuine = signed(factory, header)
    assert guard.verify(genuine)["sub"] == "1"


def test_typ_policy(factory: TokenFactory) -> None:
    guard = factory.guard(typ="at+jwt")
    for typ in ("at+jwt", "AT+JWT", "application/at+jwt"):
        assert guard.verify(signed(factory, {"alg": "HS256", "typ": typ}))["sub"] == "1"
    for header in ({"alg": "HS256", "typ": "JWT"}, {"alg": "HS256"}):
        assert code_of(guard, signed(factory, header)) == "invalid_type"


def test_unknown_kid_and_wrong_key(clock: FrozenClock) -> None:
    owner = TokenFactory.hs256(clock=clock, kid="k1")
    other = TokenFactory.hs256(clock=clock, kid="k1")
    guard = owner.guard()
    assert guard.verify(owner.issue(sub="1"))["sub"] == "1"
    assert code_of(guard, other.issue(sub="1")) == "invalid_signature"
    stranger = TokenFactory.hs256(clock=clock, kid="k2")
    assert code_of(guard, stranger.issue(sub="1")) == "unknown_key"


def test_error_messages_never_echo_the_kid(guard: Guard, factory: TokenFactory) -> None:
    kid = "../../etc/passwd' OR 1=1 --"
    keyed = TokenFactory.hs256(clock=factory.clock, kid="real")
    with pytest.raises(TokenError) as info:
        keyed.guard().verify(signed(keyed, {"alg": "HS256", "kid": kid}))
    assert info.value.code == "unknown_key"
    assert kid not in str(info.value) and "passwd" not in repr(info.value)


def test_header_cache_stays_bounded(guard: Guard, factory: TokenFactory) -> None:
    for i in range(1200):
        guard.verify(signed(factory, {"alg": "HS256", "n": i}))
    assert len(guard._reader._headers) <= 512


def test_encode_helpers_round_trip() -> None:
    for n in range(40):
        data = bytes(range(n))
        assert b64url_decode(b64url_encode(data)) == data
    assert json.loads(b64url_decode(b64url_encode(b'{"a":1}'))) == {"a": 1}


# -- JWSReader, check_signature and read_payload directly ------------------------------------
# Guard.verify turns any unexpected exception into "malformed", which would hide a deleted
# `raise` here: these tests assert the exact error class (and description) of each refusal.

KEY = Key.from_secret(b"r" * 48, ["HS256", "HS384"])
OTHER_KEY = Key.from_secret(b"o" * 48, ["HS256", "HS384"])


def reader(max_bytes: int = 8192, typ: str | None = None) -> JWSReader:
    return JWSReader(["HS256", "HS384"], max_bytes, typ)


def compact(header: dict[str, Any] | bytes, payload: Any = None, key: Key = KEY) -> str:
    return encode_unchecked(header, PAYLOAD if payload is None else payload, key, algorithm="HS256")


def refused(call: Callable[[], object]) -> tuple[type[TokenError], str]:
    with pytest.raises(TokenError) as info:
        call()
    return type(info.value), info.value.description


def test_split_returns_the_parts_of_a_compact_jws() -> None:
    token = compact({"alg": "HS256", "kid": "k1", "typ": "JWT"})
    header_seg, payload_seg, signature_seg = token.split(".")
    signed = reader().split(token)
    assert signed.token == token
    assert signed.header == Header(alg="HS256", kid="k1", typ="JWT")
    assert signed.signing_input == f"{header_seg}.{payload_seg}".encode()
    assert signed.signature == b64url_decode(signature_seg)
    assert signed.payload_segment == payload_seg
    assert read_payload(signed) == PAYLOAD


@pytest.mark.parametrize("wrap", [str, bytes, bytearray, memoryview], ids=lambda w: w.__name__)
def test_as_text_accepts_exactly_the_size_cap(wrap: Any) -> None:
    text = "a" * 100
    value = text if wrap is str else wrap(text.encode())
    assert reader(max_bytes=100).as_text(value) == text
    longer = "a" * 101 if wrap is str else wrap(b"a" * 101)
    assert refused(lambda: reader(max_bytes=100).as_text(longer))[0] is TokenTooLargeError


@pytest.mark.parametrize(
    "value",
    [None, 42, ["a"] * 20_000, {"a": "b"}],
    ids=["none", "int", "long-list", "dict"],
)
def test_as_text_refuses_what_is_not_text_before_the_size_cap(value: Any) -> None:
    assert refused(lambda: reader(max_bytes=100).as_text(value))[0] is MalformedTokenError


def test_as_text_refuses_non_ascii_bytes() -> None:
    assert refused(lambda: reader().as_text("é".encode()))[0] is MalformedTokenError


VALID = compact({"alg": "HS256"})


@pytest.mark.parametrize(
    ("token", "error"),
    [
        pytest.param(VALID.rsplit(".", 1)[0], MalformedTokenError, id="two-segments"),
        pytest.param(VALID + ".AAAA", MalformedTokenError, id="four-segments"),
        pytest.param(VALID.replace(".", "..", 1), MalformedTokenError, id="empty-segment"),
        pytest.param(VALID + "=", MalformedTokenError, id="padding"),
        pytest.param(VALID + ".AAAA.AAAA", EncryptedTokenError, id="jwe"),
        pytest.param("eyJhbGciOiJkaXIifQ..AAAA.AAAA.AAAA", EncryptedTokenError, id="jwe-dir"),
        pytest.param(VALID[:-1] + "B", MalformedTokenError, id="non-canonical-signature"),
        pytest.param("eyJhbGciOiJIUzI1NiJ9B." + VALID.split(".", 1)[1], MalformedTokenError),
    ],
)
def test_split_refuses_what_is_not_one_compact_jws(token: str, error: type) -> None:
    assert refused(lambda: reader().split(token))[0] is error


@pytest.mark.parametrize("char", ["+", "/", "=", " ", "!", "\x00"], ids=repr)
@pytest.mark.parametrize("segment", [0, 1, 2], ids=["header", "payload", "signature"])
def test_split_refuses_a_byte_outside_base64url_in_any_segment(segment: int, char: str) -> None:
    """Four of them, so the length stays possible: a lenient decoder skipping them would
    read the genuine segment."""
    parts = VALID.split(".")
    parts[segment] = parts[segment][:4] + char * 4 + parts[segment][4:]
    assert refused(lambda: reader().split(".".join(parts)))[0] is MalformedTokenError


def test_split_refuses_a_byte_outside_base64url_before_reading_the_header() -> None:
    """Every segment's alphabet is checked first: a bad payload or signature byte is
    malformed even when the header would be refused for its algorithm."""
    _, payload, signature = compact({"alg": "HS256"}).split(".")
    other = b64url_encode(b'{"alg":"RS256"}')
    for token in (f"{other}.{payload}+AAA.{signature}", f"{other}.{payload}.{signature}/AAA"):
        assert refused(lambda: reader().split(token))[0] is MalformedTokenError  # noqa: B023
    assert refused(lambda: reader().split(f"{other}.{payload}.{signature}"))[0] is (
        AlgorithmNotAllowedError
    )


def test_split_refuses_a_non_ascii_text() -> None:
    assert refused(lambda: reader().split(VALID[:5] + "é" + VALID[6:]))[0] is MalformedTokenError


def _header_refusal(header: dict[str, Any] | bytes, typ: str | None = None) -> Any:
    return refused(lambda: reader(typ=typ).split(compact(header)))


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param(
            {"typ": "JWT"},
            (MalformedTokenError, "The access token header has no valid 'alg'."),
            id="alg-missing",
        ),
        pytest.param(
            {"alg": ["HS256"]},
            (MalformedTokenError, "The access token header has no valid 'alg'."),
            id="alg-not-a-string",
        ),
        pytest.param(
            {"alg": "HS512"},
            (AlgorithmNotAllowedError, AlgorithmNotAllowedError.default_description),
            id="alg-not-allowed",
        ),
        *(
            pytest.param(
                {"alg": "HS256", "crit": crit},
                (UnsupportedHeaderError, UnsupportedHeaderError.default_description),
                id=f"crit-{name}",
            )
            for name, crit in [
                ("not-a-list", "b64"),
                ("a-number", 5),
                ("an-object", {"b64": True}),
                ("empty", []),
                ("not-strings", [1]),
                ("unknown", ["exp"]),
                ("one-unknown", ["b64", 5]),
            ]
        ),
        *(
            pytest.param(
                {"alg": "HS256", "b64": b64},
                (UnsupportedHeaderError, UnsupportedHeaderError.default_description),
                id=f"b64-{b64!r}",
            )
            for b64 in (False, "true", 1, None)
        ),
        *(
            pytest.param(
                {"alg": "HS256", "kid": kid},
                (MalformedTokenError, "The access token header has an invalid 'kid'."),
                id=f"kid-{name}",
            )
            for name, kid in [("null", None), ("number", 5), ("257-chars", "k" * 257)]
        ),
        pytest.param(
            {"alg": "HS256", "typ": 1},
            (MalformedTokenError, "The access token header has an invalid 'typ'."),
            id="typ-not-a-string",
        ),
        pytest.param(
            b'{"alg": "HS256", "alg": "HS384"}',
            (MalformedTokenError, MalformedTokenError.default_description),
            id="duplicate-member",
        ),
    ],
)
def test_each_header_refusal(header: Any, expected: tuple[type, str]) -> None:
    assert _header_refusal(header) == expected


@pytest.mark.parametrize(
    "header",
    [
        {"alg": "HS384"},
        {"alg": "HS256", "b64": True},
        {"alg": "HS256", "kid": "k" * 256},
        {"alg": "HS256", "kid": ""},
        {"alg": "HS256", "typ": "anything"},
    ],
    ids=["other-allowed-alg", "b64-true", "kid-256-chars", "kid-empty", "typ-free"],
)
def test_headers_at_the_edges_are_accepted(header: dict[str, Any]) -> None:
    signed = reader().split(compact(header))
    assert (signed.header.alg, signed.header.kid, signed.header.typ) == (
        header["alg"],
        header.get("kid"),
        header.get("typ"),
    )


@pytest.mark.parametrize("typ", ["at+jwt", "AT+JWT", "application/at+jwt", "Application/AT+JWT"])
def test_a_required_typ_matches_case_and_prefix_insensitively(typ: str) -> None:
    assert reader(typ="application/AT+JWT").split(compact({"alg": "HS256", "typ": typ}))


@pytest.mark.parametrize("typ", [None, "JWT", "at+jwt2", "application/jwt", "xapplication/at+jwt"])
def test_a_required_typ_refuses_anything_else(typ: str | None) -> None:
    header = {"alg": "HS256"} if typ is None else {"alg": "HS256", "typ": typ}
    with pytest.raises(InvalidTypeError) as info:
        reader(typ="at+jwt").split(compact(header))
    assert (info.value.claim, info.value.reason) == ("typ", "mismatch")


def test_checked_headers_are_cached_by_segment_and_the_cache_is_bounded() -> None:
    jws = reader()
    first = compact({"alg": "HS256", "n": 0})
    header = jws.split(first).header
    assert jws.split(first).header is header  # decoded once
    for n in range(1, 512):  # 511 more: the cache holds 512
        jws.split(compact({"alg": "HS256", "n": n}))
    assert jws.split(first).header is header
    jws.split(compact({"alg": "HS256", "n": 512}))  # the 513th clears it
    fresh = jws.split(first).header
    assert fresh == header and fresh is not header


@pytest.mark.parametrize(("cls", "field"), [(Header, "alg"), (Signed, "token")])
def test_parsed_parts_are_immutable(cls: type, field: str) -> None:
    """A checked Header is cached and shared by every token with its segment; a Signed
    is a named tuple (AttributeError), a Header a frozen dataclass."""
    signed = reader().split(VALID)
    part = signed.header if cls is Header else signed
    with pytest.raises(AttributeError):  # FrozenInstanceError is one
        setattr(part, field, "none")
    assert not hasattr(part, "__dict__")


def test_check_signature_returns_the_key_that_verifies() -> None:
    signed = reader().split(VALID)
    assert check_signature(signed, [OTHER_KEY, KEY]) is KEY
    assert check_signature(signed, [KEY, OTHER_KEY]) is KEY
    assert refused(lambda: check_signature(signed, [OTHER_KEY]))[0] is InvalidSignatureError
    assert refused(lambda: check_signature(signed, []))[0] is UnknownKeyError


def test_a_signed_but_non_canonical_payload_is_malformed(factory: TokenFactory) -> None:
    header_seg, payload_seg, _ = compact({"alg": "HS256"}, {"sub": "10"}).split(".")
    assert len(payload_seg) % 4 in (2, 3)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    twin = payload_seg[:-1] + alphabet[alphabet.index(payload_seg[-1]) | 1]
    signing_input = f"{header_seg}.{twin}"
    token = f"{signing_input}.{b64url_encode(KEY.sign('HS256', signing_input.encode()))}"
    signed = reader().split(token)
    assert check_signature(signed, [KEY]) is KEY  # the signature itself is valid
    assert refused(lambda: read_payload(signed))[0] is MalformedTokenError
    guard = Guard(KEY, algorithms=["HS256"], require=(), clock=factory.clock)
    assert code_of(guard, token) == "malformed"


def test_read_payload_needs_a_json_object() -> None:
    signed = reader().split(compact({"alg": "HS256"}, b"[1, 2]"))
    assert refused(lambda: read_payload(signed))[0] is MalformedTokenError


def nested(depth: int) -> dict[str, Any]:
    """A claim set whose deepest value sits ``depth`` levels down (the claim set is level 1)."""
    value: Any = "leaf [{ brackets in a string do not nest"
    for level in range(depth - 1):
        value = {"a": value} if level % 2 else [value]
    return {**PAYLOAD, "deep": value}


def test_nesting_is_limited_the_same_on_every_python(guard: Guard, factory: TokenFactory) -> None:
    # Python's own recursion limit differs between versions; MAX_DEPTH does not
    assert guard.verify(signed(factory, {"alg": "HS256"}, nested(MAX_DEPTH)))["sub"] == "1"
    assert code_of(guard, signed(factory, {"alg": "HS256"}, nested(MAX_DEPTH + 1))) == "malformed"
    deep_header = b'{"alg":"HS256","x":' + b"[" * MAX_DEPTH + b"]" * MAX_DEPTH + b"}"
    assert code_of(guard, signed(factory, deep_header)) == "malformed"
    wide = {**PAYLOAD, "wide": [[i] for i in range(3 * MAX_DEPTH)]}  # many brackets, shallow
    assert guard.verify(signed(factory, {"alg": "HS256"}, wide))["sub"] == "1"


def test_unterminated_strings_after_deep_brackets_are_malformed(
    guard: Guard, factory: TokenFactory
) -> None:
    # the depth scan reads these (genuinely signed) payloads before the decoder does
    for body in (b'"' * 5000, b'"' + b'\\"' * 2500, b'"' + b"\\" * 5001):
        payload = b"[" * (MAX_DEPTH + 1) + body
        assert code_of(guard, signed(factory, {"alg": "HS256"}, payload)) == "malformed"
