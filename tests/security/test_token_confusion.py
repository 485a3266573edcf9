"""One kind of JWT must never pass as another (RFC 8725 sections 3.11 and 3.12).

Refresh tokens are signed with the access key by default; what keeps them apart is their
``typ`` (``rt+jwt``) and their own audience. An access token offered for refresh, a refresh
token offered as an access token (with and without an access audience configured), and a
token for another audience or issuer are each refused with their exact code.
"""

from __future__ import annotations

import pytest

from jwtguard import RefreshTokens, TokenError
from jwtguard.testing import FrozenClock, TokenFactory


def setup(**guard_options: object) -> tuple[TokenFactory, RefreshTokens]:
    factory = TokenFactory.for_algorithm("HS256", clock=FrozenClock(), kid="k1")
    access = factory.guard(**guard_options)
    return factory, RefreshTokens(access)


@pytest.mark.parametrize(
    ("options", "code"),
    [
        pytest.param({"audience": "api"}, "invalid_audience", id="access-audience-set"),
        pytest.param({}, "invalid_audience", id="no-access-audience-RFC7519-4.1.3"),
        pytest.param({"typ": "at+jwt"}, "invalid_type", id="typ-at+jwt-RFC9068"),
    ],
)
def test_a_refresh_token_is_not_an_access_token(options: dict[str, object], code: str) -> None:
    _, tokens = setup(**options)
    pair = tokens.issue({"sub": "42", **({"aud": "api"} if "audience" in options else {})})
    with pytest.raises(TokenError) as info:
        tokens.access.verify(pair.refresh_token)
    assert info.value.code == code


def test_an_access_token_is_not_a_refresh_token() -> None:
    _, tokens = setup(audience="api")
    pair = tokens.issue({"sub": "42", "aud": "api"})
    assert tokens.access.verify(pair.access_token)["sub"] == "42"
    with pytest.raises(TokenError) as info:
        tokens.refresh(pair.access_token)
    assert info.value.code == "invalid_type"


def test_a_token_for_another_service_is_refused() -> None:
    factory = TokenFactory.for_algorithm("HS256", clock=FrozenClock(), kid="k1")
    ours = factory.guard(audience="api", issuer="https://idp")
    for claims, code in (
        ({"aud": "billing", "iss": "https://idp"}, "invalid_audience"),
        ({"aud": "api", "iss": "https://idp.evil"}, "invalid_issuer"),
        ({"aud": "api"}, "missing_claim"),
        ({"iss": "https://idp"}, "missing_claim"),
    ):
        with pytest.raises(TokenError) as info:
            ours.verify(factory.issue(sub="1", **claims))
        assert info.value.code == code, claims
