"""The resource server's settings through the one reader: environment, Flask, Django."""

from __future__ import annotations

import pytest
from flask import Flask

from jwtguard.adapters.flask import JWTGuard
from jwtguard.config.resource import resource_server_from_env
from jwtguard.errors import ConfigError
from jwtguard.oauth import DPoP, ForwardedHeaders, ResourceServer
from jwtguard.revocation.redis import RedisReplayCache

ENV = {
    "JWTGUARD_RESOURCE": "https://api.example/mcp",
    "JWTGUARD_AUTHORIZATION_SERVERS": "https://as.example",
    "JWTGUARD_SCOPES_SUPPORTED": "read write",
    "JWTGUARD_DPOP": "true",
    "JWTGUARD_DPOP_ALGORITHMS": "ES256,EdDSA",
    "JWTGUARD_DPOP_MAX_AGE": "2m",
    "JWTGUARD_DPOP_NONCE": "yes",
    "JWTGUARD_DPOP_NONCE_SECRET": "n" * 32,
    "JWTGUARD_MTLS_HEADER": "X-Forwarded-Client-Cert",
    "JWTGUARD_MTLS_HEADER_FORMAT": "xfcc",
    "JWTGUARD_REQUIRE_BINDING": "on",
    "JWTGUARD_FORWARDED_HEADERS": "x-forwarded-proto x-forwarded-host",
    "JWTGUARD_FORWARDED_PROXIES": "2",
}


def test_everything_from_the_environment() -> None:
    rs = resource_server_from_env(ENV)
    assert rs is not None
    assert rs.resource == "https://api.example/mcp"
    assert rs.metadata_path == "/.well-known/oauth-protected-resource/mcp"
    assert rs.authorization_servers == ("https://as.example",)
    assert rs.dpop is not None and rs.dpop.algorithms == ("ES256", "EdDSA")
    assert (rs.dpop.max_age, rs.dpop.use_nonce, rs.dpop.nonce_secret) == (120, True, b"n" * 32)
    assert rs.mtls is not None and (rs.mtls.header, rs.mtls.header_format) == (
        "x-forwarded-client-cert",
        "xfcc",
    )
    assert rs.require_binding
    assert rs.forwarded == ForwardedHeaders(x_proto=2, x_host=2)


def test_nothing_set_is_no_resource_server() -> None:
    assert resource_server_from_env({"JWTGUARD_SECRET_KEY": "x"}) is None


def test_a_redis_replay_cache_by_url() -> None:
    rs = resource_server_from_env(
        {"JWTGUARD_DPOP": "1", "JWTGUARD_DPOP_REPLAY_REDIS_URL": "redis://127.0.0.1:6399/0"}
    )
    assert rs is not None and rs.dpop is not None
    assert isinstance(rs.dpop.replay, RedisReplayCache)


def test_every_problem_at_once() -> None:
    with pytest.raises(ConfigError) as caught:
        resource_server_from_env(
            {
                "JWTGUARD_RESOURCE": "https://api.example",
                "JWTGUARD_DPOP_MAX_AGE": "1m",  # DPoP not enabled
                "JWTGUARD_MTLS_HEADER_FORMAT": "der",
                "JWTGUARD_MTLS_HEADER": "X-Cert",
                "JWTGUARD_FORWARDED_HEADERS": "x-real-ip",
                "JWTGUARD_REQUIRE_BINDING": "maybe",
            }
        )
    text = str(caught.value)
    for name in ("DPOP_MAX_AGE", "MTLS_HEADER_FORMAT", "FORWARDED_HEADERS", "REQUIRE_BINDING"):
        assert f"JWTGUARD_{name}" in text
    assert len(caught.value.problems) == 4


def test_flask_app_config() -> None:
    app = Flask(__name__)
    app.config.update(
        JWTGUARD_SECRET_KEY="s" * 32,
        JWTGUARD_RESOURCE="https://api.example",
        JWTGUARD_DPOP=True,
        JWTGUARD_DPOP_LEEWAY=2,
    )
    extension = JWTGuard(app)
    pipeline = app.extensions["jwtguard"].pipeline
    assert extension is not None
    assert pipeline.resource_server.dpop == DPoP(leeway=2)
    with app.test_client() as client:
        metadata = client.get("/.well-known/oauth-protected-resource")
        assert metadata.status_code == 200
        assert metadata.json["resource"] == "https://api.example"
        assert client.get("/").status_code in (401, 404)


def test_a_ready_object_in_a_python_source() -> None:
    app = Flask(__name__)
    rs = ResourceServer(resource="https://api.example")
    app.config.update(JWTGUARD_SECRET_KEY="s" * 32, JWTGUARD_RESOURCE_SERVER=rs)
    with pytest.raises(ConfigError, match="JWTGUARD_RESOURCE_SERVER: audience: a resource"):
        JWTGuard(app)  # a ready object: the audience is not taken from it, and none is set
    app.config["JWTGUARD_AUDIENCE"] = "https://api.example"
    JWTGuard(app)
    assert app.extensions["jwtguard"].pipeline.resource_server is rs
    other = Flask(__name__)
    other.config.update(
        JWTGUARD_SECRET_KEY="s" * 32, JWTGUARD_RESOURCE_SERVER=rs, JWTGUARD_DPOP=True
    )
    with pytest.raises(ConfigError, match="JWTGUARD_DPOP: not used beside"):
        JWTGuard(other)
