"""DPoP proof verification (RFC 9449 section 4.3), check by check."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from jwtguard.errors import ConfigError, InvalidDPoPProofError, UseDPoPNonceError
from jwtguard.jose import b64url_encode
from jwtguard.keys.export import jwk_members
from jwtguard.oauth import DPoP, DPoPVerifier
from jwtguard.oauth.dpop import access_token_hash
from jwtguard.revocation import MemoryReplayCache
from jwtguard.testing import DPoPKey, FrozenClock

URL = "https://api.example/items"
TOKEN = "header.payload.signature"


@pytest.fixture
def verifier(clock: FrozenClock) -> DPoPVerifier:
    return DPoPVerifier(DPoP(), clock)


@pytest.mark.parametrize("alg", ["ES256", "ES384", "ES512", "EdDSA", "Ed25519", "PS256", "RS256"])
def test_a_good_proof_gives_the_key_thumbprint(
    alg: str, verifier: DPoPVerifier, clock: FrozenClock
) -> None:
    client = DPoPKey(alg, clock=clock)
    proof = client.proof("GET", URL, TOKEN)
    verified = verifier.verify(proof, "GET", URL, TOKEN)
    assert verified.jkt == client.jkt
    assert verified.expires_at == clock() + 65
    again = verifier.verify(client.proof("GET", URL, TOKEN), "GET", URL, TOKEN)  # cached header
    assert again.replay_key != verified.replay_key


def _reason(verifier: DPoPVerifier, proof: str, method: str = "GET", url: str = URL) -> str:
    with pytest.raises(InvalidDPoPProofError) as caught:
        verifier.verify(proof, method, url, TOKEN)
    return caught.value.reason


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        pytest.param({"header": {"typ": "JWT"}}, "typ", id="typ-jwt"),
        pytest.param({"header": {"typ": None}}, "typ", id="no-typ"),
        pytest.param({"header": {"alg": "HS256"}}, "alg", id="alg-hmac"),
        pytest.param({"header": {"alg": "none"}}, "alg", id="alg-none"),
        pytest.param({"header": {"crit": ["exp"]}}, "crit", id="crit"),
        pytest.param({"header": {"jwk": None}}, "jwk", id="no-jwk"),
        pytest.param({"header": {"jwk": "text"}}, "jwk", id="jwk-not-object"),
        pytest.param({"header": {"jwk": {"kty": "oct", "k": "AAAA"}}}, "jwk", id="jwk-secret"),
        pytest.param({"claims": {"jti": None}}, "jti", id="no-jti"),
        pytest.param({"claims": {"jti": "x" * 257}}, "jti", id="jti-too-long"),
        pytest.param({"claims": {"jti": 7}}, "jti", id="jti-number"),
        pytest.param({"claims": {"htm": "POST"}}, "htm", id="htm"),
        pytest.param({"claims": {"htm": "get"}}, "htm", id="htm-case"),
        pytest.param({"claims": {"htu": "https://api.example/other"}}, "htu", id="htu-path"),
        pytest.param({"claims": {"htu": "https://evil.example/items"}}, "htu", id="htu-host"),
        pytest.param({"claims": {"htu": "http://api.example/items"}}, "htu", id="htu-scheme"),
        pytest.param({"claims": {"htu": "/items"}}, "htu", id="htu-relative"),
        pytest.param({"claims": {"htu": None}}, "htu", id="no-htu"),
        pytest.param({"claims": {"iat": None}}, "iat", id="no-iat"),
        pytest.param({"claims": {"iat": "1700000000"}}, "iat", id="iat-string"),
        pytest.param({"claims": {"iat": True}}, "iat", id="iat-bool"),
        pytest.param({"claims": {"ath": "x"}}, "ath", id="ath-other-token"),
        pytest.param({"claims": {"ath": None}}, "ath", id="no-ath"),
    ],
)
def test_each_check_refuses(
    changes: dict[str, Any], reason: str, verifier: DPoPVerifier, clock: FrozenClock
) -> None:
    client = DPoPKey("ES256", clock=clock)
    proof = client.proof(
        "GET", URL, TOKEN, claims=changes.get("claims"), header=changes.get("header")
    )
    assert _reason(verifier, proof) == reason


@pytest.mark.parametrize(
    ("offset", "accepted"),
    [(-60, True), (-61, False), (5, True), (6, False), (-3600, False)],
)
def test_iat_window(
    offset: int, accepted: bool, verifier: DPoPVerifier, clock: FrozenClock
) -> None:
    client = DPoPKey("ES256", clock=clock)
    proof = client.proof("GET", URL, TOKEN, iat=clock() + offset)
    if accepted:
        verifier.verify(proof, "GET", URL, TOKEN)
    else:
        assert _reason(verifier, proof) == "iat"


def test_a_tampered_payload_fails_the_signature(verifier: DPoPVerifier, clock: FrozenClock) -> None:
    proof = DPoPKey("ES256", clock=clock).proof("GET", URL, TOKEN)
    header, _, signature = proof.split(".")
    other = DPoPKey("ES256", clock=clock).proof("GET", URL, TOKEN).split(".")[1]
    assert _reason(verifier, f"{header}.{other}.{signature}") == "signature"


def test_a_key_swapped_in_the_header_fails_the_signature(
    verifier: DPoPVerifier, clock: FrozenClock
) -> None:
    signer, other = DPoPKey("ES256", clock=clock), DPoPKey("ES256", clock=clock)
    proof = signer.proof("GET", URL, TOKEN, header={"jwk": other.jwk})
    assert _reason(verifier, proof) == "signature"


def test_the_jwk_must_fit_the_alg(verifier: DPoPVerifier, clock: FrozenClock) -> None:
    client = DPoPKey("ES256", clock=clock)
    rsa = DPoPKey("RS256", clock=clock)
    assert _reason(verifier, client.proof("GET", URL, TOKEN, header={"jwk": rsa.jwk})) == "jwk"
    with_alg = {**client.jwk, "alg": "ES384"}
    assert _reason(verifier, client.proof("GET", URL, TOKEN, header={"jwk": with_alg})) == "jwk"


def test_a_private_jwk_is_refused(verifier: DPoPVerifier, clock: FrozenClock) -> None:
    client = DPoPKey("ES256", clock=clock)
    private = client.key.to_jwk(private=True)
    assert _reason(verifier, client.proof("GET", URL, TOKEN, header={"jwk": private})) == "jwk"


def test_a_small_rsa_key_is_refused(verifier: DPoPVerifier, clock: FrozenClock) -> None:
    small = rsa.generate_private_key(65537, 1024)
    header = {"typ": "dpop+jwt", "alg": "RS256", "jwk": jwk_members(small.public_key())}
    payload = {"jti": "1", "htm": "GET", "htu": URL, "iat": int(clock()), "ath": "x"}
    signing_input = ".".join(b64url_encode(json.dumps(p).encode()) for p in (header, payload))
    signature = small.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    assert _reason(verifier, signing_input + "." + b64url_encode(signature)) == "jwk"


@pytest.mark.parametrize(
    "proof",
    [
        "",
        "a.b",
        "a.b.c.d",
        "a.b.c",
        "!!.!!.!!",
        "x" * 9000,
        "eyJ.eyJ.AA==",
        "eyJ..AAAA",
        ".eyJ.AAAA",
        "eyJ.eyJ.",
        "eyJ.ey\u00e9.AAAA",
        "eyJ.ey J.AAAA",
        "eyJ.eyJ+.AAAA",
    ],
    ids=[
        "empty",
        "two",
        "four",
        "junk",
        "alphabet",
        "huge",
        "padding",
        "empty-payload",
        "empty-header",
        "empty-signature",
        "non-ascii",
        "space",
        "standard-alphabet",
    ],
)
def test_malformed_proofs(proof: str, verifier: DPoPVerifier) -> None:
    with pytest.raises(InvalidDPoPProofError):
        verifier.verify(proof, "GET", URL, TOKEN)


def _signed(client: DPoPKey, payload: bytes) -> str:
    """A proof of ``client`` whose payload is exactly ``payload`` (signed: only the
    payload's own checks can refuse it)."""
    header = b64url_encode(
        json.dumps({"typ": "dpop+jwt", "alg": "ES256", "jwk": client.jwk}).encode()
    )
    body = b64url_encode(payload)
    signature = client.key.sign("ES256", f"{header}.{body}".encode())
    return f"{header}.{body}.{b64url_encode(signature)}"


def _members(clock: FrozenClock, **changes: str) -> dict[str, str]:
    """A good payload's members as JSON texts (``changes`` replace some)."""
    members = {
        "jti": '"j-1"',
        "htm": '"GET"',
        "htu": f'"{URL}"',
        "iat": str(int(clock())),
        "ath": f'"{access_token_hash(TOKEN)}"',
    }
    return {**members, **changes}


def _flat(members: dict[str, str], *extra: str) -> bytes:
    return ("{" + ",".join([*(f'"{k}":{v}' for k, v in members.items()), *extra]) + "}").encode()


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        pytest.param(lambda c: b"[1, 2", "malformed", id="not-json"),
        pytest.param(lambda c: b'["jti"]', "malformed", id="array"),
        pytest.param(lambda c: b"", "malformed", id="empty"),
        pytest.param(lambda c: b"\xff{}", "malformed", id="not-utf8"),
        pytest.param(lambda c: _flat(_members(c), '"jti":"j-2"'), "malformed", id="duplicate"),
        pytest.param(
            lambda c: b" " + _flat(_members(c), '"jti":"j-2"'), "malformed", id="duplicate-spaced"
        ),
        pytest.param(
            lambda c: _flat(_members(c), '"x":{"a":1,"a":2}'), "malformed", id="duplicate-nested"
        ),
        pytest.param(lambda c: _flat(_members(c, iat="NaN")), "malformed", id="iat-nan"),
        pytest.param(lambda c: _flat(_members(c)) + b"{}", "malformed", id="trailing-object"),
        pytest.param(lambda c: _flat(_members(c)) + b"x", "malformed", id="trailing-junk"),
        pytest.param(lambda c: _flat(_members(c, iat="1e400")), "iat", id="iat-infinite"),
        pytest.param(lambda c: _flat(_members(c, iat="1" + "0" * 400)), "iat", id="iat-huge"),
        pytest.param(lambda c: _flat(_members(c, iat="-" + "9" * 400)), "iat", id="iat-huge-neg"),
        pytest.param(lambda c: _flat(_members(c, iat="true")), "iat", id="iat-true"),
        pytest.param(lambda c: _flat(_members(c, iat="[1]")), "iat", id="iat-array"),
        pytest.param(lambda c: _flat(_members(c, jti='"\\ud800"')), None, id="lone-surrogate"),
        pytest.param(lambda c: _flat(_members(c, htu='"https:\\/\\/api.example\\/items"')), None,
                     id="escaped-slashes"),
        pytest.param(lambda c: b"\n " + _flat(_members(c)) + b" \t", None, id="whitespace"),
        pytest.param(lambda c: _flat(_members(c), '"x":{"y":[1]}'), None, id="nested-extra"),
        pytest.param(lambda c: _flat(_members(c, jti='"{["')), None, id="brackets-in-a-string"),
        pytest.param(lambda c: _flat(_members(c, htm='"POST"')), "htm", id="htm-flat"),
    ],
)  # fmt: skip
def test_the_payload_is_one_strict_json_object(
    payload: Callable[[FrozenClock], bytes],
    reason: str | None,
    verifier: DPoPVerifier,
    clock: FrozenClock,
) -> None:
    """Flat payloads (every client's) take a one-pass reader, anything else the general
    one: the same strictness and the same reasons either way."""
    proof = _signed(DPoPKey("ES256", clock=clock), payload(clock))
    if reason is None:
        assert verifier.verify(proof, "GET", URL, TOKEN).expires_at == int(clock()) + 65
    else:
        assert _reason(verifier, proof) == reason


