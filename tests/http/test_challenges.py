"""How a refusal is answered (jwtguard/http/challenges.py): quoted strings, RFC 6750
challenges, the DPoP and resource-metadata challenges of a resource server, the JSON body."""

from __future__ import annotations

import dataclasses
import json

import pytest

from jwtguard.errors import (
    CSRFError,
    ExpiredTokenError,
    InsufficientScopeError,
    InvalidDPoPProofError,
    InvalidRequestError,
    MissingTokenError,
    RevocationUnavailableError,
    TokenError,
)
from jwtguard.http.challenges import Challenges, challenge, error_body, quote

EXPIRED = ExpiredTokenError("exp", "expired")
EXPIRED_PARAMS = 'error="invalid_token", error_description="The access token expired."'


def test_quote_escapes_and_drops_control_characters() -> None:
    assert quote('a"b\\c') == '"a\\"b\\\\c"'
    assert quote("x\r\nSet-Cookie: y") == '"xSet-Cookie: y"'


def test_challenges() -> None:
    assert challenge("api") == 'Bearer realm="api"'
    assert challenge(None) == "Bearer"
    assert challenge("api", MissingTokenError()) == 'Bearer realm="api"'
    assert challenge(None, ExpiredTokenError("exp", "expired")) == (
        'Bearer error="invalid_token", error_description="The access token expired."'
    )
    scoped = InsufficientScopeError(["read", 'bad"scope'], 'no "quotes" \\ here')
    assert challenge("r", scoped) == (
        'Bearer realm="r", error="insufficient_scope", '
        'error_description="no quotes  here", scope="read badscope"'
    )


def test_error_body() -> None:
    assert error_body(TokenError()) == (
        b'{"error":"invalid_token","error_description":"The access token is invalid."}'
    )
    assert error_body(MissingTokenError()).startswith(b'{"error":"missing_token"')


@pytest.mark.parametrize(
    ("value", "quoted"),
    [
        pytest.param("a\tb", '"a\tb"', id="tab-kept"),
        pytest.param(" ~", '" ~"', id="printable-bounds-kept"),
        pytest.param("a\x1fb\x7fc\x00", '"abc"', id="controls-and-del-dropped"),
        pytest.param("café", '"caf"', id="non-ascii-dropped"),
        pytest.param("", '""', id="empty"),
    ],
)
def test_quote_keeps_printable_ascii_and_tab(value: str, quoted: str) -> None:
    assert quote(value) == quoted


def test_a_challenge_without_an_rfc_6750_error_has_no_error_attributes() -> None:
    assert challenge("api", CSRFError("csrf")) == 'Bearer realm="api"'
    assert challenge(None, MissingTokenError()) == "Bearer"
    assert challenge(None, MissingTokenError(), scheme="DPoP") == "DPoP"


def test_scheme_and_extra_parameters() -> None:
    extra = ('algs="ES256"', 'resource_metadata="https://r"')
    assert challenge("api", EXPIRED, scheme="DPoP", extra=extra) == (
        f'DPoP realm="api", {EXPIRED_PARAMS}, algs="ES256", resource_metadata="https://r"'
    )
    assert challenge(None, None, extra=extra[:1]) == 'Bearer algs="ES256"'


def test_a_description_is_cut_to_what_a_quoted_string_may_hold_unescaped() -> None:
    error = InvalidRequestError('a"b\\c\x7f~ !#[]')
    assert challenge(None, error) == (
        'Bearer error="invalid_request", error_description="abc~ !#[]"'
    )
    nothing_left = InvalidRequestError('"\\')
    assert challenge(None, nothing_left) == 'Bearer error="invalid_request"'


@pytest.mark.parametrize(
    ("required", "scope"),
    [
        pytest.param(("read",), ', scope="read"', id="one"),
        pytest.param(("a b", "c"), ', scope="ab c"', id="spaces-dropped-in-a-scope"),
        pytest.param(('"', "c"), ', scope="c"', id="emptied-scope-skipped"),
        pytest.param(('"',), "", id="nothing-left"),
        pytest.param((), "", id="none-named"),
        pytest.param(("!~",), ', scope="!~"', id="bounds-kept"),
    ],
)
def test_the_scope_an_insufficient_scope_names(required: tuple[str, ...], scope: str) -> None:
    error = InsufficientScopeError(required, "more")
    assert challenge(None, error) == (
        f'Bearer error="insufficient_scope", error_description="more"{scope}'
    )


