"""Shared pieces of the observability tests: a Guard with traffic through a pipeline."""

from __future__ import annotations

from jwtguard import Guard
from jwtguard.http.pipeline import Pipeline
from jwtguard.http.requirement import Requirement
from jwtguard.testing import TokenFactory

TRAFFIC = {"allowed": 3, "refused": 2, "exempt": 1}


def drive(guard: Guard, factory: TokenFactory, adapter: str = "asgi") -> str:
    """One token verified, then twice from the cache; a malformed token, a missing scope,
    an exempt path. Answers the token (its claims must never be logged or exported)."""
    pipeline = Pipeline(
        guard, adapter=adapter, exempt=["/health"], rules={"/admin": Requirement.build("admin")}
    )
    token = factory.issue(sub="alice@example.com", scope="read")
    authorization = f"Bearer {token}".encode()
    for _ in range(3):
        pipeline.decide_on_authorization("GET", "/data", authorization)
    pipeline.decide_on_authorization("GET", "/data", b"Bearer junk.junk.junk")
    routed = pipeline.route("GET", "/admin")
    assert isinstance(routed, Requirement)
    pipeline.decide_on_authorization("GET", "/admin", authorization, routed)
    assert pipeline.route("GET", "/health") is None
    return token
