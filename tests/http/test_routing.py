"""Path patterns, their precedence, and the paths refused as ambiguous (jwtguard.http.routing)."""

from __future__ import annotations

import pytest

from jwtguard.errors import ConfigError, InvalidRequestError
from jwtguard.http.requirement import Requirement
from jwtguard.http.routing import PathRules

DEFAULT = Requirement.build()
ADMIN = Requirement.build(scopes="admin")
BILLING = Requirement.build(scopes="billing")
LOGIN = Requirement.build(optional=True)
EXEMPT = None

RULES = PathRules(
    exempt=["/health", "/static/*", "/admin/login", "/docs/"],
    rules={"/admin/*": ADMIN, "/billing": BILLING, "/static/private/*": ADMIN, "/me/": LOGIN},
    default=DEFAULT,
)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param("/health", EXEMPT, id="exempt-exact"),
        pytest.param("/health/", DEFAULT, id="exempt-exact-is-literal"),
        pytest.param("/healthz", DEFAULT, id="exempt-exact-no-prefix"),
        pytest.param("/static/", EXEMPT, id="exempt-subtree-root-slash"),
        pytest.param("/static/app.js", EXEMPT, id="exempt-subtree"),
        pytest.param("/static", DEFAULT, id="exempt-subtree-not-its-root"),
        pytest.param("/staticfiles", DEFAULT, id="subtree-is-segment-bounded"),
        pytest.param("/admin", ADMIN, id="rule-subtree-covers-its-root"),
        pytest.param("/admin/", ADMIN, id="rule-subtree-root-slash"),
        pytest.param("/admin/users/1", ADMIN, id="rule-subtree"),
        pytest.param("/administrator", DEFAULT, id="rule-subtree-segment-bounded"),
        pytest.param("/billing", BILLING, id="rule-exact"),
        pytest.param("/billing/", BILLING, id="rule-exact-trailing-slash"),
        pytest.param("/billing/x", DEFAULT, id="rule-exact-not-below"),
        pytest.param("/me", LOGIN, id="rule-written-with-slash"),
        pytest.param("/me/", LOGIN, id="rule-written-with-slash-itself"),
        pytest.param("/docs/", EXEMPT, id="exempt-written-with-slash"),
        pytest.param("/docs", DEFAULT, id="exempt-with-slash-is-literal"),
        pytest.param("/admin/login", EXEMPT, id="exact-exempt-beats-subtree-rule"),
        pytest.param("/admin/login/", ADMIN, id="exempt-never-reaches-further"),
        pytest.param("/static/private", ADMIN, id="longer-subtree-rule-wins"),
        pytest.param("/static/private/key", ADMIN, id="longer-subtree-rule-wins-below"),
        pytest.param("/", DEFAULT, id="root"),
        pytest.param("/x/y", DEFAULT, id="default"),
    ],
)
def test_patterns(path: str, expected: Requirement | None) -> None:
    assert RULES.requirement_for(path) == expected


def test_equally_specific_patterns_the_rule_wins() -> None:
    rules = PathRules(exempt=["/a/b/", "/*"], rules={"/a/b": ADMIN, "/a/*": BILLING})
    assert rules.requirement_for("/a/b/") == ADMIN  # the rule also names /a/b/
    assert rules.requirement_for("/a/c") == BILLING  # a longer subtree beats /*
    assert rules.requirement_for("/z") is None


def test_everything_exempt_but_a_subtree() -> None:
    rules = PathRules(exempt=["/*"], rules={"/api/*": ADMIN})
    assert rules.requirement_for("/") is None
    assert rules.requirement_for("/index.html") is None
    assert rules.requirement_for("/api") == ADMIN
    assert rules.requirement_for("/api/x") == ADMIN


def test_without_patterns_the_path_decides_nothing() -> None:
    rules = PathRules(default=ADMIN)
    assert rules.empty
    for path in ("/", "//admin", "/a/../b", "x", "/%00"):
        assert rules.requirement_for(path, raw_path="/a%2fb") == ADMIN


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/admin\x00", id="nul"),
        pytest.param("/admin\x1b", id="control"),
        pytest.param("/admin\x85", id="c1-control"),
        pytest.param("/admin\ufffd", id="invalid-utf8"),
        pytest.param("/admin\\x", id="backslash"),
        pytest.param("/admin;x", id="path-parameter"),
        pytest.param("/x;/admin", id="path-parameter-elsewhere"),
        pytest.param("/items;v=1", id="parameter-even-where-harmless"),
        pytest.param("/./admin", id="dot"),
        pytest.param("/x/../admin", id="dot-dot"),
        pytest.param("/admin/.", id="trailing-dot"),
        pytest.param("/admin/..", id="trailing-dot-dot"),
        pytest.param("/a/%2e", id="decoded-escape"),
        pytest.param("/search/100%", id="decoded-percent"),
        pytest.param("admin", id="no-leading-slash"),
        pytest.param("*", id="asterisk-form"),
        pytest.param("http://host/admin", id="absolute-form"),
    ],
)
def test_refused_always(path: str) -> None:
    with pytest.raises(InvalidRequestError) as refused:
        RULES.requirement_for(path)
    assert refused.value.status_code == 400
    assert refused.value.description == "The request path is ambiguous."


