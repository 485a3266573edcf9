"""RedisConfig read through the one configuration reader (no Redis server needed)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from jwtguard import ConfigError
from jwtguard.config import DictSource, Reader
from jwtguard.revocation.redis import ENV_NAMES, RedisConfig


def test_a_misspelt_redis_variable_is_refused_with_a_hint() -> None:
    env = {"JWTGUARD_REDIS_URL": "redis://127.0.0.1/0", "JWTGUARD_REDIS_TIMOUT": "1s"}
    with pytest.raises(ConfigError) as info:
        RedisConfig.from_env(env)
    assert list(info.value.problems) == [
        "JWTGUARD_REDIS_TIMOUT: unknown setting; did you mean JWTGUARD_REDIS_TIMEOUT?"
    ]


def test_other_jwtguard_variables_are_not_the_redis_readers_business() -> None:
    env = {"JWTGUARD_REDIS_URL": "redis://127.0.0.1/0", "JWTGUARD_SOMETHING": "x"}
    assert RedisConfig.from_env(env).url == "redis://127.0.0.1/0"


def test_python_values_from_a_dict_source() -> None:
    source = DictSource(
        {"REDIS_URL": "rediss://h/0", "REDIS_TIMEOUT": timedelta(milliseconds=100)}
        | {"REDIS_FAIL_OPEN_FOR": 5, "REDIS_MODE": "roundtrip"}
    )
    reader = Reader(source)
    config = RedisConfig.read(reader)
    assert reader.problems == []
    assert config is not None
    assert (config.timeout, config.fail_open_for, config.mode) == (0.1, 5.0, "roundtrip")


def test_range_problems_name_the_key_overrides_name_the_field() -> None:
    reader = Reader(
        DictSource({"REDIS_URL": "ftp://h", "REDIS_HEARTBEAT": 90, "REDIS_NAMESPACE": "{x}"})
    )
    assert RedisConfig.read(reader, fail_open_for=-1) is None
    assert reader.problems == [
        "JWTGUARD['REDIS_URL']: expected redis://, rediss:// or unix://, got 'ftp://h'",
        "JWTGUARD['REDIS_NAMESPACE']: must be non-empty, without braces",
        "JWTGUARD['REDIS_HEARTBEAT']: must be a number of seconds above 0, at most 60",
        "fail_open_for: must be a number of seconds, 0 to fail closed",
    ]


def test_the_names_config_knows_are_the_names_redis_reads() -> None:
    from jwtguard.config.settings import REDIS_NAMES

    assert REDIS_NAMES == ENV_NAMES
