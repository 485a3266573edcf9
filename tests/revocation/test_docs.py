"""The examples of docs/revocation.md and deployment.md fenced ```python redis run as
written against the test's own redis-server (JWTGUARD_REDIS_URL points at it); the
```python blocks of every page run in tests/test_docs.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .servers import RedisServer

DOCS = Path(__file__).resolve().parents[2] / "docs"


def blocks(page: str, info: str) -> list[str]:
    text = (DOCS / page).read_text()
    return re.findall(rf"```{info}\n(.*?)```", text, flags=re.DOTALL)


def _run(page: str, code: str) -> None:
    exec(compile(code, page, "exec"), {"__name__": "docs_example"})  # noqa: S102 - our docs


@pytest.mark.redis
@pytest.mark.parametrize("page", ["revocation.md", "deployment.md"])
def test_examples_with_redis(
    page: str, redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JWTGUARD_SECRET_KEY", "s" * 32)
    monkeypatch.setenv("JWTGUARD_REDIS_URL", redis_server.url)
    found = blocks(page, "python redis")
    assert found
    for code in found:
        _run(page, code)
