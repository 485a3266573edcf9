"""Several issuers from the environment: each a tenant with its own keys and audience."""

from __future__ import annotations

import pytest

from jwtguard import ConfigError, Guard, RemoteKeySet, Settings, UnknownKeyError
from jwtguard._source import DictSource
from jwtguard.config.settings import TenantSettings
from jwtguard.testing import FakeIdentityProvider, FrozenClock

A, B = "https://a.example", "https://b.example/realms/x"


def test_several_oidc_issuers_are_several_tenants(clock: FrozenClock) -> None:
    with (
        FakeIdentityProvider("RS256", clock=clock, issuer_path="/a") as a,
        FakeIdentityProvider("ES256", clock=clock, issuer_path="/b") as b,
    ):
        env = {
            "JWTGUARD_OIDC_ISSUER": f"{a.issuer} {b.issuer}",
            "JWTGUARD_ALGORITHMS": "RS256 ES256",
            "JWTGUARD_AUDIENCE": "api",
            "JWTGUARD_JWKS_ALLOW_INSECURE_HTTP": "true",
        }
        guard = Guard.from_env(env, dotenv=False, clock=clock)
        try:
            assert set(guard.tenants) == {a.issuer, b.issuer}
            assert guard.verify(a.issue(sub="a"))["sub"] == "a"
            assert guard.verify(b.issue(sub="b"))["sub"] == "b"
            with pytest.raises(UnknownKeyError):
                guard.verify(a.issue(sub="a", iss=b.issuer))  # A's key, B's name
        finally:
            for tenant in guard.tenants.values():
                assert isinstance(tenant.keys, RemoteKeySet)
                tenant.keys.close()


def test_named_tenants_with_their_own_audience_and_jwks_url() -> None:
    settings = Settings.from_env(
        {
            "JWTGUARD_TENANT_ACME_ISSUER": A,
            "JWTGUARD_TENANT_ACME_AUDIENCE": "acme-api other-api",
            "JWTGUARD_TENANT_BETA_CORP_ISSUER": B,
            "JWTGUARD_TENANT_BETA_CORP_JWKS_URL": B + "/protocol/openid-connect/certs",
            "JWTGUARD_AUDIENCE": "api",
        },
        dotenv=False,
    )
    assert settings.tenants == (
        TenantSettings(A, ("acme-api", "other-api")),
        TenantSettings(B, (), B + "/protocol/openid-connect/certs"),
    )
    assert settings.issuer is None and settings.algorithms == ("RS256",)
    guard = Guard.from_settings(settings)
    assert guard.tenants[A].audience == ("acme-api", "other-api")
    assert guard.tenants[B].audience is None  # the Guard's: "api"
    beta = guard.tenants[B].keys
    assert isinstance(beta, RemoteKeySet) and beta.issuer is None  # its JWKS URL, no discovery
    assert all(h is not None and h.fetches == 0 for h in guard.health().values())
    for tenant in guard.tenants.values():
        tenant.keys.close()  # type: ignore[attr-defined]


def test_tenant_configuration_problems_are_listed_together() -> None:
    with pytest.raises(ConfigError) as info:
        Settings.from_env(
            {
                "JWTGUARD_OIDC_ISSUER": f"{A} {A}",
                "JWTGUARD_JWKS_URL": "https://shared.example/jwks",
                "JWTGUARD_ISSUER": A,
                "JWTGUARD_TENANT_X_AUDIENCE": "api",
                "JWTGUARD_TENANT_Y_SCOPE": "read",
                "JWTGUARD_TENANT_Z_ISSUER": "http://plain.example",
            },
            dotenv=False,
        )
    problems = info.value.problems
    assert any(p.startswith("JWTGUARD_TENANT_X_ISSUER: required") for p in problems)
    assert any(p.startswith("JWTGUARD_TENANT_Y_SCOPE: unknown setting") for p in problems)
    assert any(p.startswith("JWTGUARD_JWKS_URL: with several issuers") for p in problems)
    assert any(p.startswith("JWTGUARD_ISSUER: with several issuers") for p in problems)
    assert any("'https://a.example' given twice" in p for p in problems)
    assert any("must be an absolute https:// URL" in p for p in problems)


def test_tenant_names_are_known_in_any_source() -> None:
    source = DictSource({"TENANT_ACME_ISSUER": A, "TENANT_ACME_AUDIENCE": ["acme"]})
    assert Settings.from_source(source).tenants == (TenantSettings(A, ("acme",)),)
    with pytest.raises(ConfigError, match=r"JWTGUARD\['TENANT_ACME_ISUER'\]: unknown setting"):
        Settings.from_source(DictSource({"TENANT_ACME_ISSUER": A, "TENANT_ACME_ISUER": A}))


def test_a_flask_app_configured_with_two_tenants() -> None:
    from flask import Flask

    from jwtguard.adapters.flask import JWTGuard, current_claims, jwt_required

    with (
        FakeIdentityProvider("RS256", issuer_path="/a") as a,
        FakeIdentityProvider("ES256", issuer_path="/b", audience="b-api") as b,
    ):
        app = Flask(__name__)
        app.config.update(
            JWTGUARD_TENANT_A_ISSUER=a.issuer,
            JWTGUARD_TENANT_B_ISSUER=b.issuer,
            JWTGUARD_TENANT_B_AUDIENCE="b-api",
            JWTGUARD_AUDIENCE="api",
            JWTGUARD_ALGORITHMS=["RS256", "ES256"],
            JWTGUARD_JWKS_ALLOW_INSECURE_HTTP=True,
        )

        @app.get("/me")
        @jwt_required
        def me() -> dict[str, str]:
            return {"iss": current_claims["iss"]}

        JWTGuard(app)
        client = app.test_client()
        for idp in (a, b):
            answer = client.get("/me", headers={"Authorization": f"Bearer {idp.issue(sub='1')}"})
            assert answer.json == {"iss": idp.issuer}
        stranger = a.issue(sub="1", iss="https://c.example")
        refused = client.get("/me", headers={"Authorization": f"Bearer {stranger}"})
        assert refused.status_code == 401
