"""``jwtguard revoke`` against a real redis-server, seen by a Guard in this process."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from jwtguard import Guard
from jwtguard.cli import main
from jwtguard.errors import RevokedTokenError
from jwtguard.revocation.redis import RedisConfig, RedisRevocationStore

SECRET = "r" * 40


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, redis_server: Any) -> Any:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("JWTGUARD_SECRET_KEY", SECRET)
    monkeypatch.setenv("JWTGUARD_REDIS_URL", redis_server.url)
    return redis_server


@pytest.fixture
def watcher(env: Any) -> Any:
    """A Guard with its own Redis store, as a web worker would have."""
    store = RedisRevocationStore(RedisConfig(url=env.url, mode="roundtrip"))
    yield Guard(SECRET, algorithms=["HS256"], revocation=store, require=("exp", "jti"))
    store.close()


def _issue(guard: Guard, **claims: Any) -> str:
    return guard.issue({"sub": "alice", **claims}, ttl=600)


def test_revoke_token_verifies_then_revokes(watcher: Guard, capsys: Any) -> None:
    token = _issue(watcher)
    watcher.verify(token)
    assert main(["revoke", "--token", token]) == 0
    out = capsys.readouterr().out
    assert token not in out and json.loads(out)["revoked"] is True
    with pytest.raises(RevokedTokenError):
        watcher.verify(token)


def test_revoke_jti(watcher: Guard) -> None:
    token = _issue(watcher)
    claims = watcher.verify(token)
    # --jti=VALUE: a random jti may start with "-", which argparse would take for an option
    assert main(["revoke", f"--jti={claims.jti}", "--exp", str(claims["exp"])]) == 0
    with pytest.raises(RevokedTokenError):
        watcher.verify(token)


def test_revoke_subject(watcher: Guard) -> None:
    token = _issue(watcher, iat=int(time.time()) - 10)
    other = watcher.issue({"sub": "bob"}, ttl=600)
    assert main(["revoke", "--subject", "alice"]) == 0
    with pytest.raises(RevokedTokenError):
        watcher.verify(token)
    watcher.verify(other)


def test_revoke_refuses_a_bad_token(watcher: Guard, capsys: Any) -> None:
    token = _issue(watcher)
    assert main(["revoke", "--token", token[:-3] + "AAA"]) == 1
    assert json.loads(capsys.readouterr().out)["revoked"] is False
    watcher.verify(token)


def test_revoke_jti_needs_exp(env: Any) -> None:
    assert main(["revoke", "--jti", "abc"]) == 2


def test_unreachable_redis_is_not_success(env: Any, capsys: Any) -> None:
    env.kill()
    assert main(["revoke", "--jti", "abc", "--exp", str(time.time() + 60)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "nothing was revoked" in captured.err


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["--jti", "-abc", "--exp", "{exp}"], id="jti-then-exp"),
        pytest.param(["--exp", "{exp}", "--jti", "-abc"], id="exp-then-jti"),
        pytest.param(["--jti=-abc", "--exp", "{exp}"], id="jti-with-equals"),
    ],
)
def test_revoke_a_jti_that_starts_with_a_dash(watcher: Guard, argv: list[str]) -> None:
    exp = str(time.time() + 600)
    assert main(["revoke", *(a.replace("{exp}", exp) for a in argv)]) == 0
    token = watcher.issue({"sub": "alice", "jti": "-abc"}, ttl=600)
    with pytest.raises(RevokedTokenError):
        watcher.verify(token)


def test_revoke_a_subject_that_starts_with_a_dash(watcher: Guard) -> None:
    token = watcher.issue({"sub": "-bob", "iat": int(time.time()) - 10}, ttl=600)
    assert main(["revoke", "--subject", "-bob"]) == 0
    with pytest.raises(RevokedTokenError):
        watcher.verify(token)


def test_a_missing_value_is_still_a_usage_error(env: Any, capsys: Any) -> None:
    assert main(["revoke", "--jti", "--exp", "5"]) == 2  # --jti has no value: not "--exp"
    assert "--jti" in capsys.readouterr().err
