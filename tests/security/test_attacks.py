"""The attack corpus: every known trick against JWT verification, through the core and
through every adapter. Each case names the rule that makes the refusal right.

A case builds ``(guard, token)`` from a pinned clock; the core must refuse with the
exact ``code``, each adapter with 401, an ``invalid_token`` challenge, and a body
that does not echo the token.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from jwtguard import Guard, Key, KeySet, TokenError
from jwtguard.jose import b64url_decode, b64url_encode
from jwtguard.testing import FrozenClock, TokenFactory, encode_unchecked, generate_key

NOW = 1_700_000_000
CLAIMS = {"sub": "victim", "exp": NOW + 600, "iat": NOW, "aud": "api", "iss": "https://idp"}
POLICY: dict[str, Any] = {"audience": "api", "issuer": "https://idp", "leeway": 5}


@dataclass
class World:
    """Keys and guards every case draws on; built once per test."""

    clock: FrozenClock
    hs: TokenFactory
    rsa: TokenFactory
    ec: TokenFactory
    ed: TokenFactory

    def guard(self, which: str = "hs", **options: Any) -> Guard:
        factory: TokenFactory = getattr(self, which)
        key: Any = factory.key
        if which != "hs":  # verify with the public half only, as a resource server does
            key = Key.from_crypto(key.to_crypto(), factory.algorithm, kid=key.kid)
        return Guard(key, algorithms=[factory.algorithm], clock=self.clock, **POLICY, **options)


_KEYS = {
    alg: generate_key(alg, kid=kid)
    for alg, kid in (("HS256", "k1"), ("RS256", "rsa"), ("ES256", "ec"), ("EdDSA", "ed"))
}
"""Generated once per run (an RSA key costs ~100 ms); each World gets its own clock."""


def make_world() -> World:
    clock = FrozenClock(NOW)
    return World(clock, *(TokenFactory(key, alg, clock=clock) for alg, key in _KEYS.items()))


def hs(w: World, header: Any = None, payload: Any = None) -> str:
    head = {"alg": "HS256", "kid": "k1"} if header is None else header
    return encode_unchecked(
        head, CLAIMS if payload is None else payload, w.hs.key, algorithm="HS256"
    )


def public_bytes(factory: TokenFactory, form: str) -> bytes:
    public = factory.key.to_crypto()
    if form == "pem":
        pem: bytes = public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return pem
    jwk = Key.from_crypto(public, factory.algorithm, kid=str(factory.key.kid)).to_jwk()
    return json.dumps(jwk).encode()


def confusion(which: str, form: str, hs_alg: str) -> Callable[[World], tuple[Guard, str]]:
    """Sign with the victim's PUBLIC key bytes as an HMAC secret (RFC 8725 section 2.1)."""

    def build(w: World) -> tuple[Guard, str]:
        factory: TokenFactory = getattr(w, which)
        secret = public_bytes(factory, form)  # the attacker signs by hand: no loader refuses
        header = {"alg": hs_alg, "kid": factory.key.kid}
        signing_input = (
            f"{b64url_encode(json.dumps(header).encode())}."
            f"{b64url_encode(json.dumps(CLAIMS).encode())}"
        )
        digest = {"HS256": "sha256", "HS384": "sha384", "HS512": "sha512"}[hs_alg]
        mac = hmac.digest(secret, signing_input.encode(), digest)
        return w.guard(which), f"{signing_input}.{b64url_encode(mac)}"

    return build


def flip(part: int, position: int) -> Callable[[World], tuple[Guard, str]]:
    """One flipped bit in header, payload or signature (RFC 7515 section 5.2)."""

    def build(w: World) -> tuple[Guard, str]:
        token = hs(w)
        parts = token.split(".")
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        segment = parts[part]
        i = position % (len(segment) - 1)  # never the last char: keep the encoding canonical
        parts[part] = segment[:i] + alphabet[alphabet.index(segment[i]) ^ 1] + segment[i + 1 :]
        return w.guard(), ".".join(parts)

    return build


def case(build: Callable[[World], tuple[Guard, str]], code: str | set[str], rule: str) -> Any:
    return pytest.param(build, {code} if isinstance(code, str) else code, id=rule)


def unsigned(alg: str) -> Callable[[World], tuple[Guard, str]]:
    return lambda w: (w.guard(), encode_unchecked({"alg": alg}, CLAIMS, signature=b"\0"))