@pytest.mark.parametrize("raw", ["/admin%2fx", "/admin%2Fx", "/a%5cb", "/a%5Cb", "/v1%2F"])
def test_encoded_separators_in_the_raw_path_are_refused(raw: str) -> None:
    with pytest.raises(InvalidRequestError):
        RULES.requirement_for("/admin/x", raw_path=raw)


def test_other_encodings_in_the_raw_path_are_fine() -> None:
    assert RULES.requirement_for("/admin", raw_path="/%61dmin") == ADMIN
    assert RULES.requirement_for("/caf\xe9", raw_path="/caf%C3%A9") == DEFAULT


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("//admin", id="leading-double-slash"),
        pytest.param("///admin/x", id="leading-slashes"),
        pytest.param("/billing//", id="inner-double-slash"),
        pytest.param("//billing", id="exact-rule"),
        pytest.param("/ADMIN", id="capitals"),
        pytest.param("/Admin/x", id="capitals-below"),
        pytest.param("/HEALTH", id="capitals-of-an-exempt-path"),
        pytest.param("//health", id="slashes-of-an-exempt-path"),
        pytest.param("/static//private/x", id="merging-reaches-a-stricter-subtree"),
    ],
)
def test_ambiguous_spellings_are_refused(path: str) -> None:
    with pytest.raises(InvalidRequestError):
        RULES.requirement_for(path)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param("//items", DEFAULT, id="slashes-where-no-pattern-cares"),
        pytest.param("/x//y", DEFAULT, id="inner-slashes"),
        pytest.param("/Users/Bob", DEFAULT, id="capitals-where-no-pattern-cares"),
        pytest.param("/admin/Users", ADMIN, id="capitals-inside-one-subtree"),
        pytest.param("/admin//x", ADMIN, id="slashes-inside-one-subtree"),
        pytest.param("/static//a.js", EXEMPT, id="slashes-inside-an-exempt-subtree"),
        pytest.param("/caf\xe9", DEFAULT, id="non-ascii"),
        pytest.param("/\xc9t\xe9", DEFAULT, id="non-ascii-capitals"),
        pytest.param("/a b", DEFAULT, id="space"),
    ],
)
def test_unambiguous_spellings_are_decided(path: str, expected: Requirement | None) -> None:
    assert RULES.requirement_for(path) == expected


