"""The one configuration reader (jwtguard._source): typed getters over any source,
Python values taken as they are, strings parsed, one boolean vocabulary, every
problem collected, unknown names reported with a "did you mean" hint."""

from __future__ import annotations

import logging
import math
from datetime import timedelta
from pathlib import Path

import pytest

from jwtguard import ConfigError, Secret
from jwtguard._source import MISSING, DictSource, PrefixedSource, Reader


def env_reader(**values: object) -> Reader:
    return Reader(PrefixedSource({f"JWTGUARD_{k}": v for k, v in values.items()}))


# -- Python values are taken as they are; strings are parsed ---------------------------


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        pytest.param(30, 30.0, id="int"),
        pytest.param(2.5, 2.5, id="float"),
        pytest.param(timedelta(minutes=15), 900.0, id="timedelta"),
        pytest.param("900", 900.0, id="text-seconds"),
        pytest.param("15m", 900.0, id="text-minutes"),
        pytest.param(" 250ms ", 0.25, id="text-ms"),
    ],
)
def test_duration_takes_numbers_timedeltas_and_text(value: object, seconds: float) -> None:
    reader = env_reader(TTL=value)
    assert reader.duration("TTL", 1.0) == seconds
    assert reader.problems == []


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(True, id="bool"),
        pytest.param(math.inf, id="inf"),
        pytest.param(math.nan, id="nan"),
        pytest.param("soon", id="text"),
        pytest.param([1], id="list"),
    ],
)
def test_duration_refuses_what_is_not_a_duration(value: object) -> None:
    reader = env_reader(TTL=value)
    assert reader.duration("TTL", 7.0) == 7.0  # the default, so reading goes on
    assert len(reader.problems) == 1
    assert reader.problems[0].startswith("JWTGUARD_TTL: expected a number of seconds")


def test_duration_bounds() -> None:
    reader = env_reader(LOW="-1s", HIGH=timedelta(hours=1))
    reader.duration("LOW", 0.0, minimum=0)
    reader.duration("HIGH", 0.0, maximum=300)
    assert reader.problems == [
        "JWTGUARD_LOW: expected a number of seconds (e.g. 900 or 15m) or a timedelta, got '-1s'",
        "JWTGUARD_HIGH: at most 300 seconds",
    ]
    reader = env_reader(TTL=timedelta(seconds=-5))
    reader.duration("TTL", 1.0, minimum=1)
    assert reader.problems == ["JWTGUARD_TTL: must be at least 1 seconds"]


@pytest.mark.parametrize(
    ("value", "expected", "problems"),
    [
        pytest.param(10_000, 10_000, 0, id="int"),
        pytest.param("1_000", 1000, 0, id="text-underscore"),
        pytest.param(" 42 ", 42, 0, id="text-spaces"),
        pytest.param(True, 5, 1, id="bool-refused"),
        pytest.param(10.0, 5, 1, id="float-refused"),
        pytest.param("big", 5, 1, id="text-refused"),
        pytest.param(-1, -1, 1, id="below-minimum"),
    ],
)
def test_integer(value: object, expected: int, problems: int) -> None:
    reader = env_reader(SIZE=value)
    assert reader.integer("SIZE", 5) == expected
    assert len(reader.problems) == problems


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(["api", "web"], ("api", "web"), id="list"),
        pytest.param(("api",), ("api",), id="tuple"),
        pytest.param(frozenset({"api"}), ("api",), id="frozenset"),
        pytest.param("api, web  admin", ("api", "web", "admin"), id="text"),
        pytest.param(",, ,", (), id="text-empty-items"),
    ],
)
def test_strings(value: object, expected: tuple[str, ...]) -> None:
    reader = env_reader(AUDIENCE=value)
    assert reader.strings("AUDIENCE") == expected
    assert reader.problems == []


@pytest.mark.parametrize("value", [["api", 1], 5, {"a": "b"}])
def test_strings_refuses_other_values(value: object) -> None:
    reader = env_reader(AUDIENCE=value)
    assert reader.strings("AUDIENCE", ("x",)) == ("x",)
    assert reader.problems[0].startswith("JWTGUARD_AUDIENCE: expected a list of strings, got a")


# -- one boolean vocabulary ------------------------------------------------------------

TRUE_WORDS = ["1", "true", "yes", "on", "TRUE", " Yes ", "On"]
FALSE_WORDS = ["0", "false", "no", "off", "FALSE", " No ", "Off"]


@pytest.mark.parametrize("word", TRUE_WORDS)
def test_true_words(word: str) -> None:
    assert env_reader(CSRF=word).flag("CSRF", False) is True


@pytest.mark.parametrize("word", FALSE_WORDS)
def test_false_words(word: str) -> None:
    assert env_reader(CSRF=word).flag("CSRF", True) is False