def with_header(header: dict[str, Any]) -> Callable[[World], tuple[Guard, str]]:
    return lambda w: (w.guard(), hs(w, header={"alg": "HS256", "kid": "k1", **header}))


def with_claims(**claims: Any) -> Callable[[World], tuple[Guard, str]]:
    return lambda w: (w.guard(), hs(w, payload={**CLAIMS, **claims}))


def raw(header: bytes, payload: bytes) -> Callable[[World], tuple[Guard, str]]:
    return lambda w: (w.guard(), hs(w, header=header, payload=payload))


def mangled(fn: Callable[[str], str]) -> Callable[[World], tuple[Guard, str]]:
    return lambda w: (w.guard(), fn(hs(w)))


def ecdsa_signature(signature: Callable[[bytes], bytes]) -> Callable[[World], tuple[Guard, str]]:
    def build(w: World) -> tuple[Guard, str]:
        real = encode_unchecked({"alg": "ES256", "kid": "ec"}, CLAIMS, w.ec.key)
        head, _, sig = real.rpartition(".")
        return w.guard("ec"), f"{head}.{b64url_encode(signature(b64url_decode(sig)))}"

    return build


def _der(raw_sig: bytes) -> bytes:
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    return encode_dss_signature(
        int.from_bytes(raw_sig[:32], "big"), int.from_bytes(raw_sig[32:], "big")
    )


def mixed_set(alg: str, kid: str) -> Callable[[World], tuple[Guard, str]]:
    """A guard holding an HMAC key (``k1``) and an RSA key (``rsa``), allowing HS256 and RS256;
    the token names one key's kid with the other family's algorithm. The RSA public key's PEM
    is the HMAC secret, the confusion RFC 8725 section 2.1 describes: the key is bound to its
    own family, so no candidate key exists (``unknown_key``)."""

    def build(w: World) -> tuple[Guard, str]:
        rsa_public = Key.from_crypto(w.rsa.key.to_crypto(), "RS256", kid="rsa")
        keys = KeySet([w.hs.key, rsa_public])
        guard = Guard(keys, algorithms=["HS256", "RS256"], clock=w.clock, **POLICY)
        header = {"alg": alg, "kid": kid}
        if alg == "HS256":
            secret = public_bytes(w.rsa, "pem")
            signing_input = encode_unchecked(header, CLAIMS, signature=b"").rpartition(".")[0]
            mac = hmac.digest(secret, signing_input.encode(), "sha256")
            return guard, f"{signing_input}.{b64url_encode(mac)}"
        return guard, encode_unchecked(header, CLAIMS, w.rsa.key, algorithm="RS256")

    return build


def same_kid_other_key(w: World) -> tuple[Guard, str]:
    impostor = TokenFactory.for_algorithm("HS256", clock=w.clock, kid="k1")
    return w.guard(), encode_unchecked({"alg": "HS256", "kid": "k1"}, CLAIMS, impostor.key)


def embedded_jwk(w: World) -> tuple[Guard, str]:
    attacker = generate_key("RS256", kid="rsa")
    jwk = Key.from_crypto(attacker.to_crypto(), "RS256", kid="rsa").to_jwk()
    header = {"alg": "RS256", "kid": "rsa", "jwk": jwk}
    return w.guard("rsa"), encode_unchecked(header, CLAIMS, attacker, algorithm="RS256")


def header_key_url(member: str) -> Callable[[World], tuple[Guard, str]]:
    def build(w: World) -> tuple[Guard, str]:
        attacker = generate_key("RS256", kid="rsa")
        header = {"alg": "RS256", "kid": "rsa", member: "https://attacker.example/keys"}
        return w.guard("rsa"), encode_unchecked(header, CLAIMS, attacker, algorithm="RS256")

    return build


def x5c(w: World) -> tuple[Guard, str]:
    attacker = generate_key("RS256", kid="rsa")
    header = {"alg": "RS256", "kid": "rsa", "x5c": ["MIIBszCCAVmgAwIBAgIU"]}
    return w.guard("rsa"), encode_unchecked(header, CLAIMS, attacker, algorithm="RS256")


