"""Token issuance: signed JWTs whose registered claims match a verification policy."""

from __future__ import annotations

import json
import math
import secrets
import time
from calendar import timegm
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from jwtguard.errors import ConfigError
from jwtguard.jose import b64url_encode
from jwtguard.jose.claims_check import NUMERIC_DATE_CLAIMS, check_registered_claims
from jwtguard.keys import Key, KeySet
from jwtguard.keys.coerce import KeyInput, as_key_source
from jwtguard.protocols import Clock

if TYPE_CHECKING:
    from jwtguard.guard import Guard

__all__ = ["TokenIssuer", "new_jti"]


def _compact_json(value: Mapping[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":"), allow_nan=False).encode("utf-8")


def new_jti() -> str:
    """A random ``jti``: 128 bits, base64url, never starting with ``-`` (so it reads as a
    value, not an option, on any command line: ``jwtguard revoke --jti <jti>``)."""
    while True:
        jti = secrets.token_urlsafe(16)
        if jti[0] != "-":
            return jti


class TokenIssuer:
    """Signs tokens with one key and algorithm.

    Each token gets ``iat`` and ``nbf`` (now), ``exp`` (now + ttl), a random
    128-bit ``jti``, and the configured ``aud`` and ``iss``; claims passed to
    :meth:`issue` are added on top and win over these defaults. A claim set that
    verification would refuse whatever the policy (``sub`` not a string, ``exp``
    not a number, ...) is refused here, before signing.
    """

    def __init__(
        self,
        key: Key,
        algorithm: str,
        *,
        audience: str | tuple[str, ...] | None = None,
        issuer: str | None = None,
        ttl: float = 900,
        typ: str = "JWT",
        clock: Clock = time.time,
    ) -> None:
        problems = []
        if not key.can_sign:
            problems.append("signing key: a public key cannot sign; give the private key")
        if algorithm not in key.algorithms:
            problems.append(f"signing key: not bound to {algorithm}")
        if not _positive_seconds(ttl):
            problems.append("ttl: must be a positive number of seconds")
        if problems:
            raise ConfigError(problems)
        self.key = key
        self.algorithm = algorithm
        self.audience = (
            audience[0] if isinstance(audience, tuple) and len(audience) == 1 else audience
        )
        self.issuer = issuer
        self.ttl = ttl
        self.clock = clock
        header: dict[str, Any] = {"alg": algorithm, "typ": typ}
        if key.kid is not None:
            header["kid"] = key.kid
        self._header = header
        self._header_segment = b64url_encode(_compact_json(header))

    @classmethod
    def for_guard(cls, guard: Guard, signing_key: KeyInput | None, ttl: float) -> TokenIssuer:
        """An issuer whose tokens ``guard`` accepts."""
        source = (
            guard.keys
            if signing_key is None
            else as_key_source(signing_key, guard.policy.algorithms)
        )
        key = source.signing_key() if isinstance(source, KeySet) else None
        if key is None:
            raise ConfigError(
                "signing key: this guard has no key that can sign; pass signing_key= "
                "(an HMAC secret or a private key)"
            )
        algorithm = next((a for a in guard.policy.algorithms if a in key.algorithms), None)
        if algorithm is None:
            raise ConfigError("signing key: no allowed algorithm fits the signing key")
        policy = guard.policy
        return cls(
            key,
            algorithm,
            audience=policy.audience or None,
            issuer=policy.issuer[0] if policy.issuer else None,
            ttl=ttl,
            typ=policy.typ or "JWT",
            clock=guard.clock,
        )

    def issue(
        self,
        claims: Mapping[str, Any] | None = None,
        *,
        ttl: float | None = None,
        headers: Mapping[str, Any] | None = None,
    ) -> str:
        """Return a compact JWS. ``headers`` may add members; ``alg`` and ``kid`` are fixed.

        ``exp``/``nbf``/``iat`` may be given as :class:`datetime.datetime` (naive
        means UTC), as PyJWT allows. Raises
        :class:`~jwtguard.errors.InvalidClaimError` (the error verification would
        raise) for registered claims of the wrong type or range, and ``ValueError``
        for a ``ttl`` that is not a positive number of seconds.
        """
        now = int(self.clock())
        lifetime = self.ttl if ttl is None else ttl
        if ttl is not None and not _positive_seconds(ttl):
            raise ValueError("ttl: must be a positive number of seconds")
        payload: dict[str, Any] = {
            "iat": now,
            "nbf": now,
            "exp": now + math.ceil(lifetime),
            "jti": new_jti(),
        }
        if self.issuer is not None:
            payload["iss"] = self.issuer
        if self.audience is not None:
            payload["aud"] = (
                list(self.audience) if isinstance(self.audience, tuple) else self.audience
            )
        if claims:
            payload.update(claims)
            for name in NUMERIC_DATE_CLAIMS:
                value = payload.get(name)
                if isinstance(value, datetime):
                    payload[name] = timegm(value.utctimetuple())
            if isinstance(payload.get("aud"), tuple):  # JSON has arrays only
                payload["aud"] = list(payload["aud"])
            check_registered_claims(payload)
        encoded = _compact_json(payload)
        header_segment = self._header_segment
        if headers:
            extra = {k: v for k, v in headers.items() if k not in ("alg", "kid")}
            header_segment = b64url_encode(_compact_json({**self._header, **extra}))
        signing_input = f"{header_segment}.{b64url_encode(encoded)}"
        signature = self.key.sign(self.algorithm, signing_input.encode("ascii"))
        return f"{signing_input}.{b64url_encode(signature)}"


def _positive_seconds(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < math.inf
