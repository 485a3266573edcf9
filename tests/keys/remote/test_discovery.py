"""OpenID Connect discovery of a provider's endpoints (keys/remote/discovery.py), over loopback
against the fake provider; panva's oidc-provider in tests/interop/test_fastapi_oauth2.py."""

from __future__ import annotations

import asyncio

import pytest

from jwtguard import ConfigError
from jwtguard.keys.remote import (
    DiscoveryError,
    JWKSFetchError,
    JWKSOptions,
    ProviderMetadata,
    adiscover,
    discover,
)
from jwtguard.testing import FakeIdentityProvider

from .conftest import FAST

LOOPBACK = JWKSOptions(allow_insecure_http=True, **FAST)


def test_discover_reads_the_endpoints(idp: FakeIdentityProvider) -> None:
    metadata = discover(idp.issuer, LOOPBACK)
    assert metadata == ProviderMetadata(idp.issuer, None, None, idp.jwks_url)
    assert asyncio.run(adiscover(idp.issuer, LOOPBACK)) == metadata
    assert idp.count("discovery") == 2


def test_discovery_failures_are_labelled(idp: FakeIdentityProvider) -> None:
    idp.discovery_issuer = "http://127.0.0.1:1/elsewhere"
    with pytest.raises(DiscoveryError) as caught:
        discover(idp.issuer, LOOPBACK)
    assert caught.value.kind == "issuer_mismatch"
    assert str(caught.value) == "OpenID Connect discovery failed: issuer_mismatch"
    assert isinstance(caught.value, JWKSFetchError)
    idp.discovery_issuer = None
    idp.status = 503
    with pytest.raises(DiscoveryError, match="http_503"):
        asyncio.run(adiscover(idp.issuer, LOOPBACK))
    with pytest.raises(ConfigError, match="allow_insecure_http"):
        discover(idp.issuer)  # http:// only when allowed


def test_endpoints_must_be_urls_of_the_allowed_schemes() -> None:
    issuer = "https://idp.example"
    document = {
        "issuer": issuer,
        "token_endpoint": "https://idp.example/token",
        "authorization_endpoint": "https://idp.example/auth",
        "scopes_supported": ["openid", 5, "read"],
        "grant_types_supported": "authorization_code",
    }
    metadata = ProviderMetadata.from_document(document, issuer)
    assert metadata.scopes_supported == ("openid", "read")  # the strings only
    assert metadata.grant_types_supported == ()  # not a list: unstated
    for bad in ("http://idp.example/token", "/token", 42):
        with pytest.raises(DiscoveryError, match="invalid_metadata"):
            ProviderMetadata.from_document({**document, "token_endpoint": bad}, issuer)
    allowed = {**document, "token_endpoint": "http://127.0.0.1:9/token"}
    found = ProviderMetadata.from_document(allowed, issuer, allow_insecure_http=True)
    assert found.token_endpoint == "http://127.0.0.1:9/token"
