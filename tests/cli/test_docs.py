"""docs/cli.md and the commands' --help name the same options."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from jwtguard.cli import main

CLI_PAGE = Path(__file__).resolve().parents[2] / "docs" / "cli.md"
COMMANDS = ["keygen", "issue", "verify", "inspect", "revoke", "bench", "demo"]
OPTION = re.compile(r"(?<![\w-])--[a-z][a-z-]*[a-z]")


def _options_of(command: str, capsys: pytest.CaptureFixture[str]) -> set[str]:
    assert main([command, "--help"]) == 0
    return set(OPTION.findall(capsys.readouterr().out)) - {"--help"}


def test_every_option_is_documented_and_every_documented_option_exists(
    clean_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    documented = set(OPTION.findall(CLI_PAGE.read_text()))
    offered = {"--version", "--help"}
    for command in COMMANDS:
        options = _options_of(command, capsys)
        assert options <= documented, f"jwtguard {command}: {options - documented} not in cli.md"
        offered |= options
    assert documented <= offered, f"cli.md documents options no command has: {documented - offered}"


def test_the_page_is_linked_from_the_readme_and_the_docs_index() -> None:
    root = CLI_PAGE.parents[1]
    assert "(docs/cli.md)" in (root / "README.md").read_text()
    assert "(cli.md)" in (root / "docs" / "index.md").read_text()
