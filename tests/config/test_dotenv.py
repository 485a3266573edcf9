"""``.env`` files: read when python-dotenv is there, said once when it is not."""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path
from typing import Any

import pytest

from jwtguard import ConfigError, Settings
from jwtguard.config import dotenv

SECRET = "s" * 32


@pytest.fixture
def without_python_dotenv(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec

    def find_spec(name: str, *args: Any) -> Any:
        return None if name == "dotenv" else real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    monkeypatch.setattr(dotenv, "_warned", set())


def test_a_dotenv_file_in_the_working_directory_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("JWTGUARD_AUDIENCE=from-file\n")
    settings = Settings.from_env({"JWTGUARD_SECRET_KEY": SECRET})
    assert settings.audience == ("from-file",)


def test_a_typo_in_the_dotenv_file_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("JWTGUARD_AUDIANCE=api\n")
    with pytest.raises(ConfigError, match="did you mean JWTGUARD_AUDIENCE"):
        Settings.from_env({"JWTGUARD_SECRET_KEY": SECRET})


@pytest.mark.usefixtures("without_python_dotenv")
def test_dotenv_file_without_python_dotenv_is_said_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("JWTGUARD_AUDIENCE=api\n")
    env = {"JWTGUARD_SECRET_KEY": SECRET}
    with caplog.at_level(logging.WARNING, logger="jwtguard.config"):
        first = Settings.from_env(env)
        Settings.from_env(env)
    assert first.audience == ()  # not read: hence the warning
    warnings = [r for r in caplog.records if r.name == "jwtguard.config"]
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING
    assert "python-dotenv is not installed" in warnings[0].getMessage()
    assert str((tmp_path / ".env").resolve()) in warnings[0].getMessage()
    assert "api" not in warnings[0].getMessage()  # nothing from the file is shown


@pytest.mark.usefixtures("without_python_dotenv")
def test_no_dotenv_file_no_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.chdir(tmp_path)
    with caplog.at_level(logging.WARNING, logger="jwtguard.config"):
        Settings.from_env({"JWTGUARD_SECRET_KEY": SECRET})
        Settings.from_env({"JWTGUARD_SECRET_KEY": SECRET}, dotenv=False)
    assert caplog.records == []


@pytest.mark.usefixtures("without_python_dotenv")
def test_a_named_dotenv_file_without_python_dotenv_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "app.env"
    path.write_text("JWTGUARD_AUDIENCE=api\n")
    with pytest.raises(ConfigError) as info:
        Settings.from_env({"JWTGUARD_SECRET_KEY": SECRET, "JWTGUARD_LEEWAY": "x"}, dotenv=path)
    assert [p.partition(":")[0] for p in info.value.problems] == ["dotenv", "JWTGUARD_LEEWAY"]
    assert "pip install 'jwtguard[dotenv]'" in info.value.problems[0]


def test_a_named_dotenv_file_that_is_missing_is_a_problem(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="dotenv: no file"):
        Settings.from_env({"JWTGUARD_SECRET_KEY": SECRET}, dotenv=tmp_path / "nope.env")
