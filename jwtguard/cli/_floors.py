"""The floors ``jwtguard bench`` measures against: the least a correct verifier must do.

Written by hand on the standard library and ``cryptography``, as an application
would without a JWT library: split, decode, check the algorithm, verify the
signature, check ``exp`` and the audience and issuer. A cached floor is a dict
look-up and an expiry compare; an adapter floor is a bare app behind a
middleware doing that look-up.
"""

from __future__ import annotations

import base64
import hmac
import json
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, MutableMapping
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.ec import ECDSA
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from jwtguard.keys import Key

__all__ = [
    "DictASGIMiddleware",
    "DictWSGIMiddleware",
    "bare_asgi_app",
    "bare_wsgi_app",
    "dict_floor",
    "entries_floor",
    "verify_floor",
]

Verifier = Callable[[str], Any]
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "256": hashes.SHA256,
    "384": hashes.SHA384,
    "512": hashes.SHA512,
}


def _unb64(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _signature_check(key: Key, algorithm: str) -> Callable[[bytes, bytes], None] | None:
    """``check(message, signature)`` raising on a bad signature; None for an unknown family."""
    family, size = algorithm[:2], algorithm[2:5]
    if algorithm in ("EdDSA", "Ed25519", "Ed448"):
        ed_public: Any = serialization.load_pem_public_key(key.to_pem().encode())
        return lambda message, signature: ed_public.verify(signature, message)
    if size not in _HASHES:
        return None
    digest = _HASHES[size]()
    if family == "HS":
        secret = _unb64(key.to_jwk(private=True)["k"])
        name = digest.name

        def check_hmac(message: bytes, signature: bytes) -> None:
            if not hmac.compare_digest(hmac.digest(secret, message, name), signature):
                raise ValueError("bad signature")

        return check_hmac
    public: Any = serialization.load_pem_public_key(key.to_pem().encode())
    if family == "RS":
        pkcs1 = padding.PKCS1v15()
        return lambda message, signature: public.verify(signature, message, pkcs1, digest)
    if family == "PS":
        pss = padding.PSS(padding.MGF1(digest), salt_length=digest.digest_size)
        return lambda message, signature: public.verify(signature, message, pss, digest)
    if family == "ES":
        ecdsa = ECDSA(digest)

        def check_ecdsa(message: bytes, signature: bytes) -> None:
            half = len(signature) // 2
            r, s = int.from_bytes(signature[:half], "big"), int.from_bytes(signature[half:], "big")
            public.verify(encode_dss_signature(r, s), message, ecdsa)

        return check_ecdsa
    return None


def verify_floor(
    key: Key, algorithm: str, audience: tuple[str, ...], issuer: str | None
) -> Verifier | None:
    """A minimal correct verifier of ``algorithm`` tokens, or None for an unknown algorithm."""
    check = _signature_check(key, algorithm)
    if check is None:
        return None
    loads, now = json.loads, time.time

    def verify(token: str) -> Any:
        header, payload, signature = token.split(".")
        if loads(_unb64(header)).get("alg") != algorithm:
            raise ValueError("algorithm")
        check(f"{header}.{payload}".encode("ascii"), _unb64(signature))
        claims = loads(_unb64(payload))
        exp = claims["exp"]
        if type(exp) not in (int, float) or now() >= exp:
            raise ValueError("expired")
        if audience:
            aud = claims.get("aud")
            if not any(a in audience for a in ((aud,) if isinstance(aud, str) else aud or ())):
                raise ValueError("audience")
        if issuer is not None and claims.get("iss") != issuer:
            raise ValueError("issuer")
        return claims

    return verify


def dict_floor(token: str, claims: Any, expires_at: float) -> Verifier:
    """A cache at its cheapest: one dict look-up and one expiry compare."""
    return entries_floor({token: (claims, expires_at)})


def entries_floor(entries: Mapping[str, tuple[Any, float]]) -> Verifier:
    """:func:`dict_floor` over ``entries`` (token -> (claims, expiry)), e.g. many of them."""
    get, now = entries.get, time.time

    def verify(token: str) -> Any:
        entry = get(token)
        if entry is None or now() >= entry[1]:
            raise KeyError("not cached")
        return entry[0]

    return verify


Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


async def bare_asgi_app(scope: Scope, receive: Receive, send: Send) -> None:
    """The app behind every ASGI contender: one plain-text response (new messages each time,
    as a real app makes them: middleware may add headers to them)."""
    headers = [(b"content-type", b"text/plain")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"ok"})


class DictASGIMiddleware:
    """The least an ASGI authentication middleware can do: a dict look-up of the bearer token."""

    def __init__(self, app: Any, entries: dict[bytes, tuple[Any, float]]) -> None:
        self.app = app
        self.entries = entries

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        entry = None
        for name, value in scope["headers"]:
            if name == b"authorization" and value[:7].lower() == b"bearer ":
                entry = self.entries.get(value[7:])
                break
        if entry is None or time.time() >= entry[1]:
            await send({"type": "http.response.start", "status": 401, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        scope["user"] = entry[0]
        await self.app(scope, receive, send)


def bare_wsgi_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """The app behind every WSGI contender: one plain-text response."""
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


class DictWSGIMiddleware:
    """The least a WSGI authentication middleware can do: a dict look-up of the bearer token."""

    def __init__(
        self,
        app: Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]],
        entries: dict[str, tuple[Any, float]],
    ) -> None:
        self.app = app
        self.entries = entries

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        header = environ.get("HTTP_AUTHORIZATION", "")
        entry = self.entries.get(header[7:]) if header[:7].lower() == "bearer " else None
        if entry is None or time.time() >= entry[1]:
            start_response("401 Unauthorized", [])
            return [b""]
        environ["user"] = entry[0]
        return self.app(environ, start_response)
