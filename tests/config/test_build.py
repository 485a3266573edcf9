"""Builders: settings made real, explicitly; reading settings has no side effect."""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest

from jwtguard import Guard, Settings
from jwtguard.config import build
from jwtguard.errors import ConfigError
from jwtguard.revocation.memory import MemoryRevocationStore
from jwtguard.revocation.redis import RedisRevocationStore
from jwtguard.testing import generate_key, private_pem, public_pem

SECRET = "s" * 32


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def redis_settings() -> Settings:
    env = {
        "JWTGUARD_SECRET_KEY": SECRET,
        "JWTGUARD_REDIS_URL": f"redis://127.0.0.1:{closed_port()}/0",
        "JWTGUARD_REDIS_TIMEOUT": "50ms",
    }
    return Settings.from_env(env, dotenv=False)


def test_reading_redis_settings_connects_to_nothing() -> None:
    settings = redis_settings()  # the port is closed: reading must not care
    assert settings.revocation == "redis" and settings.redis is not None
    assert settings.redis.timeout == 0.05


def test_an_overridden_revocation_builds_no_store(monkeypatch: pytest.MonkeyPatch) -> None:
    from jwtguard.revocation import redis as redis_backend

    built: list[Any] = []
    monkeypatch.setattr(
        redis_backend, "RedisRevocationStore", lambda *a, **k: built.append(a) or None
    )
    store = MemoryRevocationStore()
    kwargs = build.guard_kwargs(redis_settings(), revocation=store)
    assert kwargs["revocation"] is store
    assert built == []
    guard = Guard.from_settings(redis_settings(), revocation=None)
    assert guard.revocation is None and built == []


def test_revocation_store_start_is_explicit() -> None:
    settings = redis_settings()
    store = build.revocation_store(settings, start=False)
    try:
        assert store.healthy is False  # not started: no listener, no sync attempt
        begun = time.monotonic()
        assert store.start() is False  # Redis is not there; bounded by the timeout
        assert time.monotonic() - begun < 5
    finally:
        store.close()


def test_redis_store_is_the_configured_redis_store_or_a_clear_error() -> None:
    store = build.redis_store(redis_settings(), start=False)
    try:
        assert isinstance(store, RedisRevocationStore) and store.config.timeout == 0.05
    finally:
        store.close()
    memory = Settings.from_env({"JWTGUARD_SECRET_KEY": SECRET}, dotenv=False)
    with pytest.raises(ConfigError, match="JWTGUARD_REDIS_URL"):
        build.redis_store(memory)


def test_key_source_follows_the_settings() -> None:
    secret = bytes(range(32))
    from jwtguard.config import DictSource

    settings = Settings.from_source(DictSource({"SECRET_KEY": secret}))
    assert build.key_source(settings) == secret
    memory = Settings.from_env(
        {"JWTGUARD_SECRET_KEY": SECRET, "JWTGUARD_REVOCATION": "memory", "JWTGUARD_LEEWAY": "5"},
        dotenv=False,
    )
    assert isinstance(build.revocation_store(memory), MemoryRevocationStore)


@pytest.mark.parametrize("algorithm", ["RS256", "PS384", "ES256", "EdDSA"])
def test_a_private_key_alone_verifies_with_its_public_half(algorithm: str) -> None:
    key = generate_key(algorithm)
    for env in (
        {"JWTGUARD_PRIVATE_KEY": private_pem(key), "JWTGUARD_ALGORITHMS": algorithm},
        {"JWTGUARD_PRIVATE_KEY": private_pem(key)},  # the algorithm inferred from the PEM
    ):
        settings = Settings.from_env(env, dotenv=False)
        assert build.key_source(settings) == public_pem(key)
        guard = Guard.from_settings(settings)
        assert guard.verify(guard.issue({"sub": "1"}))["sub"] == "1"
