"""Provider trouble: down, slow, oversized, malformed, invalid keys; the good set keeps serving."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import pytest

from jwtguard import Guard, UnknownKeyError
from jwtguard.keys.remote import JWKSFetchError, RemoteKeySet
from jwtguard.testing import FakeIdentityProvider, FrozenClock, generate_key


def _expire(clock: FrozenClock) -> None:
    clock.advance(301)  # the fake provider sends max-age=300


def _guard(idp: FakeIdentityProvider, remote: RemoteKeySet, clock: FrozenClock) -> Guard:
    return Guard(remote, algorithms=["ES256"], audience="api", issuer=idp.issuer, clock=clock)


BROKEN_BODIES = [
    pytest.param(b"{not json", "invalid_json", id="not-json"),
    pytest.param(b"[]", "invalid_json", id="array"),
    pytest.param(b'{"keys": {}}', "invalid_keys", id="keys-not-a-list"),
    pytest.param(b'{"a": 1, "a": 2}', "invalid_json", id="duplicate-member"),
    pytest.param(b"\xff\xfe{}", "invalid_json", id="not-utf8"),
    pytest.param(b'{"keys": []}', "no_usable_keys", id="empty"),
    pytest.param(
        json.dumps({"keys": [{"kty": "EC", "crv": "P-256", "x": "!!", "y": "AA", "kid": "z"}]}),
        "no_usable_keys",  # the one key is skipped as unusable
        id="bad-key-member",
    ),
    pytest.param(
        json.dumps({"keys": [{"kty": "RSA", "use": "enc", "n": "AQAB", "e": "AQAB"}]}),
        "no_usable_keys",
        id="only-enc",
    ),
]


@pytest.mark.parametrize(("body", "kind"), BROKEN_BODIES)
def test_a_broken_document_never_replaces_a_good_set(
    idp: FakeIdentityProvider,
    make_remote: Callable[..., RemoteKeySet],
    clock: FrozenClock,
    body: Any,
    kind: str,
) -> None:
    remote = make_remote()
    guard = _guard(idp, remote, clock)
    remote.preload()
    idp.body = body if isinstance(body, bytes) else body.encode()
    _expire(clock)
    assert remote.refresh_if_due()
    assert remote.health().last_error == kind
    assert remote.kids == ("key-1",)
    assert guard.verify(idp.issue(sub="1"))["sub"] == "1"


@pytest.mark.parametrize(("body", "kind"), BROKEN_BODIES)
def test_a_broken_first_document_fails_preload(
    idp: FakeIdentityProvider, make_remote: Callable[..., RemoteKeySet], body: Any, kind: str
) -> None:
    idp.body = body if isinstance(body, bytes) else body.encode()
    with pytest.raises(JWKSFetchError) as info:
        make_remote().preload()
    assert info.value.kind == kind


def test_provider_down_keeps_serving_until_stale_if_error_runs_out(
    idp: FakeIdentityProvider, make_remote: Callable[..., RemoteKeySet], clock: FrozenClock
) -> None:
    remote = make_remote(stale_if_error=600, max_backoff=60)
    guard = _guard(idp, remote, clock)
    remote.preload()
    cleared = []
    remote.subscribe(lambda: cleared.append(True))
    token = idp.issue(sub="1", ttl=10_000)
    idp.stop()  # connection refused from now on
    for _ in range(20):  # 300 s expiry, then 600 s of stale service, then nothing
        clock.advance(60)
        remote.refresh_if_due()
        if clock() < 1_700_000_000 + 300 + 600:
            assert guard.verify(token)["sub"] == "1"
        if clock() > 1_700_000_000 + 300:
            assert remote.health().last_error == "network"
    assert remote.kids == ()
    assert cleared == [True]
    with pytest.raises(UnknownKeyError):
        guard.verify(token)


def test_http_errors_keep_the_last_good_set(
    idp: FakeIdentityProvider, make_remote: Callable[..., RemoteKeySet], clock: FrozenClock
) -> None:
    remote = make_remote()
    remote.preload()
    for status in (500, 503, 404, 301):
        idp.status = status
        _expire(clock)
        remote.refresh_if_due()
        assert remote.health().last_error == f"http_{status}"
        assert remote.kids == ("key-1",)


def test_slow_provider_times_out_and_the_old_set_stays(
    idp: FakeIdentityProvider, make_remote: Callable[..., RemoteKeySet], clock: FrozenClock
) -> None:
    remote = make_remote(read_timeout=0.2, total_timeout=1.0)
    remote.preload()
    idp.delay = 5
    _expire(clock)
    remote.refresh_if_due()
    assert remote.health().last_error == "timeout"
    assert remote.kids == ("key-1",)


def test_slow_provider_async_times_out(
    idp: FakeIdentityProvider, make_remote: Callable[..., RemoteKeySet]
) -> None:
    idp.delay = 5
    remote = make_remote(read_timeout=0.2, total_timeout=1.0)
    with pytest.raises(JWKSFetchError, match="timeout"):
        asyncio.run(remote.apreload())


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_trickling_provider_hits_the_total_deadline(
    idp: FakeIdentityProvider, make_remote: Callable[..., RemoteKeySet], mode: str
) -> None:
    idp.extra_jwks = [
        {"kty": "oct", "use": "enc", "k": "A" * 40, "kid": f"pad{i}"} for i in range(40)
    ]
    idp.trickle = 0.02  # 64 bytes every 20 ms, each read well within the read timeout
    remote = make_remote(read_timeout=1.0, total_timeout=0.3)
    with pytest.raises(JWKSFetchError, match="timeout"):
        remote.preload() if mode == "sync" else asyncio.run(remote.apreload())


@pytest.mark.parametrize("content_length", [True, False], ids=["declared", "streamed"])
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_oversized_documents_are_refused(
    idp: FakeIdentityProvider,
    make_remote: Callable[..., RemoteKeySet],
    content_length: bool,
    mode: str,
) -> None:
    good = json.dumps(idp.jwks())
    idp.body = (good[:-1] + " " * 5000 + "}").encode()  # valid JSON, just too big
    idp.content_length = content_length
    remote = make_remote(max_bytes=4096)
    with pytest.raises(JWKSFetchError) as info:
        remote.preload() if mode == "sync" else asyncio.run(remote.apreload())
    assert info.value.kind == "too_large"
    make_remote(max_bytes=8192).preload()  # the same document fits a larger cap


def test_too_many_keys_are_refused(
    idp: FakeIdentityProvider, make_remote: Callable[..., RemoteKeySet]
) -> None:
    idp.extra_jwks = [{"kty": "oct", "use": "enc", "k": "AAAA"} for _ in range(10)]
    with pytest.raises(JWKSFetchError, match="too_many_keys"):
        make_remote(max_keys=5).preload()


def test_use_enc_and_encrypt_only_keys_never_verify(
    idp: FakeIdentityProvider, make_remote: Callable[..., RemoteKeySet], clock: FrozenClock
) -> None:
    enc_key = generate_key("ES256", kid="enc-1")
    ops_key = generate_key("ES256", kid="ops-1")
    idp.extra_jwks = [
        {**enc_key.to_jwk(), "use": "enc"},
        {**ops_key.to_jwk(), "key_ops": ["encrypt"], "use": None},
    ]
    del idp.extra_jwks[1]["use"]
    remote = make_remote()
    guard = _guard(idp, remote, clock)
    remote.preload()
    assert remote.kids == ("key-1",)
    for key in (enc_key, ops_key):
        idp.add_key(key=key, kid=key.kid)
        token = idp.issue(sub="1", kid=key.kid)
        idp.remove_key(key.kid)  # type: ignore[arg-type]
        with pytest.raises(UnknownKeyError):
            guard.verify(token)


def test_duplicate_kids_fail_the_whole_document(
    idp: FakeIdentityProvider, make_remote: Callable[..., RemoteKeySet], clock: FrozenClock
) -> None:
    remote = make_remote()
    remote.preload()
    impostor = generate_key("ES256", kid="key-1")
    idp.extra_jwks = [impostor.to_jwk()]
    _expire(clock)
    remote.refresh_if_due()
    assert remote.health().last_error == "invalid_keys"
    assert remote.kids == ("key-1",)
    guard = _guard(idp, remote, clock)
    assert guard.verify(idp.issue(sub="1", kid="key-1"))["sub"] == "1"
