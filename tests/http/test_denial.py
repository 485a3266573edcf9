"""A refusal ready to send (jwtguard/http/denial.py): status, headers in both forms, the
challenges it carries or not, DPoP-Nonce and Retry-After, the unknown user."""

from __future__ import annotations

import dataclasses
import json

import pytest

from jwtguard.errors import (
    CSRFError,
    ExpiredTokenError,
    InsufficientScopeError,
    InvalidClaimError,
    InvalidRequestError,
    MissingTokenError,
    RevocationUnavailableError,
    TokenError,
    UseDPoPNonceError,
)
from jwtguard.http.challenges import Challenges
from jwtguard.http.denial import Denial, deny_for, unknown_user


def test_build_derives_the_asgi_headers() -> None:
    denial = Denial.build(401, "expired", [("WWW-Authenticate", "Bearer"), ("X-É", "ü")], b"{}")
    assert (denial.status, denial.code, denial.body) == (401, "expired", b"{}")
    assert denial.headers == (("WWW-Authenticate", "Bearer"), ("X-É", "ü"))
    assert denial.raw_headers == ((b"www-authenticate", b"Bearer"), (b"x-\xe9", b"\xfc"))


def test_joined_headers_joins_repeated_names() -> None:
    denial = Denial.build(
        401, "x", [("WWW-Authenticate", "Bearer"), ("A", "1"), ("WWW-Authenticate", "DPoP")], b""
    )
    assert denial.joined_headers() == {"WWW-Authenticate": "Bearer, DPoP", "A": "1"}


def test_every_refusal_has_a_json_body_its_length_and_no_store() -> None:
    denial = deny_for(ExpiredTokenError("exp", "expired"), "api")
    assert (denial.status, denial.code) == (401, "expired")
    assert json.loads(denial.body) == {
        "error": "invalid_token",
        "error_description": "The access token expired.",
    }
    assert denial.headers == (
        ("Content-Type", "application/json"),
        ("Content-Length", str(len(denial.body))),
        ("Cache-Control", "no-store"),
        (
            "WWW-Authenticate",
            'Bearer realm="api", error="invalid_token", '
            'error_description="The access token expired."',
        ),
    )


@pytest.mark.parametrize(
    ("error", "challenge"),
    [
        pytest.param(MissingTokenError(), 'Bearer realm="api"', id="401-missing"),
        pytest.param(
            InvalidRequestError("two"),
            'Bearer realm="api", error="invalid_request", error_description="two"',
            id="400-rfc-error",
        ),
        pytest.param(
            InsufficientScopeError(["a"], "more"),
            'Bearer realm="api", error="insufficient_scope", error_description="more", scope="a"',
            id="403-rfc-error",
        ),
        pytest.param(CSRFError("csrf"), None, id="403-csrf-no-challenge"),
        pytest.param(RevocationUnavailableError(), None, id="503-no-challenge"),
    ],
)
def test_which_refusals_carry_a_challenge(error: TokenError, challenge: str | None) -> None:
    found = [v for k, v in deny_for(error, "api").headers if k == "WWW-Authenticate"]
    assert found == ([] if challenge is None else [challenge])


def test_a_400_without_an_rfc_6750_error_has_no_challenge() -> None:
    class Odd(TokenError):
        code = "odd"
        rfc6750_error = ""
        status_code = 400

    assert "WWW-Authenticate" not in dict(deny_for(Odd(), "api").headers)
    Odd.status_code = 401
    assert dict(deny_for(Odd(), "api").headers)["WWW-Authenticate"] == 'Bearer realm="api"'


def test_a_resource_servers_challenges_replace_the_plain_one() -> None:
    challenges = Challenges("api", dpop_algs="ES256")
    denial = deny_for(ExpiredTokenError("exp", "expired"), "ignored", challenges, "DPoP")
    found = [v for k, v in denial.headers if k == "WWW-Authenticate"]
    assert found == challenges.values(ExpiredTokenError("exp", "expired"), "DPoP")
    assert len(found) == 2


def test_a_nonce_refusal_carries_the_nonce() -> None:
    denial = deny_for(UseDPoPNonceError("n-1"), "api", Challenges("api", dpop_algs="ES256"))
    assert dict(denial.headers)["DPoP-Nonce"] == "n-1"
    error = ExpiredTokenError("exp", "expired")
    error.nonce = 5  # type: ignore[attr-defined]
    assert "DPoP-Nonce" not in dict(deny_for(error, "api").headers)


@pytest.mark.parametrize(
    ("retry_after", "header"),
    [
        pytest.param(1, "1", id="whole"),
        pytest.param(0, "0", id="zero"),
        pytest.param(1.2, "2", id="rounded-up"),
        pytest.param(2.002, "3", id="just-above"),
        pytest.param(2.0, "2", id="whole-float"),
        pytest.param(-1, None, id="negative-dropped"),
        pytest.param("5", None, id="not-a-number"),
    ],
)
def test_retry_after_is_whole_seconds_rounded_up(retry_after: object, header: str | None) -> None:
    denial = deny_for(RevocationUnavailableError(retry_after), "api")  # type: ignore[arg-type]
    assert (denial.status, dict(denial.headers).get("Retry-After")) == (503, header)


def test_an_unknown_user_is_an_invalid_token() -> None:
    error = unknown_user()
    assert isinstance(error, InvalidClaimError)
    assert (error.status_code, error.code, error.rfc6750_error) == (
        401,
        "invalid_claim",
        "invalid_token",
    )
    assert error.claim == "sub"
    assert error.description == "The access token's user is unknown or inactive."


def test_a_denial_is_a_shared_immutable_value() -> None:
    """Pipelines cache one Denial per kind of refusal and send it to every such request."""
    denial = deny_for(MissingTokenError(), "api")
    with pytest.raises(dataclasses.FrozenInstanceError):
        denial.status = 200  # type: ignore[misc]
    assert not hasattr(denial, "__dict__")
    assert "raw_headers" not in repr(denial) and "b'www-authenticate'" not in repr(denial)
    assert "Cache-Control" in repr(denial)