@pytest.mark.parametrize("junk", ["!!!!", "====", "++++", "    ", "\u00e9\u00e9\u00e9\u00e9"])
@pytest.mark.parametrize("where", [0, 1], ids=["header", "payload"])
def test_a_signed_segment_outside_base64url_is_malformed(
    junk: str, where: int, verifier: DPoPVerifier, clock: FrozenClock
) -> None:
    """Signed by the client's own key, so only the segments' strictness can refuse it
    (a lenient decoder would skip the junk); the header after a good proof warmed the
    key cache."""
    client = DPoPKey("ES256", clock=clock)
    verifier.verify(client.proof("GET", URL, TOKEN), "GET", URL, TOKEN)
    segments = client.proof("GET", URL, TOKEN).split(".")[:2]
    segments[where] = segments[where][:8] + junk + segments[where][8:]
    signing_input = ".".join(segments)
    signature = client.key.sign("ES256", signing_input.encode("utf-8"))
    proof = f"{signing_input}.{b64url_encode(signature)}"
    assert _reason(verifier, proof) == "malformed"


def test_a_url_given_normalised_matches_every_spelling(
    verifier: DPoPVerifier, clock: FrozenClock
) -> None:
    client = DPoPKey("ES256", clock=clock)
    proof = client.proof("GET", "HTTPS://API.example:443/items?page=2#top", TOKEN)
    verifier.verify(proof, "GET", URL, TOKEN)


