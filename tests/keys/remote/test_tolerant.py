"""Key sets that survive what identity providers publish: unusable keys are skipped, not fatal.

A key jwtguard cannot use is never used and never weakens anything; it is listed in
``health().skipped`` with a fixed reason and logged once. A document that is dangerous
as a whole (an HMAC secret or a private key published in a JWKS) is still refused.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa, x25519
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from jwtguard import (
    ConfigError,
    Guard,
    JWKSFetchError,
    Key,
    KeyLoadError,
    KeySet,
    RemoteKeySet,
    SkippedKey,
    TokenIssuer,
    UnknownKeyError,
)
from jwtguard.testing import FakeIdentityProvider, FrozenClock, encode_unchecked, generate_key


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def public_jwk(key: Key) -> dict[str, Any]:
    return key.to_jwk()


def x25519_jwk() -> dict[str, Any]:
    """An ECDH key as providers publish it beside signing keys: no use, no alg."""
    raw = (
        x25519.X25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    )
    return {"kty": "OKP", "crv": "X25519", "x": b64url_encode(raw), "kid": "ecdh"}


def rsa_1024_jwk() -> dict[str, Any]:
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    return {**RSAAlgorithm.to_jwk(small.public_key(), as_dict=True), "kid": "old-1024"}


def short_coordinate_jwk() -> dict[str, Any]:
    """A P-256 key whose x lost its leading zero byte (31 bytes instead of 32)."""
    for _ in range(20_000):
        numbers = ec.generate_private_key(ec.SECP256R1()).public_key().public_numbers()
        if numbers.x < 1 << 248:
            return {
                "kty": "EC",
                "crv": "P-256",
                "kid": "short-x",
                "x": b64url_encode(numbers.x.to_bytes(31, "big")),
                "y": b64url_encode(numbers.y.to_bytes(32, "big")),
            }
    raise AssertionError("no such key found")  # pragma: no cover - p ~ 1e-34


UNUSABLE = [
    pytest.param(x25519_jwk, "ecdh", "unsupported OKP curve X25519", id="x25519"),
    pytest.param(
        rsa_1024_jwk,
        "old-1024",
        "the RSA key has 1024 bits; at least 2048 are required",
        id="rsa-1024",
    ),
    pytest.param(
        short_coordinate_jwk,
        "short-x",
        "'x' must be 32 bytes for P-256 (RFC 7518 section 6.2.1.2)",
        id="short-coordinate",
    ),
]


@pytest.mark.parametrize(("make", "kid", "reason"), UNUSABLE)
def test_an_unusable_key_is_skipped_and_the_others_verify(
    make: Callable[[], dict[str, Any]],
    kid: str,
    reason: str,
    idp: FakeIdentityProvider,
    make_remote: Callable[..., RemoteKeySet],
    clock: FrozenClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    idp.extra_jwks = [make()]
    remote = make_remote(["ES256", "RS256", "EdDSA"])
    guard = Guard(remote, algorithms=["ES256", "RS256", "EdDSA"], audience="api", clock=clock)
    with caplog.at_level(logging.WARNING, logger="jwtguard"):
        assert guard.verify(idp.issue(sub="ok"))["sub"] == "ok"
        remote.refresh()  # the same document again: nothing new to say
    health = remote.health()
    assert health.ready and health.kids == ("key-1",)
    assert health.skipped == (SkippedKey(kid, reason),)
    lines = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
    assert lines == [f"jwtguard: JWKS {idp.jwks_url}: skipped 1 unusable key: {kid!r} ({reason})"]
    for member in ("x", "n"):  # never key material in the log
        value = idp.extra_jwks[0].get(member)
        assert value is None or value not in caplog.text


def test_static_sets_list_what_they_skipped() -> None:
    good = public_jwk(generate_key("ES256", kid="good"))
    keys = KeySet.from_jwks({"keys": [good, x25519_jwk(), rsa_1024_jwk(), "junk"]}, ["ES256"])
    assert keys.kids == ("good",)
    assert [s.kid for s in keys.skipped] == ["ecdh", "old-1024", None]
    assert keys.skipped[2].reason == "not a JSON object"


def test_a_set_with_no_usable_key_is_still_an_error(
    idp: FakeIdentityProvider, make_remote: Callable[..., RemoteKeySet]
) -> None:
    idp.body = json.dumps({"keys": [x25519_jwk(), rsa_1024_jwk()]}).encode()
    remote = make_remote(["ES256", "RS256"])
    with pytest.raises(JWKSFetchError, match="no_usable_keys"):
        remote.preload()
    assert [s.kid for s in remote.health().skipped] == ["ecdh", "old-1024"]
    with pytest.raises(ConfigError) as info:
        Guard(KeySet.from_jwks({"keys": [rsa_1024_jwk()]}), algorithms=["RS256"])
    assert "1024 bits" in str(info.value)  # the reason the only key was skipped


def test_two_keys_may_share_a_kid_when_their_types_differ(
    idp: FakeIdentityProvider, make_remote: Callable[..., RemoteKeySet], clock: FrozenClock
) -> None:
    ec_key, rsa_key = generate_key("ES256", kid="same"), generate_key("RS256", kid="same")
    idp.body = json.dumps({"keys": [public_jwk(ec_key), public_jwk(rsa_key)]}).encode()
    guard = Guard(make_remote(["ES256", "RS256"]), algorithms=["ES256", "RS256"], clock=clock)
    for key, alg in ((ec_key, "ES256"), (rsa_key, "RS256")):
        token = TokenIssuer(key, alg, clock=clock).issue({"sub": alg})
        assert guard.verify(token)["sub"] == alg  # RFC 7517 section 4.5: the alg tells them apart


def test_keys_sharing_a_kid_and_a_type_are_ambiguous(
    idp: FakeIdentityProvider, make_remote: Callable[..., RemoteKeySet]
) -> None:
    old, new = generate_key("ES256", kid="k"), generate_key("ES256", kid="k")
    with pytest.raises(KeyLoadError, match="duplicate key id 'k'"):
        KeySet.from_jwks({"keys": [public_jwk(old), public_jwk(new)]})
    idp.body = json.dumps({"keys": [public_jwk(old), public_jwk(new)]}).encode()
    with pytest.raises(JWKSFetchError, match="invalid_keys"):
        make_remote().preload()  # which one to trust cannot be told: the set is refused


def test_a_byte_order_mark_before_the_jwks_is_ignored(
    idp: FakeIdentityProvider, make_remote: Callable[..., RemoteKeySet]
) -> None:
    idp.body = b"\xef\xbb\xbf" + json.dumps(idp.jwks()).encode()
    remote = make_remote()
    remote.preload()
    assert remote.kids == ("key-1",)


def test_an_hmac_secret_in_a_published_jwks_refuses_the_whole_set(
    idp: FakeIdentityProvider, make_remote: Callable[..., RemoteKeySet]
) -> None:
    idp.extra_jwks = [{"kty": "oct", "k": b64url_encode(b"s" * 32), "kid": "leaked"}]
    remote = make_remote()
    with pytest.raises(JWKSFetchError, match="secret_in_jwks"):
        remote.preload()
    assert not remote.health().ready


def test_a_private_key_in_a_published_jwks_refuses_the_whole_set(
    idp: FakeIdentityProvider, make_remote: Callable[..., RemoteKeySet]
) -> None:
    leaked = ec.generate_private_key(ec.SECP256R1())
    jwk = ECAlgorithm.to_jwk(leaked, as_dict=True)
    idp.extra_jwks = [{**jwk, "kid": "leaked"}]
    with pytest.raises(JWKSFetchError, match="private_key_in_jwks"):
        make_remote().preload()


@pytest.mark.parametrize("alg", ["HS256", "HS384", "HS512"])
def test_a_remote_key_set_never_takes_hmac_algorithms(alg: str) -> None:
    with pytest.raises(ConfigError, match="public-key algorithms"):
        RemoteKeySet("https://idp.example/jwks", algorithms=["ES256", alg])


def test_unknown_kid_still_refused_when_keys_were_skipped(
    idp: FakeIdentityProvider, make_remote: Callable[..., RemoteKeySet], clock: FrozenClock
) -> None:
    idp.extra_jwks = [rsa_1024_jwk()]
    guard = Guard(make_remote(["ES256", "RS256"]), algorithms=["ES256", "RS256"], clock=clock)
    header = {"alg": "RS256", "kid": "old-1024"}
    token = encode_unchecked(header, {"sub": "x", "exp": clock() + 60}, signature=b"\x00" * 128)
    with pytest.raises(UnknownKeyError):
        guard.verify(token)  # a skipped key is never a candidate
