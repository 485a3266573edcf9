"""RFC 8707 and RFC 9068 section 4: a resource server's tokens name it in ``aud``.

A pipeline with a resource URI refuses to start when the Guard would accept tokens
issued for another resource (no audience, or one without the URI); the environment's
``JWTGUARD_RESOURCE`` is the default audience, and ``JWTGUARD_PROFILE`` the RFC 9068
profile, each one line."""

from __future__ import annotations

import pytest

from jwtguard import Guard, Tenant
from jwtguard.errors import ConfigError
from jwtguard.http import Pipeline
from jwtguard.http.requirement import Requirement
from jwtguard.oauth import DPoP, ResourceServer
from jwtguard.testing import TokenFactory

RESOURCE = "https://api.example/mcp"


@pytest.fixture
def factory() -> TokenFactory:
    return TokenFactory.hs256()


def test_the_guard_audience_must_name_the_resource(factory: TokenFactory) -> None:
    rs = ResourceServer(resource=RESOURCE, dpop=DPoP())
    with pytest.raises(ConfigError, match="a resource server checks aud") as no_audience:
        Pipeline(factory.guard(), resource_server=rs)
    assert RESOURCE in str(no_audience.value)
    with pytest.raises(ConfigError, match="must include the resource"):
        Pipeline(factory.guard(audience="https://other.example"), resource_server=rs)
    with pytest.raises(ConfigError, match="spelled differently") as near:
        Pipeline(factory.guard(audience="https://API.example:443/mcp"), resource_server=rs)
    assert "exact string" in str(near.value)
    pipeline = Pipeline(factory.guard(audience=[RESOURCE, "legacy"]), resource_server=rs)
    token = factory.issue(sub="a", aud="https://other.example")
    assert pipeline.decide_on_headers("GET", "/", [(b"authorization", b"Bearer " + token.encode())])
    assert Pipeline(factory.guard(), resource_server=ResourceServer(dpop=DPoP()))  # no URI


def test_every_tenant_audience_must_name_it(factory: TokenFactory) -> None:
    rs = ResourceServer(resource=RESOURCE)
    key = factory.key
    good = Tenant("https://a.example", key)
    other = Tenant("https://b.example", key, audience="https://b-api.example")
    guard = Guard(tenants=[good, other], algorithms=["HS256"], audience=RESOURCE)
    with pytest.raises(ConfigError) as refused:
        Pipeline(guard, resource_server=rs)
    assert refused.value.problems == (
        f"audience: must include the resource {RESOURCE!r}, the aud its tokens carry "
        "(RFC 8707, RFC 9068 section 4)",
    )
    both = Tenant("https://b.example", key, audience=["https://b-api.example", RESOURCE])
    guard = Guard(tenants=[good, both], algorithms=["HS256"], audience=RESOURCE)
    assert Pipeline(guard, resource_server=rs).resource_server is rs


def test_problems_are_reported_together(factory: TokenFactory) -> None:
    rs = ResourceServer(resource=RESOURCE, dpop=DPoP(), require_binding=True)
    with pytest.raises(ConfigError) as refused:
        Pipeline(factory.guard(), resource_server=rs, rules={"/x": Requirement(binding="bearer")})
    assert len(refused.value.problems) == 2


def test_the_environment_resource_is_the_default_audience() -> None:
    env = {"JWTGUARD_SECRET_KEY": "s" * 32, "JWTGUARD_RESOURCE": RESOURCE}
    assert Guard.from_env(env, dotenv=False).policy.audience == (RESOURCE,)
    explicit = {**env, "JWTGUARD_AUDIENCE": f"{RESOURCE},https://old.example"}
    assert Guard.from_env(explicit, dotenv=False).policy.audience == (
        RESOURCE,
        "https://old.example",
    )


def test_the_rfc9068_profile_from_the_environment() -> None:
    env = {"JWTGUARD_SECRET_KEY": "s" * 32, "JWTGUARD_RESOURCE": RESOURCE}
    env["JWTGUARD_ISSUER"] = "https://idp.example"
    guard = Guard.from_env({**env, "JWTGUARD_PROFILE": "RFC9068"}, dotenv=False)
    assert (guard.policy.profile, guard.policy.typ) == ("rfc9068", "at+jwt")
    assert "client_id" in guard.policy.require
    with pytest.raises(ConfigError, match="JWTGUARD_PROFILE: expected 'rfc9068'"):
        Guard.from_env({**env, "JWTGUARD_PROFILE": "jwt"}, dotenv=False)
