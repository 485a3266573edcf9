"""The identity-provider recipes of docs/keys.md build their Guards without any network
(tests/test_docs.py runs every block of the page)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from jwtguard import Guard, RemoteKeySet

PAGE = Path(__file__).resolve().parents[3] / "docs" / "keys.md"
BLOCKS = re.findall(r"```python\n(.*?)```", PAGE.read_text(), flags=re.DOTALL)
RECIPES = ("auth0", "okta", "keycloak", "entra", "cognito", "google")


def test_the_page_has_its_examples() -> None:
    assert len(BLOCKS) >= 12


RECIPE_BLOCKS = [b for b in BLOCKS if any(f"{name} = Guard(" in b for name in RECIPES)]


@pytest.mark.parametrize(
    "block", RECIPE_BLOCKS, ids=[f"recipe-{i}" for i in range(len(RECIPE_BLOCKS))]
)
def test_each_recipe_builds_without_network(block: str) -> None:
    namespace: dict[str, object] = {}
    exec(compile(block, str(PAGE), "exec"), namespace)  # noqa: S102 - our own documentation
    for name in RECIPES:
        guard = namespace.get(name)
        if isinstance(guard, Guard):
            tenants = guard.tenants  # multi-tenant guards: one source each
            sources = [t.keys for t in tenants.values()] if tenants else [guard.keys]
            for keys in sources:
                assert isinstance(keys, RemoteKeySet)
                assert keys.health().fetches == 0  # building a Guard never touches the network
                keys.close()


def test_every_recipe_is_on_the_page() -> None:
    text = "\n".join(BLOCKS)
    for name in RECIPES:
        assert f"{name} = Guard(" in text
