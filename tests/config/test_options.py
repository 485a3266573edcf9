"""The adapters' options as configuration names (jwtguard.config.options)."""

from __future__ import annotations

import inspect
import logging

import pytest

from jwtguard.config import DictSource, PrefixedSource, Reader
from jwtguard.config.options import ADAPTER_NAMES, PIPELINE_OPTIONS, read_pipeline_options
from jwtguard.config.settings import SETTINGS_NAMES
from jwtguard.http.pipeline import Pipeline


def test_every_option_name_is_a_pipeline_keyword() -> None:
    keywords = set(inspect.signature(Pipeline).parameters)
    assert {option for option, _ in PIPELINE_OPTIONS.values()} <= keywords


def test_adapter_names_and_settings_names_do_not_overlap() -> None:
    assert not ADAPTER_NAMES & SETTINGS_NAMES


def test_only_set_options_are_returned() -> None:
    assert read_pipeline_options(Reader(PrefixedSource({"JWTGUARD_COOKIE": None}))) == {}


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        pytest.param(
            {"COOKIE": "at", "EXEMPT": ["/health"], "CSRF": False, "LOG_LEVEL": 30},
            {"cookie": "at", "exempt": ("/health",), "csrf": False, "log_level": 30},
            id="python-values",
        ),
        pytest.param(
            {"COOKIE": " at ", "EXEMPT": "/health, /static/*", "CSRF": "no", "LOG_LEVEL": "debug"},
            {
                "cookie": "at",
                "exempt": ("/health", "/static/*"),
                "csrf": False,
                "log_level": logging.DEBUG,
            },
            id="strings",
        ),
    ],
)
def test_python_values_and_strings(values: dict[str, object], expected: dict[str, object]) -> None:
    reader = Reader(DictSource(values))
    assert read_pipeline_options(reader) == expected
    assert reader.problems == []


def test_bad_option_values_are_problems_named_by_their_key() -> None:
    reader = Reader(DictSource({"REPORT_ONLY": "perhaps", "SCOPES": 3, "LOG_LEVEL": "LOUD"}))
    read_pipeline_options(reader)
    assert [p.partition(":")[0] for p in reader.problems] == [
        "JWTGUARD['SCOPES']",
        "JWTGUARD['REPORT_ONLY']",
        "JWTGUARD['LOG_LEVEL']",
    ]
