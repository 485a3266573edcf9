"""The python examples in docs/keys.md run as written, in order, without network."""

from __future__ import annotations

import re
from pathlib import Path

from jwtguard import RemoteKeySet

PAGE = Path(__file__).resolve().parents[3] / "docs" / "keys.md"


def test_keys_page_examples_run() -> None:
    blocks = re.findall(r"```python\n(.*?)```", PAGE.read_text(), flags=re.DOTALL)
    assert len(blocks) >= 9
    namespace: dict[str, object] = {}
    for block in blocks:
        exec(compile(block, str(PAGE), "exec"), namespace)  # noqa: S102 - our own documentation
    for name in ("auth0", "okta", "keycloak", "entra", "cognito"):
        keys = namespace[name].keys  # type: ignore[attr-defined]
        assert isinstance(keys, RemoteKeySet)
        assert keys.health().fetches == 0  # building a Guard never touches the network