ATTACKS = [
    # -- alg: none and stripped signatures (RFC 8725 3.1 / 3.2, RFC 7518 3.6) ----------------
    *[case(unsigned(a), "algorithm_not_allowed", f"alg-{a}-refused-RFC8725-3.2")
      for a in ("none", "None", "NONE", "nOnE", "nonE")],
    case(lambda w: (w.guard(), hs(w).rpartition(".")[0] + "."), "malformed",
         "empty-signature-RFC7515-7.1"),
    case(lambda w: (w.guard(), hs(w).rpartition(".")[0]), "malformed", "stripped-signature"),
    # -- algorithm confusion: public key as HMAC secret (RFC 8725 2.1, 3.1) -----------------
    *[case(confusion(which, form, hs_alg), "algorithm_not_allowed",
           f"confusion-{which}-{form}-as-{hs_alg}-secret-RFC8725-2.1")
      for which in ("rsa", "ec", "ed") for form in ("pem", "jwk")
      for hs_alg in ("HS256", "HS384", "HS512")],
    # -- allow-list and key binding (RFC 8725 3.1) ------------------------------------------
    case(lambda w: (w.guard(), hs(w, header={"alg": "HS512", "kid": "k1"})),
         "algorithm_not_allowed", "alg-outside-allow-list-RFC8725-3.1"),
    case(lambda w: (w.guard("rsa"), encode_unchecked(
        {"alg": "PS256", "kid": "rsa"}, CLAIMS,
        Key.from_crypto(w.rsa.key.to_crypto(private=True), ["PS256"], kid="rsa"))),
         "algorithm_not_allowed", "alg-disagrees-with-key-binding-RFC8725-3.1"),
    *[case(with_header({"alg": a}), "algorithm_not_allowed",
           f"unknown-alg-{a!r}-not-on-allow-list-RFC8725-3.1")
      for a in ("HS256 ", "hs256", "ES256K", "XYZ", "", "HS256\u0000", "RS256")],
    *[case(with_header({"alg": a}), "malformed", f"alg-not-a-string-{a!r}-RFC7515-4.1.1")
      for a in (256, None, ["HS256"], {"alg": "HS256"}, True)],
    case(raw(b'{"kid":"k1"}', json.dumps(CLAIMS).encode()), "malformed",
         "alg-missing-RFC7515-4.1.1"),
    case(mixed_set("RS256", "k1"), "unknown_key",
         "alg-RS256-disagrees-with-hmac-key-kid-RFC8725-3.1"),
    case(mixed_set("HS256", "rsa"), "unknown_key",
         "alg-HS256-disagrees-with-rsa-key-kid-RFC8725-2.1"),
    # -- headers that must never pick a key (RFC 8725 3.10, RFC 7515 4.1.2-4.1.6) ------------
    case(embedded_jwk, "invalid_signature", "embedded-jwk-ignored-RFC8725-3.10"),
    case(header_key_url("jku"), "invalid_signature", "jku-ignored-RFC8725-3.10"),
    case(header_key_url("x5u"), "invalid_signature", "x5u-ignored-RFC8725-3.10"),
    case(x5c, "invalid_signature", "x5c-ignored-RFC8725-3.10"),
    *[case(with_header({"kid": kid}), code, f"kid-{label}-RFC7515-4.1.4")
      for kid, code, label in [
          ("../../../../etc/passwd", "unknown_key", "path-traversal"),
          ("x' OR '1'='1' --", "unknown_key", "sql-fragment"),
          ("k" * 70_000, "token_too_large", "huge-over-size-cap"),
          ("k" * 257, "malformed", "over-256-chars"),
          (7, "malformed", "number"),
          (["k1"], "malformed", "list"),
          ({"k": 1}, "malformed", "object"),
          ("nope", "unknown_key", "unknown-value"),
          ("k1\x00", "unknown_key", "nul-suffix"),
      ]],
    case(with_header({"crit": ["exp"]}), "unsupported_header", "crit-unknown-RFC7515-4.1.11"),
    case(with_header({"crit": ["b64"], "b64": False}), "unsupported_header",
         "b64-false-RFC7797-unsupported"),
    case(with_header({"b64": False}), "unsupported_header", "b64-false-without-crit"),
    case(same_kid_other_key, "invalid_signature", "same-kid-other-key-RFC7515-5.2"),
    case(mangled(lambda t: t + ".a.b"), "encrypted_token", "five-segments-JWE-RFC7516-7.1"),
    # -- one flipped bit: every position, with its exact code, in test_bit_flips.py ---------
    # -- malformed structure (RFC 7515 3.1, 7.1; RFC 7519 7.2) -------------------------------
    *[case(mangled(fn), "malformed", f"structure-{label}-RFC7519-7.2")
      for label, fn in [
          ("two-segments", lambda t: t.rsplit(".", 1)[0]),
          ("four-segments", lambda t: t + ".x"),
          ("padding", lambda t: t + "="),
          ("inner-padding", lambda t: t.replace(".", "=.", 1)),
          ("space", lambda t: t.replace(".", " .", 1)),
          ("tab", lambda t: "\t" + t),
          ("newline", lambda t: t + "\n"),
          ("plus", lambda t: t[:5] + "+" + t[6:]),
          ("slash", lambda t: t[:5] + "/" + t[6:]),
          ("percent-encoding", lambda t: t.replace(".", "%2E", 1)),
          ("unicode", lambda t: t + "é"),
          ("empty", lambda t: ""),
          ("dots-only", lambda t: ".."),
          ("empty-payload", lambda t: t.split(".")[0] + ".." + t.split(".")[2]),
          ("header-only", lambda t: t.split(".")[0]),
          ("trailing-dot", lambda t: t + "."),
          ("nul", lambda t: t + "\0"),
      ]],
    *[case(raw(header, payload), "malformed", f"json-{label}-RFC7519-7.2")
      for label, header, payload in [
          ("header-not-json", b"{alg:HS256}", b"{}"),
          ("header-array", b'["HS256"]', b"{}"),
          ("header-duplicate-alg", b'{"alg":"none","alg":"HS256","kid":"k1"}', b"{}"),
          ("payload-array", b'{"alg":"HS256"}', b"[]"),
          ("payload-string", b'{"alg":"HS256"}', b'"sub"'),
          ("payload-duplicate-exp", b'{"alg":"HS256"}', b'{"exp":1,"exp":9999999999}'),
          ("payload-invalid-utf8", b'{"alg":"HS256"}', b'{"sub":"\xc3\x28"}'),
          ("payload-deep-nesting", b'{"alg":"HS256"}', b'{"a":' * 1000 + b"1" + b"}" * 1000),
          ("payload-huge-integer", b'{"alg":"HS256"}', b'{"exp":' + b"9" * 5000 + b"}"),
          ("payload-nan", b'{"alg":"HS256"}', b'{"exp":NaN}'),
          ("payload-bom", b'{"alg":"HS256"}', b'\xef\xbb\xbf{"exp":1}'),
          ("header-invalid-utf8", b'{"alg":"HS256","kid":"\xff"}', b"{}"),
          ("header-duplicate-kid", b'{"alg":"HS256","kid":"x","kid":"k1"}', b"{}"),
          ("header-trailing-garbage", b'{"alg":"HS256"}x', b"{}"),
          ("header-deep-nesting", b'{"alg":"HS256","x":' + b"[" * 3000 + b"]" * 3000 + b"}",
           b"{}"),
          ("header-huge-integer", b'{"alg":"HS256","x":' + b"1" * 5000 + b"}", b"{}"),
          ("payload-empty-object-member-name", b'{"alg":"HS256"}', b'{"":1,"":2}'),
          ("payload-infinity", b'{"alg":"HS256"}', b'{"exp":Infinity}'),
      ]],
    case(lambda w: (w.guard(), hs(w, payload={**CLAIMS, "pad": "x" * 70_000})),
         "token_too_large", "huge-payload-refused-before-decoding"),
    # -- claims (RFC 7519 4.1) ---------------------------------------------------------------
    *[case(with_claims(**{name: value}), "invalid_claim", f"{name}-{label}-RFC7519-2-NumericDate")
      for name in ("exp", "nbf", "iat")
      for label, value in [("string", str(NOW + 600)), ("bool", True), ("null", None),
                           ("list", [NOW]), ("object", {"t": NOW}), ("huge", 10**20),
                           ("float-huge", 1e300), ("negative-huge", -(10**20)),
                           ("beyond-2-53", 2**53 + 1)]],
    case(with_claims(exp=NOW - 6), "expired", "exp-past-leeway-RFC7519-4.1.4"),
    case(with_claims(exp=NOW - 5), "expired", "exp-at-leeway-edge-RFC7519-4.1.4"),
    case(with_claims(exp=NOW - 5.0), "expired", "exp-float-at-leeway-edge-RFC7519-4.1.4"),
    case(with_claims(nbf=NOW + 6), "not_yet_valid", "nbf-past-leeway-RFC7519-4.1.5"),
    case(with_claims(iat=NOW + 6), "issued_in_future", "iat-in-future-past-leeway"),
    *[case(with_claims(aud=aud), code, f"aud-{label}-RFC7519-4.1.3")
      for label, aud, code in [
          ("other", "other", "invalid_audience"),
          ("prefix", "ap", "invalid_audience"),
          ("superstring", "api-admin", "invalid_audience"),
          ("case", "API", "invalid_audience"),
          ("empty-string", "", "invalid_audience"),
          ("empty-list", [], "invalid_claim"),
          ("list-of-others", ["web", "app"], "invalid_audience"),
          ("number", 1, "invalid_claim"),
          ("nested-list", [["api"]], "invalid_claim"),
      ]],
    *[case(with_claims(iss=iss), code, f"iss-{label}-RFC7519-4.1.1")
      for label, iss, code in [
          ("prefix", "https://id", "invalid_issuer"),
          ("superstring", "https://idp.evil", "invalid_issuer"),
          ("suffix-path", "https://idp/", "invalid_issuer"),
          ("list", ["https://idp"], "invalid_claim"),
          ("object", {"iss": "https://idp"}, "invalid_claim"),
      ]],
    case(with_claims(sub=42), "invalid_claim", "sub-not-string-RFC7519-4.1.2"),
    # -- ECDSA signature encodings (RFC 7518 3.4; CVE-2022-21449 "psychic signatures") ------
    case(ecdsa_signature(lambda s: b"\0" * 64), "invalid_signature", "ecdsa-psychic-all-zero"),
    case(ecdsa_signature(_der), "invalid_signature", "ecdsa-der-encoded-RFC7518-3.4"),
    case(ecdsa_signature(lambda s: s[:63]), "invalid_signature", "ecdsa-short-RFC7518-3.4"),
    case(ecdsa_signature(lambda s: s + b"\0"), "invalid_signature", "ecdsa-long-RFC7518-3.4"),
    case(ecdsa_signature(lambda s: b"\0" * 32 + s[32:]), "invalid_signature", "ecdsa-r-zero"),
]  # fmt: skip