def test_nonces(clock: FrozenClock) -> None:
    verifier = DPoPVerifier(DPoP(use_nonce=True, nonce_secret=b"s" * 32, nonce_lifetime=60), clock)
    client = DPoPKey("ES256", clock=clock)
    with pytest.raises(UseDPoPNonceError) as caught:
        verifier.verify(client.proof("GET", URL, TOKEN), "GET", URL, TOKEN)
    nonce = caught.value.nonce
    current = verifier.verify(client.proof("GET", URL, TOKEN, nonce=nonce), "GET", URL, TOKEN)
    assert current.nonce is None  # the proof's nonce is current: nothing to renew
    clock.advance(60)  # the next step: still accepted, and a fresh one handed out
    renewed = verifier.verify(client.proof("GET", URL, TOKEN, nonce=nonce), "GET", URL, TOKEN)
    assert renewed.nonce is not None and renewed.nonce != nonce
    again = client.proof("GET", URL, TOKEN, nonce=renewed.nonce)
    assert verifier.verify(again, "GET", URL, TOKEN).nonce is None
    clock.advance(60)
    with pytest.raises(UseDPoPNonceError) as stale:
        verifier.verify(client.proof("GET", URL, TOKEN, nonce=nonce), "GET", URL, TOKEN)
    assert stale.value.nonce != nonce
    other = DPoPVerifier(DPoP(use_nonce=True, nonce_secret=b"t" * 32, nonce_lifetime=60), clock)
    with pytest.raises(UseDPoPNonceError):  # another secret's nonce
        other.verify(client.proof("GET", URL, TOKEN, nonce=stale.value.nonce), "GET", URL, TOKEN)


