"""CSRF tokens (jwtguard/http/csrf.py): double-submit values and session-bound signed tokens.

Where they are read from a request (the header, the CSRF cookie) is in test_cookies.py."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from jwtguard.errors import ConfigError
from jwtguard.http.csrf import SignedCSRF, csrf_tokens_match, new_csrf_token

SECRET = b"k" * 32


def test_new_csrf_tokens_are_random_and_long() -> None:
    tokens = {new_csrf_token() for _ in range(100)}
    assert len(tokens) == 100
    assert all(len(t) >= 43 for t in tokens)  # 32 bytes in base64url
    with pytest.raises(ConfigError):
        new_csrf_token(8)


@pytest.mark.parametrize(
    ("expected", "received", "match"),
    [
        pytest.param("abc", "abc", True, id="equal"),
        pytest.param("abc", "abd", False, id="different"),
        pytest.param("abc", "abcd", False, id="longer"),
        pytest.param(None, None, False, id="both-missing"),
        pytest.param("", "", False, id="both-empty"),
        pytest.param("abc", None, False, id="no-header"),
        pytest.param(None, "abc", False, id="no-cookie"),
        pytest.param("caf\u00e9", "caf\u00e9", True, id="non-ascii"),
        pytest.param("\udcff", "\udcff", True, id="surrogate"),
    ],
)
def test_csrf_tokens_match(expected: str | None, received: str | None, match: bool) -> None:
    assert csrf_tokens_match(expected, received) is match


def test_signed_csrf_tokens_are_bound_to_the_session() -> None:
    signer = SignedCSRF(b"k" * 32)
    token = signer.issue("session-1")
    assert signer.verify("session-1", token)
    assert not signer.verify("session-2", token)
    assert not SignedCSRF(b"j" * 32).verify("session-1", token)
    nonce, _, mac = token.partition(".")
    assert not signer.verify("session-1", f"{nonce}x.{mac}")
    flipped = mac[:-1] + ("1" if mac.endswith("0") else "0")
    assert not signer.verify("session-1", f"{nonce}.{flipped}")
    for garbage in (None, "", ".", "abc", ".abc", "a.\u00e9", "\udcff.\udcff"):
        assert not signer.verify("session-1", garbage)


def test_signed_csrf_secret_is_checked_and_hidden() -> None:
    with pytest.raises(ConfigError):
        SignedCSRF(b"short")
    assert "kkkk" not in repr(SignedCSRF(b"k" * 32))


def test_a_token_holds_at_least_128_bits() -> None:
    assert len(new_csrf_token()) == 43  # 32 bytes, unpadded base64url
    assert len(new_csrf_token(16)) == 22
    with pytest.raises(ConfigError) as info:
        new_csrf_token(15)
    assert str(info.value) == "nbytes: at least 16 (128 bits)"


@pytest.mark.parametrize(
    "secret",
    [
        pytest.param(b"k" * 31, id="short"),
        pytest.param("k" * 32, id="text"),
        pytest.param(bytearray(b"k" * 32), id="bytearray"),
    ],
)
def test_a_signing_secret_is_32_bytes_or_more(secret: object) -> None:
    with pytest.raises(ConfigError) as info:
        SignedCSRF(secret)  # type: ignore[arg-type]
    assert str(info.value) == "SignedCSRF: secret must be at least 32 random bytes"


def test_a_signed_token_is_a_nonce_and_its_hmac() -> None:
    signer = SignedCSRF(SECRET)
    assert repr(signer) == "SignedCSRF(secret=<hidden>)"
    token = signer.issue("s\udcff")
    nonce, _, mac = token.partition(".")
    assert len(nonce) == 22  # 128 random bits
    message = f"2!s\udcff!{nonce}".encode("utf-8", "surrogateescape")
    assert mac == hmac.new(SECRET, message, hashlib.sha256).hexdigest()
    assert signer.verify("s\udcff", token)
    assert signer.issue("s") != signer.issue("s")


def test_the_session_id_is_framed_by_its_length() -> None:
    """``("a!b", nonce)`` and ``("a", "b!" + nonce)`` must not sign the same message."""
    signer = SignedCSRF(SECRET)
    token = signer.issue("a!b")
    nonce, _, mac = token.partition(".")
    assert not signer.verify("a", f"b!{nonce}.{mac}")


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(b"n.m", id="bytes"),
        pytest.param("nonce-only", id="no-separator"),
        pytest.param("nonce.", id="empty-mac"),
    ],
)
def test_what_verify_refuses_without_comparing(token: object) -> None:
    assert SignedCSRF(SECRET).verify("s", token) is False  # type: ignore[arg-type]


def test_a_signed_token_with_an_empty_nonce_never_verifies() -> None:
    signer = SignedCSRF(SECRET)
    mac = hmac.new(SECRET, b"1!s!", hashlib.sha256).hexdigest()
    assert signer.verify("s", f"x.{hmac.new(SECRET, b'1!s!x', hashlib.sha256).hexdigest()}")
    assert not signer.verify("s", f".{mac}")