Build = Callable[[World], tuple[Guard, str]]

# Mangles an HTTP client or server cannot carry, or strips as optional whitespace before the
# token reaches the app: they test the core, not the adapters.
NOT_HTTP = {"structure-tab", "structure-newline", "structure-unicode", "structure-nul"}
HTTP_ATTACKS = [p for p in ATTACKS if p.id.rsplit("-RFC", 1)[0] not in NOT_HTTP]


@pytest.mark.parametrize(("build", "codes"), ATTACKS)
def test_core_refuses(build: Build, codes: set[str], verify: Any) -> None:
    guard, token = build(make_world())
    with pytest.raises(TokenError) as info:
        verify(guard, token)
    assert info.value.code in codes  # one code per case: the set holds exactly one
    assert len(codes) == 1
    if len(token) >= 8:
        assert token not in str(info.value)


def test_the_averify_way_really_awaits_its_keys(verify: Any) -> None:
    w = make_world()
    guard = w.guard()
    assert verify(guard, hs(w))["sub"] == "victim"
    used = verify.of(guard)
    if verify.way == "verify":
        assert used is guard
    else:
        assert used is not guard and used.keys.awaited == 1  # split, afind awaited, checks


@pytest.mark.parametrize(("build", "codes"), HTTP_ATTACKS)
def test_every_adapter_refuses(build: Build, codes: set[str], adapter: Any) -> None:
    guard, token = build(make_world())
    send = adapter.client(guard=guard)
    answer = send("GET", "/resource", headers=[("Authorization", f"Bearer {token}")])
    if answer.status == 400:  # the request itself was unusable (e.g. a space in the token)
        assert answer.json()["error"] == "invalid_request"
    else:
        assert answer.status == 401
        assert 'error="invalid_token"' in (answer.header("WWW-Authenticate") or "")
        assert answer.json()["error"] == "invalid_token"
        # the adapter refused for the same reason as the core: the Guard counted that code
        assert dict(guard.stats().rejected) == {next(iter(codes)): 1}
    if len(token.strip()) >= 8:
        assert token.strip().encode() not in answer.body
    assert b"victim" not in answer.body


