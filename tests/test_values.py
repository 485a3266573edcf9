"""jwtguard._values: masking URLs for display (every Redis URL shown goes through it)."""

from __future__ import annotations

import hashlib

import pytest

from jwtguard._values import kid_fingerprint, mask_url


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://app:s3cret@h:6379/0", "redis://app:***@h:6379/0"),
        ("redis://:s3cret@h", "redis://:***@h"),
        ("rediss://app:s3%40cret@h", "rediss://app:***@h"),
        ("unix://app:s3cret@/run/redis.sock?db=0", "unix://app:***@/run/redis.sock?db=0"),
        ("redis://h/0?password=s3cret&db=1", "redis://h/0?password=***&db=1"),
        ("redis://app:s3cret@h?password=s3cret", "redis://app:***@h?password=***"),
        ("redis://h?db=1&ssl_password=s3cret", "redis://h?db=1&ssl_password=***"),
        ("redis://h?PASSWORD=s3cret;password=s3cret", "redis://h?PASSWORD=***;password=***"),
    ],
)
def test_every_password_in_a_url_is_masked(url: str, shown: str) -> None:
    assert mask_url(url) == shown
    assert "s3" not in mask_url(url)


@pytest.mark.parametrize(
    "url", ["redis://h:6379/0", "redis://app@h/0", "redis://h/0?db=1&passwords_seen=2"]
)
def test_a_url_without_a_password_is_shown_as_it_is(url: str) -> None:
    assert mask_url(url) == url


def test_an_unparseable_url_is_not_echoed() -> None:
    assert mask_url("redis://app:s3cret@[::1") == "<unparseable URL>"


def test_a_kid_fingerprint_is_16_hex_digits_of_its_sha256() -> None:
    assert kid_fingerprint("k1") == hashlib.sha256(b"k1").hexdigest()[:16]
    assert kid_fingerprint("k1") != kid_fingerprint("k2")
    assert kid_fingerprint("\udc80") is not None  # a lone surrogate from JSON still hashes
    assert kid_fingerprint(None) is None