def test_only_an_insufficient_scope_names_a_scope() -> None:
    error = InvalidRequestError("bad")
    error.required = ("read",)  # type: ignore[attr-defined]
    assert "scope=" not in challenge(None, error)


METADATA = 'resource_metadata="https://api.example/.well-known/oauth-protected-resource"'


@pytest.mark.parametrize(
    ("challenges", "scheme", "values"),
    [
        pytest.param(
            Challenges("api"), None, [f'Bearer realm="api", {EXPIRED_PARAMS}'], id="bearer"
        ),
        pytest.param(
            Challenges("api", dpop_algs="ES256"),
            None,
            [f'Bearer realm="api", {EXPIRED_PARAMS}', 'DPoP realm="api", algs="ES256"'],
            id="both-bearer-request",
        ),
        pytest.param(
            Challenges("api", dpop_algs="ES256"),
            "DPoP",
            ['Bearer realm="api"', f'DPoP realm="api", {EXPIRED_PARAMS}, algs="ES256"'],
            id="both-dpop-request",
        ),
        pytest.param(
            Challenges("api", bearer=False, dpop_algs="ES256"),
            "Bearer",
            [f'DPoP realm="api", {EXPIRED_PARAMS}, algs="ES256"'],
            id="dpop-only",
        ),
        pytest.param(
            Challenges("api", bearer=False),
            "DPoP",
            [f'Bearer realm="api", {EXPIRED_PARAMS}'],
            id="always-one-challenge",
        ),
        pytest.param(
            Challenges(
                None,
                dpop_algs="ES256 EdDSA",
                resource_metadata="https://api.example/.well-known/oauth-protected-resource",
            ),
            "DPoP",
            [f"Bearer {METADATA}", f'DPoP {EXPIRED_PARAMS}, algs="ES256 EdDSA", {METADATA}'],
            id="metadata-in-each",
        ),
    ],
)
def test_a_resource_servers_challenges(
    challenges: Challenges, scheme: str | None, values: list[str]
) -> None:
    assert challenges.values(EXPIRED, scheme) == values


def test_without_an_error_every_challenge_is_bare() -> None:
    both = Challenges("api", dpop_algs="ES256")
    assert both.values(None, "DPoP") == ['Bearer realm="api"', 'DPoP realm="api", algs="ES256"']
    assert Challenges(None).values(None, None) == ["Bearer"]


@pytest.mark.parametrize(
    ("error", "body"),
    [
        pytest.param(
            InvalidDPoPProofError("htm", "htm"),
            {"error": "invalid_dpop_proof", "error_description": "htm"},
            id="its-rfc-error",
        ),
        pytest.param(
            CSRFError("no header"),
            {"error": "csrf", "error_description": "no header"},
            id="no-rfc-error-its-code",
        ),
        pytest.param(
            RevocationUnavailableError(),
            {
                "error": "revocation_unavailable",
                "error_description": RevocationUnavailableError.default_description,
            },
            id="a-server-failure-is-never-invalid_token",
        ),
    ],
)
def test_the_error_body(error: TokenError, body: dict[str, str]) -> None:
    assert json.loads(error_body(error)) == body
    assert b" " not in error_body(error).replace(error.description.encode(), b"")


def test_only_a_5xx_answers_with_its_own_code() -> None:
    class Teapot(TokenError):
        code = "teapot"
        status_code = 499

    assert json.loads(error_body(Teapot()))["error"] == "invalid_token"
    Teapot.status_code = 500
    assert json.loads(error_body(Teapot()))["error"] == "teapot"


def test_challenges_are_a_shared_immutable_value() -> None:
    """One Challenges per route binding answers every request: nothing may change it."""
    challenges = Challenges("api", dpop_algs="ES256")
    with pytest.raises(dataclasses.FrozenInstanceError):
        challenges.bearer = False  # type: ignore[misc]
    assert not hasattr(challenges, "__dict__")
    assert challenges == Challenges("api", dpop_algs="ES256")