def test_the_world_accepts_its_genuine_tokens() -> None:
    """The corpus refuses for the stated reason, not because the set-up is broken."""
    w = make_world()
    assert w.guard().verify(hs(w))["sub"] == "victim"
    for which, alg in (("rsa", "RS256"), ("ec", "ES256"), ("ed", "EdDSA")):
        factory: TokenFactory = getattr(w, which)
        token = encode_unchecked({"alg": alg, "kid": factory.key.kid}, CLAIMS, factory.key)
        assert w.guard(which).verify(token)["sub"] == "victim"


@pytest.mark.parametrize(
    "claims",
    [
        pytest.param({"exp": NOW - 4}, id="exp-inside-leeway-RFC7519-4.1.4"),
        pytest.param({"exp": NOW - 4.5}, id="exp-float-inside-leeway-RFC7519-2-NumericDate"),
        pytest.param({"nbf": NOW + 5}, id="nbf-at-leeway-edge-RFC7519-4.1.5"),
        pytest.param({"iat": NOW + 5}, id="iat-at-leeway-edge"),
        pytest.param({"aud": ["other", "api"]}, id="aud-list-naming-us-RFC7519-4.1.3"),
        pytest.param({"aud": ["api"]}, id="aud-one-element-list-RFC7519-4.1.3"),
    ],
)
def test_edges_that_must_be_accepted(claims: dict[str, Any]) -> None:
    """The refusals above sit exactly at the rule's boundary: one step inside is accepted."""
    w = make_world()
    assert w.guard().verify(hs(w, payload={**CLAIMS, **claims}))["sub"] == "victim"


