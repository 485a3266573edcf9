"""Independently written software on loopback: panva's oidc-provider and jose (Node), PyJWT.

The npm packages come from tests/interop/node/package-lock.json (``make test`` runs
``npm ci``). Each Node program is a child process speaking one JSON object per line on
stdin/stdout; the fixtures always stop them.
"""

from __future__ import annotations

import json
import os
import selectors
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

NODE_DIR = Path(__file__).resolve().parent / "node"
AUDIENCE = "urn:jwtguard:interop"
REPLY_TIMEOUT = 20.0


class NodeService:
    """A Node program answering one JSON line per JSON line it is sent."""

    def __init__(self, script: str, first: dict[str, Any] | None = None) -> None:
        node = shutil.which("node")
        if node is None or not (NODE_DIR / "node_modules").is_dir():
            pytest.fail("interop tests need Node and `npm ci` in tests/interop/node (make test)")
        self._stderr = open(os.devnull, "wb")  # noqa: SIM115 - closed in stop()
        self._process = subprocess.Popen(
            [node, str(NODE_DIR / script)],
            cwd=NODE_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
        )
        self._selector = selectors.DefaultSelector()
        assert self._process.stdout is not None
        self._selector.register(self._process.stdout, selectors.EVENT_READ)
        self.greeting = self.request(first) if first is not None else None

    def request(self, message: dict[str, Any]) -> Any:
        """Send ``message``; its one-line JSON answer."""
        process = self._process
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(json.dumps(message).encode() + b"\n")
        process.stdin.flush()
        if not self._selector.select(REPLY_TIMEOUT):
            pytest.fail(f"node gave no answer within {REPLY_TIMEOUT} s")
        line = process.stdout.readline()
        if not line:
            pytest.fail(f"node exited with {process.wait(5)}")
        return json.loads(line)

    def stop(self) -> None:
        process = self._process
        if process.poll() is None:
            assert process.stdin is not None
            process.stdin.close()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        assert process.stdout is not None
        process.stdout.close()
        self._selector.close()
        self._stderr.close()


class Jose:
    """panva's jose: generate keys, sign and verify tokens."""

    def __init__(self, service: NodeService) -> None:
        self._service = service

    def _call(self, **request: Any) -> Any:
        return self._service.request(request)

    def generate(self, alg: str, kid: str = "jose-1") -> tuple[dict[str, Any], dict[str, Any]]:
        """A fresh (private JWK, public JWK) pair, both with ``kid``, ``alg`` and ``use``."""
        pair = self._call(op="generate", alg=alg, kid=kid)
        assert "error" not in pair, pair
        return pair["private"], pair["public"]

    def sign(
        self,
        alg: str,
        key: dict[str, Any],
        payload: dict[str, Any],
        header: dict[str, Any] | None = None,
    ) -> str:
        answer = self._call(op="sign", alg=alg, key=key, payload=payload, header=header or {})
        assert "error" not in answer, answer
        token: str = answer["token"]
        return token

    def verify(self, token: str, *, algorithms: list[str], **options: Any) -> Any:
        """jose's ``jwtVerify`` with ``jwks=`` (a JWKS) or ``key=`` (one JWK, e.g. a secret):
        ``{"header", "payload"}``, or ``{"error": jose's error code}``."""
        return self._call(op="verify", token=token, algorithms=algorithms, **options)


@pytest.fixture(scope="session")
def jose() -> Iterator[Jose]:
    service = NodeService("jose.mjs")
    try:
        yield Jose(service)
    finally:
        service.stop()


class OidcProvider:
    """One oidc-provider instance: an issuer on ``http://127.0.0.1:<port><path>``."""

    def __init__(self, service: NodeService) -> None:
        self._service = service
        greeting = service.greeting
        assert greeting is not None and "issuer" in greeting, greeting
        self.issuer: str = greeting["issuer"]

    def token(self, scope: str = "read") -> str:
        """A JWT access token (RFC 9068) by the client_credentials grant."""
        answer = self._service.request({"cmd": "token", "scope": scope})
        assert answer.get("status") == 200, answer
        token: str = answer["access_token"]
        return token

    def dpop_token(self, scope: str = "read", alg: str = "ES256") -> tuple[str, str, str]:
        """A DPoP-bound token requested with a proof by panva's ``dpop``: (token, the key's
        id for :meth:`proof`, its thumbprint)."""
        answer = self._service.request({"cmd": "dpop_token", "scope": scope, "alg": alg})
        assert answer.get("status") == 200 and answer.get("token_type") == "DPoP", answer
        return answer["access_token"], answer["key"], answer["jkt"]

    def proof(
        self, key: str, htm: str, htu: str, access_token: str | None, nonce: str | None = None
    ) -> str:
        """A DPoP proof by panva's ``dpop`` with the key ``key`` (from :meth:`dpop_token`)."""
        answer = self._service.request(
            {"cmd": "proof", "key": key, "htm": htm, "htu": htu,
             "access_token": access_token, "nonce": nonce}
        )  # fmt: skip
        assert "proof" in answer, answer
        proof: str = answer["proof"]
        return proof

    def mtls_token(self, certificate: str, scope: str = "read") -> str:
        """A certificate-bound token for a client that presented ``certificate`` (PEM)."""
        answer = self._service.request({"cmd": "mtls_token", "cert": certificate, "scope": scope})
        assert answer.get("status") == 200, answer
        token: str = answer["access_token"]
        return token

    def use_keys(self, keys: list[dict[str, Any]], alg: str | None = None) -> None:
        """Publish ``keys`` (private JWKs) and sign with them from now on (rotation)."""
        answer = self._service.request({"cmd": "keys", "keys": keys, "alg": alg})
        assert answer == {"ok": True}, answer


@pytest.fixture
def oidc_provider() -> Iterator[Callable[..., OidcProvider]]:
    """Start providers: ``oidc_provider(keys, alg, path="")``; all stopped after the test."""
    started: list[NodeService] = []

    def start(keys: list[dict[str, Any]], alg: str, path: str = "") -> OidcProvider:
        config = {"keys": keys, "alg": alg, "audience": AUDIENCE, "path": path}
        service = NodeService("provider.mjs", config)
        started.append(service)
        return OidcProvider(service)

    yield start
    for service in started:
        service.stop()
