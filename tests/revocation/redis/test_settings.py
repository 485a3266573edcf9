"""``Guard.from_env`` with ``JWTGUARD_REDIS_URL``: a Redis store shared with other processes."""

from __future__ import annotations

from typing import Any

import pytest

from jwtguard import Guard, Settings
from jwtguard.errors import RevokedTokenError
from jwtguard.revocation.redis import RedisRevocationStore

SECRET = "s" * 40


def test_from_env_builds_a_redis_store(redis_server: Any) -> None:
    env = {
        "JWTGUARD_SECRET_KEY": SECRET,
        "JWTGUARD_REDIS_URL": redis_server.url,
        "JWTGUARD_REDIS_MODE": "roundtrip",
        "JWTGUARD_REDIS_NAMESPACE": "app1",
    }
    settings = Settings.from_env(env, dotenv=False)
    assert settings.revocation == "redis"
    first, second = Guard.from_settings(settings), Guard.from_env(env, dotenv=False)
    stores = [first.revocation, second.revocation]
    try:
        assert all(isinstance(s, RedisRevocationStore) for s in stores)
        assert stores[0].config.namespace == "app1"
        token = first.issue({"sub": "alice"}, ttl=600)
        claims = second.verify(token)
        stores[0].revoke(str(claims.jti), float(claims["exp"]))
        with pytest.raises(RevokedTokenError):
            second.verify(token)
    finally:
        for store in stores:
            store.close()


def test_push_mode_store_is_in_sync_when_from_env_returns(redis_server: Any) -> None:
    env = {"JWTGUARD_SECRET_KEY": SECRET, "JWTGUARD_REDIS_URL": redis_server.url}
    guard = Guard.from_env(env, dotenv=False)
    try:
        guard.verify(guard.issue({"sub": "alice"}, ttl=600))  # not refused as out of sync
    finally:
        guard.close()