@pytest.mark.parametrize("value", ["maybe", "enabled", "2", 1, 0, [True]])
def test_anything_else_is_not_a_boolean(value: object) -> None:
    reader = env_reader(CSRF=value)
    assert reader.flag("CSRF", True) is True
    assert reader.problems[0].startswith("JWTGUARD_CSRF: expected true or false")


def test_python_booleans_pass_through() -> None:
    assert env_reader(CSRF=False).flag("CSRF", True) is False
    assert env_reader(CSRF=True).flag("CSRF", False) is True


# -- unset, text, secrets, files, log levels -------------------------------------------


@pytest.mark.parametrize("value", [None, "", "   ", MISSING])
def test_unset_values_mean_the_default(value: object) -> None:
    reader = Reader(PrefixedSource({} if value is MISSING else {"JWTGUARD_X": value}))
    assert reader.raw("X") is None
    assert not reader.is_set("X")
    assert reader.text("X", "d") == "d"
    assert reader.duration("X", 3.0) == 3.0
    assert reader.flag("X", True) is True
    assert reader.problems == []


def test_text_is_stripped_and_must_be_a_string() -> None:
    reader = env_reader(ISSUER=" https://idp.example ", TYP=7)
    assert reader.text("ISSUER") == "https://idp.example"
    assert reader.text("TYP") is None
    assert reader.problems == ["JWTGUARD_TYP: expected a string, got an int"]


@pytest.mark.parametrize(
    ("value", "revealed"),
    [
        pytest.param("text secret", "text secret", id="str"),
        pytest.param(b"\x01\x02 bytes", b"\x01\x02 bytes", id="bytes"),
        pytest.param(bytearray(b"abc"), b"abc", id="bytearray"),
    ],
)
def test_secrets_keep_their_type(value: object, revealed: str | bytes) -> None:
    secret = env_reader(SECRET_KEY=value).secret("SECRET_KEY")
    assert isinstance(secret, Secret)
    assert secret.reveal() == revealed
    assert type(secret.reveal()) is type(revealed)
    assert "bytes" not in repr(secret) and "secret" not in str(secret)


def test_a_bad_secret_is_described_by_its_type_only() -> None:
    reader = env_reader(SECRET_KEY=12345678901234567890)
    assert reader.secret("SECRET_KEY") is None
    assert reader.problems == ["JWTGUARD_SECRET_KEY: expected a string or bytes, got an int"]


def test_text_or_file(tmp_path: Path) -> None:
    pem = tmp_path / "key.pem"
    pem.write_text("PEM TEXT")
    assert env_reader(PUBLIC_KEY_FILE=str(pem)).text_or_file("PUBLIC_KEY") == "PEM TEXT"
    assert env_reader(PUBLIC_KEY=b"PEM BYTES").text_or_file("PUBLIC_KEY") == "PEM BYTES"
    reader = env_reader(PUBLIC_KEY="x", PUBLIC_KEY_FILE=str(tmp_path / "missing"), PRIVATE_KEY=3)
    reader.text_or_file("PUBLIC_KEY")
    reader.text_or_file("PRIVATE_KEY")
    assert reader.problems[0] == "JWTGUARD_PUBLIC_KEY and JWTGUARD_PUBLIC_KEY_FILE: set only one"
    assert reader.problems[1].startswith("JWTGUARD_PUBLIC_KEY_FILE: cannot read ")
    assert (
        reader.problems[2]
        == "JWTGUARD_PRIVATE_KEY: expected PEM text (a string, or UTF-8 bytes), got an int"
    )


@pytest.mark.parametrize(
    ("value", "level"),
    [("warning", logging.WARNING), ("DEBUG", logging.DEBUG), ("15", 15), (logging.ERROR, 40)],
)
def test_log_levels(value: object, level: int) -> None:
    assert env_reader(LOG_LEVEL=value).log_level("LOG_LEVEL", 0) == level


def test_unknown_log_level() -> None:
    reader = env_reader(LOG_LEVEL="LOUD")
    assert reader.log_level("LOG_LEVEL", 20) == 20
    assert reader.problems == [
        "JWTGUARD_LOG_LEVEL: expected a logging level (INFO, 20, ...), got 'LOUD'"
    ]


def test_choice_ignores_case_and_names_the_choices() -> None:
    reader = env_reader(REVOCATION="Memory", OTHER="disk")
    assert reader.choice("REVOCATION", ("memory", "redis"), None) == "memory"
    assert reader.choice("OTHER", ("memory", "redis"), None) is None
    assert reader.problems == ["JWTGUARD_OTHER: expected 'memory' or 'redis', got 'disk'"]


# -- every problem in one pass ---------------------------------------------------------


