"""JWKS documents and tokens in the exact shapes real identity providers publish.

Each document has the members, order and extras (``x5c``, ``x5t``, ``issuer``,
``cloud_instance_name``, encryption keys) of the provider's real key endpoint, built
with test keys; tokens carry each provider's real header and claim shapes. They are
served over loopback and verified the way each provider's recipe in docs/keys.md says.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from jwtguard import (
    Guard,
    InvalidAudienceError,
    JWKSOptions,
    Key,
    KeySet,
    RemoteKeySet,
    UnknownKeyError,
)
from jwtguard.testing import FakeIdentityProvider, encode_unchecked


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _uint(value: int) -> str:
    return _b64(value.to_bytes((value.bit_length() + 7) // 8, "big"))


@dataclass
class ProviderKey:
    """An RSA test key with the certificate some providers publish beside it."""

    private: rsa.RSAPrivateKey
    kid: str
    x5c: str
    x5t: str
    x5t_s256: str

    @property
    def n(self) -> str:
        return _uint(self.private.public_key().public_numbers().n)

    def sign(self, header: dict[str, Any], claims: dict[str, Any]) -> str:
        key = Key.from_crypto(self.private, str(header["alg"]), kid=self.kid)
        return encode_unchecked(header, claims, key)


def _test_key(kid: str | None = None) -> ProviderKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "jwtguard interop test")])
    now = datetime.now(timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .sign(private, hashes.SHA256())
    )
    der = cert.public_bytes(serialization.Encoding.DER)
    x5t = _b64(hashlib.sha1(der).digest())  # noqa: S324 - what x5t is (RFC 7517 4.8)
    return ProviderKey(
        private=private,
        kid=kid or x5t,
        x5c=base64.b64encode(der).decode(),
        x5t=x5t,
        x5t_s256=_b64(hashlib.sha256(der).digest()),
    )


@pytest.fixture(scope="module")
def keys() -> list[ProviderKey]:
    return [_test_key() for _ in range(3)]


def _now() -> int:
    return int(time.time())


# -- the documents, member for member ------------------------------------------------


def entra_jwks(keys: list[ProviderKey], tenant: str) -> dict[str, Any]:
    """login.microsoftonline.com/{tenant}/discovery/v2.0/keys: no ``alg``, ``issuer`` per key."""
    return {
        "keys": [
            {
                "kty": "RSA",
                "use": "sig",
                "kid": k.kid,
                "x5t": k.x5t,
                "n": k.n,
                "e": "AQAB",
                "x5c": [k.x5c],
                "cloud_instance_name": "microsoftonline.com",
                "issuer": f"https://login.microsoftonline.com/{tenant}/v2.0",
            }
            for k in keys
        ]
    }


def google_jwks(keys: list[ProviderKey]) -> dict[str, Any]:
    """www.googleapis.com/oauth2/v3/certs: two keys, bare members."""
    return {
        "keys": [
            {"e": "AQAB", "kty": "RSA", "use": "sig", "kid": k.kid, "alg": "RS256", "n": k.n}
            for k in keys[:2]
        ]
    }


def auth0_jwks(keys: list[ProviderKey]) -> dict[str, Any]:
    """TENANT.auth0.com/.well-known/jwks.json: current and next key, with certificates."""
    return {
        "keys": [
            {
                "kty": "RSA",
                "use": "sig",
                "n": k.n,
                "e": "AQAB",
                "kid": k.kid,
                "x5t": k.x5t,
                "x5c": [k.x5c],
                "alg": "RS256",
            }
            for k in keys[:2]
        ]
    }


def keycloak_jwks(keys: list[ProviderKey]) -> dict[str, Any]:
    """/realms/R/protocol/openid-connect/certs: an RSA-OAEP encryption key first."""

    def jwk(k: ProviderKey, alg: str, use: str) -> dict[str, Any]:
        return {
            "kid": k.kid,
            "kty": "RSA",
            "alg": alg,
            "use": use,
            "n": k.n,
            "e": "AQAB",
            "x5c": [k.x5c],
            "x5t": k.x5t,
            "x5t#S256": k.x5t_s256,
        }

    return {"keys": [jwk(keys[2], "RSA-OAEP", "enc"), jwk(keys[0], "RS256", "sig")]}


def okta_jwks(keys: list[ProviderKey]) -> dict[str, Any]:
    """DOMAIN.okta.com/oauth2/default/v1/keys."""
    return {
        "keys": [
            {"kty": "RSA", "alg": "RS256", "kid": k.kid, "use": "sig", "e": "AQAB", "n": k.n}
            for k in keys[:1]
        ]
    }


def cognito_jwks(keys: list[ProviderKey]) -> dict[str, Any]:
    """cognito-idp.REGION.amazonaws.com/POOL/.well-known/jwks.json: ID and access token keys."""
    return {
        "keys": [
            {"alg": "RS256", "e": "AQAB", "kid": k.kid, "kty": "RSA", "n": k.n, "use": "sig"}
            for k in keys[:2]
        ]
    }


# -- serving them -----------------------------------------------------------------------


@pytest.fixture
def serve() -> Iterator[Callable[[dict[str, Any]], FakeIdentityProvider]]:
    """Serve a document byte for byte from a loopback JWKS endpoint."""
    started: list[FakeIdentityProvider] = []

    def start(document: dict[str, Any]) -> FakeIdentityProvider:
        idp = FakeIdentityProvider("RS256").start()
        idp.body = json.dumps(document, indent=2).encode()
        started.append(idp)
        return idp

    yield start
    for idp in started:
        idp.stop()


def _remote(idp: FakeIdentityProvider) -> RemoteKeySet:
    return RemoteKeySet(
        idp.jwks_url, algorithms=["RS256"], options=JWKSOptions(allow_insecure_http=True)
    )


def test_entra_id_v2_access_token_with_200_groups(
    keys: list[ProviderKey], serve: Callable[[dict[str, Any]], FakeIdentityProvider]
) -> None:
    tenant, client = str(uuid.uuid4()), str(uuid.uuid4())
    issuer = f"https://login.microsoftonline.com/{tenant}/v2.0"
    document = entra_jwks(keys, tenant)
    now = _now()
    claims = {
        "aud": client,
        "iss": issuer,
        "iat": now,
        "nbf": now,
        "exp": now + 3600,
        "aio": _b64(b"x" * 60),
        "azp": str(uuid.uuid4()),
        "azpacr": "1",
        "groups": [str(uuid.uuid4()) for _ in range(200)],  # Entra's most in a JWT
        "name": "Ada Lovelace",
        "oid": str(uuid.uuid4()),
        "preferred_username": "ada@example.com",
        "rh": "0.AXEA" + _b64(b"r" * 40) + ".",
        "roles": ["Reader", "Writer"],
        "scp": "access_as_user",
        "sub": _b64(b"s" * 32),
        "tid": tenant,
        "uti": _b64(b"u" * 16),
        "ver": "2.0",
    }
    token = keys[1].sign({"typ": "JWT", "alg": "RS256", "kid": keys[1].kid}, claims)
    assert len(token) > 12_000  # what Entra sends at its 200-group limit
    with _remote(serve(document)) as remote:
        guard = Guard(remote, algorithms=["RS256"], audience=client, issuer=issuer)
        assert len(guard.verify(token)["groups"]) == 200  # fits the default max_token_bytes
    static = Guard(KeySet.from_jwks(document), algorithms=["RS256"], audience=client)
    assert static.verify(token)["tid"] == tenant  # no 'alg' anywhere: the Guard's list binds


def test_google_id_token(
    keys: list[ProviderKey], serve: Callable[[dict[str, Any]], FakeIdentityProvider]
) -> None:
    client = "1234567890-abc.apps.googleusercontent.com"
    now = _now()
    claims = {
        "iss": "https://accounts.google.com",
        "azp": client,
        "aud": client,
        "sub": "110169484474386276334",
        "email": "ada@example.com",
        "email_verified": True,
        "at_hash": _b64(b"h" * 16),
        "iat": now,
        "exp": now + 3600,
    }
    token = keys[1].sign({"alg": "RS256", "kid": keys[1].kid, "typ": "JWT"}, claims)
    with _remote(serve(google_jwks(keys))) as remote:
        guard = Guard(
            remote, algorithms=["RS256"], audience=client, issuer="https://accounts.google.com"
        )
        assert guard.verify(token)["email"] == "ada@example.com"


def test_auth0_access_token_with_two_audiences(
    keys: list[ProviderKey], serve: Callable[[dict[str, Any]], FakeIdentityProvider]
) -> None:
    issuer = "https://example-tenant.auth0.com/"
    now = _now()
    claims = {
        "iss": issuer,
        "sub": "auth0|64b7f1c2e4b0a1a2b3c4d5e6",
        "aud": ["https://api.example.com", issuer + "userinfo"],
        "iat": now,
        "exp": now + 86400,
        "scope": "openid profile read:messages",
        "azp": "AbCdEfGhIjKlMnOpQrStUvWxYz012345",
        "permissions": ["read:messages"],
    }
    token = keys[0].sign({"alg": "RS256", "typ": "JWT", "kid": keys[0].kid}, claims)
    with _remote(serve(auth0_jwks(keys))) as remote:
        guard = Guard(
            remote, algorithms=["RS256"], audience="https://api.example.com", issuer=issuer
        )
        assert guard.verify(token).scopes == {"openid", "profile", "read:messages"}
        elsewhere = Guard(remote, algorithms=["RS256"], audience="https://other.example.com")
        with pytest.raises(InvalidAudienceError):
            elsewhere.verify(token)


def test_keycloak_skips_its_rsa_oaep_encryption_key(
    keys: list[ProviderKey], serve: Callable[[dict[str, Any]], FakeIdentityProvider]
) -> None:
    issuer = "https://sso.example.com/realms/acme"
    now = _now()
    claims = {
        "exp": now + 300,
        "iat": now,
        "jti": str(uuid.uuid4()),
        "iss": issuer,
        "aud": "account",
        "sub": str(uuid.uuid4()),
        "typ": "Bearer",
        "azp": "my-app",
        "sid": str(uuid.uuid4()),
        "acr": "1",
        "realm_access": {"roles": ["offline_access", "uma_authorization"]},
        "resource_access": {"account": {"roles": ["manage-account", "view-profile"]}},
        "scope": "openid email profile",
        "email_verified": False,
        "preferred_username": "ada",
    }
    signing = keys[0]
    token = signing.sign({"alg": "RS256", "typ": "JWT", "kid": signing.kid}, claims)
    with _remote(serve(keycloak_jwks(keys))) as remote:
        guard = Guard(remote, algorithms=["RS256"], audience="account", issuer=issuer)
        assert guard.verify(token)["preferred_username"] == "ada"
        assert remote.kids == (signing.kid,)  # the RSA-OAEP key is never a verification key
        skipped = remote.health().skipped
        assert [(s.kid, s.reason) for s in skipped] == [(keys[2].kid, "use is 'enc', not 'sig'")]
        forged = keys[2].sign({"alg": "RS256", "typ": "JWT", "kid": keys[2].kid}, claims)
        with pytest.raises(UnknownKeyError):
            guard.verify(forged)  # signed with the encryption key: no such verification key


def test_okta_access_token(
    keys: list[ProviderKey], serve: Callable[[dict[str, Any]], FakeIdentityProvider]
) -> None:
    issuer = "https://example.okta.com/oauth2/default"
    now = _now()
    claims = {
        "ver": 1,
        "jti": "AT." + _b64(b"j" * 32),
        "iss": issuer,
        "aud": "api://default",
        "iat": now,
        "exp": now + 3600,
        "cid": "0oa1b2c3d4e5f6g7h8i9",
        "uid": "00u1b2c3d4e5f6g7h8i9",
        "scp": ["openid", "email"],
        "auth_time": now - 10,
        "sub": "ada@example.com",
    }
    token = keys[0].sign({"kid": keys[0].kid, "alg": "RS256"}, claims)
    with _remote(serve(okta_jwks(keys))) as remote:
        guard = Guard(remote, algorithms=["RS256"], audience="api://default", issuer=issuer)
        assert guard.verify(token).scopes == {"openid", "email"}


def test_cognito_access_token_without_aud(
    keys: list[ProviderKey], serve: Callable[[dict[str, Any]], FakeIdentityProvider]
) -> None:
    issuer = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_EXAMPLE"
    now = _now()
    claims = {
        "sub": str(uuid.uuid4()),
        "iss": issuer,
        "client_id": "1example23456789",
        "origin_jti": str(uuid.uuid4()),
        "event_id": str(uuid.uuid4()),
        "token_use": "access",
        "scope": "aws.cognito.signin.user.admin",
        "auth_time": now,
        "exp": now + 3600,
        "iat": now,
        "jti": str(uuid.uuid4()),
        "username": "ada",
    }
    token = keys[1].sign({"kid": keys[1].kid, "alg": "RS256"}, claims)
    with _remote(serve(cognito_jwks(keys))) as remote:
        guard = Guard(
            remote,
            algorithms=["RS256"],
            issuer=issuer,
            require=("exp", "client_id", "token_use"),
        )
        assert guard.verify(token)["token_use"] == "access"