# -- cache abuse ------------------------------------------------------------------------------


def test_tampered_twin_never_hits_the_cache(verify: Any) -> None:
    w = make_world()
    guard = w.guard()
    token = hs(w)
    assert verify(guard, token)["sub"] == "victim"
    for part in (0, 1, 2):
        for pos in range(0, 30, 3):
            _, twin = flip(part, pos)(w)
            if twin == token:
                continue
            with pytest.raises(TokenError):
                verify(guard, twin)
    assert verify.of(guard).stats().cache_size == 1


def test_expired_token_is_not_served_from_the_cache(verify: Any) -> None:
    w = make_world()
    guard = w.guard()
    token = hs(w)
    verify(guard, token)
    w.clock.advance(600 + 5)
    with pytest.raises(TokenError) as info:
        verify(guard, token)
    assert info.value.code == "expired"


def test_revoked_token_is_not_served_from_the_cache(verify: Any) -> None:
    from jwtguard import MemoryRevocationStore

    w = make_world()
    store = MemoryRevocationStore(clock=w.clock)
    guard = w.guard(revocation=store)
    token = hs(w, payload={**CLAIMS, "jti": "j-1"})
    claims = verify(guard, token)
    store.revoke(str(claims.jti), claims["exp"])
    with pytest.raises(TokenError) as info:
        verify(guard, token)
    assert info.value.code == "revoked"


# -- hygiene -----------------------------------------------------------------------------------


def test_logs_never_carry_tokens_secrets_or_claim_sets(
    caplog: pytest.LogCaptureFixture, adapter: Any
) -> None:
    """Run the whole corpus through the core and an adapter at DEBUG and read every log line."""
    caplog.set_level(logging.DEBUG)
    w = make_world()
    secrets = [
        b64url_encode(w.hs.key.to_crypto(private=True)),
        w.hs.key.to_crypto(private=True).hex(),
    ]
    seen_tokens = []
    for param in HTTP_ATTACKS:
        build = param.values[0]
        guard, token = build(w)
        seen_tokens.append(token)
        with contextlib.suppress(TokenError):
            guard.verify(token)
        adapter.client(guard=guard)("GET", "/x", headers=[("Authorization", f"Bearer {token}")])
    text = "\n".join(r.getMessage() + repr(r.args) for r in caplog.records)
    assert caplog.records, "the adapters log each refusal"
    for token in seen_tokens:
        for segment in token.split("."):
            if len(segment) >= 16:
                assert segment not in text
    for secret in secrets:
        assert secret not in text
    assert "victim" not in text and '"exp"' not in text