def test_every_problem_is_collected_then_raised_once() -> None:
    reader = env_reader(LEEWAY="soon", CACHE_SIZE="big", CSRF="perhaps", AUDIENCE=3)
    reader.duration("LEEWAY", 0.0)
    reader.integer("CACHE_SIZE", 1)
    reader.flag("CSRF", True)
    reader.strings("AUDIENCE")
    with pytest.raises(ConfigError) as caught:
        reader.raise_problems()
    names = [p.partition(":")[0] for p in caught.value.problems]
    assert names == [
        "JWTGUARD_LEEWAY",
        "JWTGUARD_CACHE_SIZE",
        "JWTGUARD_CSRF",
        "JWTGUARD_AUDIENCE",
    ]
    env_reader().raise_problems()  # nothing recorded: nothing raised


# -- sources name the keys as the user spelt them --------------------------------------


def test_labels_follow_the_source() -> None:
    assert Reader(PrefixedSource({})).label("LEEWAY") == "JWTGUARD_LEEWAY"
    assert Reader(PrefixedSource({}, prefix="APP_")).label("LEEWAY") == "APP_LEEWAY"
    assert Reader(DictSource({})).label("LEEWAY") == "JWTGUARD['LEEWAY']"
    assert Reader(DictSource({}, where="settings.AUTH")).label("X") == "settings.AUTH['X']"
    reader = Reader(DictSource({"LEEWAY": "soon"}))
    reader.duration("LEEWAY", 0.0)
    assert reader.problems[0].startswith("JWTGUARD['LEEWAY']: expected a number")


def test_an_alias_is_read_and_named_when_the_prefixed_key_is_unset() -> None:
    aliases = {"SECRET_KEY": "JWT_SECRET_KEY"}
    source = PrefixedSource({"JWT_SECRET_KEY": 5, "JWTGUARD_SECRET_KEY": " "}, aliases=aliases)
    reader = Reader(source)
    assert reader.secret("SECRET_KEY") is None
    assert reader.problems == ["JWT_SECRET_KEY: expected a string or bytes, got an int"]
    both = PrefixedSource({"JWT_SECRET_KEY": "a", "JWTGUARD_SECRET_KEY": "b"}, aliases=aliases)
    assert both.lookup("SECRET_KEY") == "b"
    assert both.label("SECRET_KEY") == "JWTGUARD_SECRET_KEY"


def test_a_prefixed_source_lists_only_its_names() -> None:
    source = PrefixedSource({"JWTGUARD_A": 1, "JWTGUARD_": 2, "OTHER": 3, 4: 5})  # type: ignore[dict-item]
    assert sorted(source.names()) == ["A"]


# -- unknown names ---------------------------------------------------------------------

KNOWN = frozenset({"AUDIENCE", "ISSUER", "SECRET_KEY", "REDIS_URL", "REDIS_MODE"})


@pytest.mark.parametrize(
    ("typo", "meant"),
    [
        ("AUDIANCE", "AUDIENCE"),
        ("ISSUR", "ISSUER"),
        ("SECRETKEY", "SECRET_KEY"),
        ("REDIS_MOD", "REDIS_MODE"),
    ],
)
def test_a_typo_is_refused_with_a_hint(typo: str, meant: str) -> None:
    reader = env_reader(**{typo: "x"})
    reader.check_names(KNOWN)
    assert reader.problems == [f"JWTGUARD_{typo}: unknown setting; did you mean JWTGUARD_{meant}?"]


def test_a_name_like_nothing_known_is_refused_without_a_guess() -> None:
    reader = Reader(DictSource({"ZEBRA": 1}))
    reader.check_names(KNOWN)
    assert reader.problems == [
        "JWTGUARD['ZEBRA']: unknown setting (docs/configuration.md lists the names jwtguard reads)"
    ]


def test_ignored_names_and_sections() -> None:
    reader = env_reader(MYTOOL_TOKEN="x", MYTOOL_URL="y", BENCH_SECRET="z", AUDIANCE="w")
    reader.check_names(KNOWN, ignore=["JWTGUARD_MYTOOL_*", "JWTGUARD_BENCH_SECRET"])
    assert [p.partition(":")[0] for p in reader.problems] == ["JWTGUARD_AUDIANCE"]
    section = env_reader(AUDIANCE="w", REDIS_URLL="x")
    section.check_names(KNOWN, within="REDIS_")
    assert section.problems == [
        "JWTGUARD_REDIS_URLL: unknown setting; did you mean JWTGUARD_REDIS_URL?"
    ]


def test_every_unknown_name_is_reported_sorted() -> None:
    reader = env_reader(ZZ="1", AUDIANCE="2", ISSUR="3")
    reader.check_names(KNOWN)
    assert [p.partition(":")[0] for p in reader.problems] == [
        "JWTGUARD_AUDIANCE",
        "JWTGUARD_ISSUR",
        "JWTGUARD_ZZ",
    ]