@pytest.mark.parametrize(
    ("exempt", "rules"),
    [
        pytest.param(["health"], {}, id="no-leading-slash"),
        pytest.param(["/a*"], {}, id="star-not-after-slash"),
        pytest.param(["/a/*/b"], {}, id="star-inside"),
        pytest.param(["/a/**"], {}, id="double-star"),
        pytest.param(["//a"], {}, id="empty-segment"),
        pytest.param(["/a/../b"], {}, id="dot-segment"),
        pytest.param(["/a;b"], {}, id="semicolon"),
        pytest.param(["/a%2Fb"], {}, id="percent-escape"),
        pytest.param(["/a b"], {}, id="space"),
        pytest.param(["/a?b"], {}, id="query"),
        pytest.param([], {"/a\\b": ADMIN}, id="backslash-in-a-rule"),
        pytest.param(["/x"], {"/x": ADMIN}, id="same-pattern-exempt-and-rule"),
        pytest.param([], {"/x": "admin"}, id="not-a-requirement"),
        pytest.param([1], {}, id="not-a-string"),
    ],
)
def test_bad_patterns_fail_at_start_up(exempt: list[object], rules: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        PathRules(exempt=exempt, rules=rules)  # type: ignore[arg-type]


def test_a_single_string_is_one_exempt_pattern() -> None:
    assert PathRules(exempt="/health").requirement_for("/health") is None


@pytest.mark.parametrize(
    ("exempt", "rules", "prefix"),
    [
        pytest.param(["health"], {}, "exempt: paths must start with '/'", id="exempt-no-slash"),
        pytest.param([], {"admin": ADMIN}, "rules: paths must start with '/'", id="rule-no-slash"),
        pytest.param(["/a*bc"], {}, "exempt: '/a*bc' is not a path pattern", id="star-early"),
        pytest.param(["/*/x"], {}, "exempt: '/*/x' is not a path pattern", id="star-segment"),
        pytest.param([], {"/a*": ADMIN}, "rules: '/a*': a subtree is written", id="star-last"),
        pytest.param(["/a", "/b"], {"/b": ADMIN, "/a": ADMIN}, "rules: '/a' is also exempt"),
    ],
)
def test_each_bad_pattern_is_named_in_its_message(
    exempt: list[str], rules: dict[str, Requirement], prefix: str
) -> None:
    with pytest.raises(ConfigError) as info:
        PathRules(exempt=exempt, rules=rules)
    assert str(info.value).startswith(prefix)


@pytest.mark.parametrize(
    ("exempt", "rules"),
    [
        pytest.param(["/" + "a" * 100 + "*"], {}, id="bad-subtree"),
        pytest.param(["/" + "a" * 100 + "*x"], {}, id="not-a-pattern"),
        pytest.param(["a" * 100], {}, id="no-slash"),
        pytest.param(["/" + "a" * 100], {"/" + "a" * 100: ADMIN}, id="also-exempt"),
    ],
)
def test_a_bad_pattern_is_quoted_only_in_part(
    exempt: list[str], rules: dict[str, Requirement]
) -> None:
    with pytest.raises(ConfigError) as info:
        PathRules(exempt=exempt, rules=rules)
    pattern = (exempt or list(rules))[0]
    assert repr(pattern[:60]) in str(info.value)
    assert pattern[:61] not in str(info.value)


def test_the_default_requirement_is_a_plain_token_unless_given() -> None:
    rules = PathRules(exempt=["/h"])
    assert rules.requirement_for("/x") == Requirement()
    assert rules.lookup("/h") is None


def test_an_exact_exempt_path_beats_a_rule_for_its_subtree() -> None:
    rules = PathRules(exempt=["/a"], rules={"/a/*": ADMIN}, default=DEFAULT)
    assert rules.requirement_for("/a") is EXEMPT
    assert rules.requirement_for("/a/x") == ADMIN
    assert rules.requirement_for("/a/") == ADMIN


def test_of_two_rules_naming_one_path_the_first_given_wins() -> None:
    rules = PathRules(rules={"/a": ADMIN, "/a/": BILLING}, default=DEFAULT)
    assert rules.requirement_for("/a") == ADMIN
    assert rules.requirement_for("/a/") == ADMIN


@pytest.mark.parametrize(
    ("patterns", "path", "expected"),
    [
        pytest.param({"/": ADMIN}, "/", ADMIN, id="root-rule"),
        pytest.param({"/": ADMIN}, "/x", DEFAULT, id="root-rule-is-exact"),
        pytest.param({"/*": ADMIN}, "//x", ADMIN, id="everything-also-with-slashes"),
    ],
)
def test_rules_at_the_root(
    patterns: dict[str, Requirement], path: str, expected: Requirement
) -> None:
    assert PathRules(rules=patterns, default=DEFAULT).requirement_for(path) == expected


def test_only_a_trailing_slash_is_stripped_from_a_rule() -> None:
    rules = PathRules(rules={"/taX/": ADMIN}, default=DEFAULT)
    assert (rules.lookup("/taX"), rules.lookup("/taX/"), rules.lookup("/ta")) == (
        ADMIN,
        ADMIN,
        DEFAULT,
    )


@pytest.mark.parametrize(
    ("options", "path"),
    [
        pytest.param({"rules": {"/": ADMIN}}, "//", id="root-rule-and-slashes"),
        pytest.param(
            {"exempt": ["/a/*"], "rules": {"/a/b": DEFAULT}},
            "//a//b",
            id="read-by-werkzeug-without-merging",
        ),
        pytest.param(
            {"exempt": ["/X/*"], "rules": {"/X/b": DEFAULT}},
            "//X//b",
            id="only-slashes-are-stripped-from-the-start",
        ),
    ],
)
def test_slash_readings_that_differ_are_refused(options: dict[str, object], path: str) -> None:
    rules = PathRules(default=DEFAULT, **options)  # type: ignore[arg-type]
    with pytest.raises(InvalidRequestError):
        rules.requirement_for(path)
