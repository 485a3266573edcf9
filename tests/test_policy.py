"""Policy: what a token must satisfy besides its signature, validated once at start-up."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import pytest

from jwtguard import ConfigError
from jwtguard.policy import Policy


def build(**options: Any) -> Policy:
    return Policy.build(**{"algorithms": "HS256", **options})


def problem_fields(**options: Any) -> list[str]:
    """The field each reported problem names (the text before its first colon)."""
    with pytest.raises(ConfigError) as info:
        build(**options)
    return [problem.split(":", 1)[0] for problem in info.value.problems]


def test_defaults_of_build_and_of_the_dataclass_agree() -> None:
    expected = Policy(
        algorithms=("HS256",),
        audience=(),
        issuer=(),
        leeway=0.0,
        require=("exp",),
        typ=None,
        max_age=None,
        max_token_bytes=64 * 1024,  # docs/core.md: every token common servers deliver
    )
    assert Policy(algorithms=("HS256",)) == expected
    assert build() == expected


def test_values_are_normalised() -> None:
    policy = build(
        algorithms=["RS256", "ES256"],
        audience="api",
        issuer=["https://a", "https://b"],
        leeway=5,
        require=["exp", "sub"],
        max_age=60,
    )
    assert policy.algorithms == ("RS256", "ES256")
    assert policy.audience == ("api",)
    assert policy.issuer == ("https://a", "https://b")
    assert policy.require == ("exp", "sub", "iat")  # max_age needs iat
    assert type(policy.leeway) is float
    assert policy.leeway == 5.0
    assert type(policy.max_age) is float
    assert policy.max_age == 60.0


@pytest.mark.parametrize(
    ("options", "require"),
    [
        pytest.param({}, ("exp",), id="no-max-age-no-iat"),
        pytest.param({"max_age": 60}, ("exp", "iat"), id="max-age-adds-iat"),
        pytest.param({"max_age": 60, "require": ("iat",)}, ("iat",), id="iat-not-added-twice"),
        pytest.param({"require": ("iat",)}, ("iat",), id="iat-kept"),
    ],
)
def test_max_age_requires_iat(options: dict[str, Any], require: tuple[str, ...]) -> None:
    assert build(**options).require == require


def test_a_policy_is_immutable_and_slotted() -> None:
    policy = build()
    with pytest.raises(dataclasses.FrozenInstanceError):
        policy.leeway = 10  # type: ignore[misc]
    assert not hasattr(policy, "__dict__")  # slots: read on every verification


@pytest.mark.parametrize(
    ("options", "field"),
    [
        pytest.param({"algorithms": []}, "algorithms", id="empty-allow-list"),
        pytest.param({"algorithms": "none"}, "algorithms", id="none"),
        pytest.param({"algorithms": ["HS256", "NoNe"]}, "algorithms", id="none-any-case"),
        pytest.param({"algorithms": "HS257"}, "algorithms", id="unknown"),
        pytest.param({"audience": ""}, "audience", id="empty-audience"),
        pytest.param({"audience": ["api", 5]}, "audience", id="audience-not-string"),
        pytest.param({"issuer": ""}, "issuer", id="empty-issuer"),
        pytest.param({"issuer": ["https://a", None]}, "issuer", id="issuer-not-string"),
        pytest.param({"leeway": -0.5}, "leeway", id="negative-leeway"),
        pytest.param({"leeway": 301}, "leeway", id="leeway-over-300"),
        pytest.param({"leeway": math.nan}, "leeway", id="nan-leeway"),
        pytest.param({"leeway": math.inf}, "leeway", id="infinite-leeway"),
        pytest.param({"leeway": True}, "leeway", id="boolean-leeway"),
        pytest.param({"leeway": "5"}, "leeway", id="string-leeway"),
        pytest.param({"require": [""]}, "require", id="empty-claim-name"),
        pytest.param({"require": ["exp", 5]}, "require", id="claim-name-not-string"),
        pytest.param({"typ": ""}, "typ", id="empty-typ"),
        pytest.param({"typ": 5}, "typ", id="typ-not-string"),
        pytest.param({"max_age": 0}, "max_age", id="zero-max-age"),
        pytest.param({"max_age": -0.5}, "max_age", id="negative-max-age"),
        pytest.param({"max_age": math.inf}, "max_age", id="infinite-max-age"),
        pytest.param({"max_age": "60"}, "max_age", id="string-max-age"),
        pytest.param({"max_age": True}, "max_age", id="boolean-max-age"),
        pytest.param({"max_token_bytes": 63}, "max_token_bytes", id="below-64"),
        pytest.param({"max_token_bytes": (1 << 20) + 1}, "max_token_bytes", id="above-1mib"),
        pytest.param({"max_token_bytes": 1 << 21}, "max_token_bytes", id="2mib"),
        pytest.param({"max_token_bytes": True}, "max_token_bytes", id="boolean-size"),
        pytest.param({"max_token_bytes": 4096.0}, "max_token_bytes", id="float-size"),
    ],
)
def test_each_bad_value_is_one_problem_naming_its_field(
    options: dict[str, Any], field: str
) -> None:
    assert problem_fields(**options) == [field]


@pytest.mark.parametrize(
    ("name", "value", "stored"),
    [
        pytest.param("algorithms", ["HS256", "ES256K", "EdDSA"], ("HS256", "ES256K", "EdDSA")),
        pytest.param("leeway", 0, 0.0, id="no-leeway"),
        pytest.param("leeway", 300, 300.0, id="leeway-300"),
        pytest.param("leeway", 0.25, 0.25, id="fractional-leeway"),
        pytest.param("require", [], (), id="nothing-required"),
        pytest.param("typ", "at+jwt", "at+jwt", id="typ"),
        pytest.param("max_age", 0.5, 0.5, id="half-second-max-age"),
        pytest.param("max_token_bytes", 64, 64, id="64-bytes"),
        pytest.param("max_token_bytes", 1 << 20, 1 << 20, id="1mib"),
    ],
)
def test_values_at_the_edges_are_accepted(name: str, value: Any, stored: Any) -> None:
    assert getattr(build(**{name: value}), name) == stored


def test_every_problem_is_reported_at_once() -> None:
    assert problem_fields(
        algorithms=[], issuer="", leeway=-1, require=[""], typ="", max_age=0, max_token_bytes=1
    ) == ["algorithms", "issuer", "leeway", "require", "typ", "max_age", "max_token_bytes"]


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
def test_none_is_refused_as_never_allowed_not_as_unknown(alg: str) -> None:
    with pytest.raises(ConfigError) as info:
        build(algorithms=["HS256", alg])
    (problem,) = info.value.problems
    assert "'none' is never allowed" in problem


def test_an_unknown_algorithm_is_quoted_only_in_part() -> None:
    with pytest.raises(ConfigError) as info:
        build(algorithms="X" * 40)
    (problem,) = info.value.problems
    assert repr("X" * 32) in problem
    assert "X" * 33 not in problem