def test_a_shared_nonce_secret_works_across_processes(clock: FrozenClock) -> None:
    options = DPoP(use_nonce=True, nonce_secret=b"k" * 32)
    first, second = DPoPVerifier(options, clock), DPoPVerifier(options, clock)
    client = DPoPKey("ES256", clock=clock)
    assert first.nonces is not None
    second.verify(client.proof("GET", URL, TOKEN, nonce=first.nonces.issue()), "GET", URL, TOKEN)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        pytest.param({"algorithms": ["HS256"]}, "asymmetric", id="hmac"),
        pytest.param({"algorithms": []}, "asymmetric", id="empty"),
        pytest.param({"max_age": 0}, "max_age", id="max-age"),
        pytest.param({"leeway": -1}, "leeway", id="leeway"),
        pytest.param({"replay": object()}, "replay", id="replay"),
    ],
)
def test_bad_options_fail_at_start_up(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        DPoP(**options)


def test_a_short_nonce_secret_is_refused(clock: FrozenClock) -> None:
    with pytest.raises(ConfigError, match="32 bytes"):
        DPoPVerifier(DPoP(use_nonce=True, nonce_secret=b"short"), clock)


def test_a_lone_surrogate_jti_is_accepted_as_claims_are_and_used_once(
    verifier: DPoPVerifier, clock: FrozenClock
) -> None:
    """Lone surrogates are valid JSON (RFC 8259 section 8.2 leaves their meaning to the
    receiver; only I-JSON, RFC 7493, forbids them): the core's claims keep them, so a
    proof's ``jti`` does too, and its single use is still one use each, told apart from
    its neighbours and from U+FFFD (a lossy encoding would make them one)."""
    client = DPoPKey("ES256", clock=clock)
    replay = MemoryReplayCache(clock=clock)
    keys = []
    for jti in ('"\\ud800"', '"\\ud801"', '"\\ufffd"', '"\\ud800"'):
        verified = verifier.verify(
            _signed(client, _flat(_members(clock, jti=jti))), "GET", URL, TOKEN
        )
        keys.append(replay.first_use(verified.replay_key, verified.expires_at))
    assert keys == [True, True, True, False]
