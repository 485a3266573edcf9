"""A DPoP client key for tests: makes proofs (RFC 9449 section 4.2) for requests."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Mapping
from typing import Any

from jwtguard.jose import b64url_encode
from jwtguard.keys import Key
from jwtguard.oauth.dpop import access_token_hash
from jwtguard.protocols import Clock
from jwtguard.testing._keys import generate_key

__all__ = ["DPoPKey"]

_PUBLIC: dict[str, tuple[str, ...]] = {
    "RSA": ("kty", "n", "e"),
    "EC": ("kty", "crv", "x", "y"),
    "OKP": ("kty", "crv", "x"),
}


class DPoPKey:
    """A client's DPoP key pair: :attr:`jkt` to bind tokens to, :meth:`proof` for requests.

    ::

        client = DPoPKey("ES256", clock=clock)
        token = factory.issue(sub="42", cnf={"jkt": client.jkt})
        headers = client.headers("GET", "https://api.example/items", token)
    """

    def __init__(self, algorithm: str = "ES256", *, clock: Clock | None = None) -> None:
        self.algorithm = algorithm
        self.key: Key = generate_key(algorithm)
        jwk = self.key.to_jwk()
        self.jwk: dict[str, Any] = {name: jwk[name] for name in _PUBLIC[self.key.family]}
        self.jkt = self.key.thumbprint()
        self._clock = clock

    def proof(
        self,
        method: str,
        url: str,
        access_token: str | None = None,
        *,
        nonce: str | None = None,
        iat: float | None = None,
        jti: str | None = None,
        claims: Mapping[str, Any] | None = None,
        header: Mapping[str, Any] | None = None,
    ) -> str:
        """A signed proof for ``method`` and ``url`` (``ath`` when ``access_token``).
        ``claims``/``header`` add or replace members (None as a value removes one)."""
        now = self._clock() if self._clock is not None else time.time()
        payload: dict[str, Any] = {
            "jti": jti or secrets.token_urlsafe(16),
            "htm": method,
            "htu": url,
            "iat": int(now if iat is None else iat),
        }
        if access_token is not None:
            payload["ath"] = access_token_hash(access_token)
        if nonce is not None:
            payload["nonce"] = nonce
        protected: dict[str, Any] = {"typ": "dpop+jwt", "alg": self.algorithm, "jwk": self.jwk}
        for target, changes in ((payload, claims), (protected, header)):
            for name, value in (changes or {}).items():
                if value is None:
                    target.pop(name, None)
                else:
                    target[name] = value
        signing_input = ".".join(
            b64url_encode(json.dumps(part, separators=(",", ":")).encode())
            for part in (protected, payload)
        )
        signature = self.key.sign(self.algorithm, signing_input.encode("ascii"))
        return signing_input + "." + b64url_encode(signature)

    def headers(
        self, method: str, url: str, access_token: str, **options: Any
    ) -> list[tuple[str, str]]:
        """``Authorization: DPoP <token>`` and a ``DPoP`` proof for this request."""
        proof = self.proof(method, url, access_token, **options)
        return [("Authorization", f"DPoP {access_token}"), ("DPoP", proof)]
