from __future__ import annotations

import base64
import datetime
import functools
import math
from collections.abc import Callable
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa, x25519
from cryptography.x509.oid import NameOID

from jwtguard import Key, KeyLoadError
from jwtguard.testing import generate_key, public_pem


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.mark.parametrize(("alg", "need"), [("HS256", 32), ("HS384", 48), ("HS512", 64)])
def test_hmac_secret_must_be_as_long_as_the_hash(alg: str, need: int) -> None:
    assert Key.from_secret(b"k" * need, alg).algorithms == {alg}
    with pytest.raises(KeyLoadError, match=f"at least {need}"):
        Key.from_secret(b"k" * (need - 1), alg)


def test_hmac_key_for_several_algorithms_needs_the_longest() -> None:
    with pytest.raises(KeyLoadError, match="at least 64"):
        Key.from_secret(b"k" * 48, ["HS256", "HS512"])


@pytest.mark.parametrize("alg", ["RS256", "ES256", "EdDSA"])
def test_a_public_key_is_never_accepted_as_an_hmac_secret(alg: str) -> None:
    pem = public_pem(generate_key(alg))
    with pytest.raises(KeyLoadError, match="never be used as an HMAC secret"):
        Key.from_secret(pem, "HS256")


def test_secret_cannot_bind_a_public_key_algorithm() -> None:
    with pytest.raises(KeyLoadError, match="cannot be used with RS256"):
        Key.from_secret(b"k" * 32, "RS256")


def test_rsa_pem_needs_named_algorithms_and_rejects_other_families() -> None:
    pem = public_pem(generate_key("RS256"))
    with pytest.raises(KeyLoadError, match="needs its algorithms named"):
        Key.from_pem(pem)
    assert Key.from_pem(pem, ["RS256", "PS256"]).algorithms == {"RS256", "PS256"}
    with pytest.raises(KeyLoadError, match="cannot be used with HS256"):
        Key.from_pem(pem, ["RS256", "HS256"])


def test_rsa_keys_under_2048_bits_are_refused() -> None:
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    with pytest.raises(KeyLoadError, match="1024 bits"):
        Key.from_crypto(small, "RS256")


@pytest.mark.parametrize(
    ("curve", "alg", "other"),
    [
        (ec.SECP256R1(), "ES256", "ES384"),
        (ec.SECP384R1(), "ES384", "ES256"),
        (ec.SECP521R1(), "ES512", "ES256"),
    ],
)
def test_ec_key_is_bound_to_its_curve_algorithm(
    curve: ec.EllipticCurve, alg: str, other: str
) -> None:
    private = ec.generate_private_key(curve)
    assert Key.from_crypto(private).algorithms == {alg}
    with pytest.raises(KeyLoadError):
        Key.from_crypto(private, other)


def test_ed25519_binds_eddsa() -> None:
    assert Key.from_crypto(ed25519.Ed25519PrivateKey.generate()).algorithms == {
        "EdDSA",
        "Ed25519",  # RFC 9864: the fully specified name of EdDSA on this curve
    }


def test_unreadable_pem_is_a_clear_error() -> None:
    with pytest.raises(KeyLoadError, match="not a readable PEM key"):
        Key.from_pem("-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n", "RS256")


def test_public_key_cannot_sign_private_key_can() -> None:
    private = generate_key("ES256")
    public = Key.from_pem(public_pem(private))
    assert private.can_sign and not public.can_sign
    sig = private.sign("ES256", b"msg")
    assert public.verify("ES256", b"msg", sig)
    assert not public.verify("ES384", b"msg", sig)
    with pytest.raises(KeyLoadError, match="cannot sign"):
        public.sign("ES256", b"msg")


@functools.cache
def _generated(alg: str) -> Key:
    """One key per algorithm for the whole module: RSA key generation is slow."""
    return generate_key(alg)


def _jwk(alg: str, **extra: Any) -> dict[str, Any]:
    key = _generated(alg)
    return {**Key.from_crypto(key.to_crypto(private=True), alg, kid="k1").to_jwk(), **extra}


def test_jwk_alg_binds_the_key() -> None:
    key = Key.from_jwk(_jwk("PS256"))
    assert key.algorithms == {"PS256"}
    assert key.kid == "k1"
    with pytest.raises(KeyLoadError, match="not among"):
        Key.from_jwk(_jwk("PS256"), ["RS256"])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param({"use": "enc"}, "use is 'enc', not 'sig'", id="use-enc"),
        pytest.param({"use": "other"}, "'use' is not 'sig'", id="use-other"),
        pytest.param({"key_ops": ["encrypt"]}, "key_ops", id="key-ops-without-verify"),
        pytest.param({"alg": "HS256"}, "does not fit", id="alg-of-another-family"),
        pytest.param({"kty": "XYZ"}, "kty", id="unknown-kty"),
        pytest.param({"n": "not base64!"}, "not base64url", id="bad-member-encoding"),
        pytest.param({"n": 5}, "must be a string", id="member-wrong-type"),
        pytest.param({"kid": 5}, "kid", id="kid-wrong-type"),
    ],
)
def test_bad_jwks_are_refused_without_echoing_key_material(
    change: dict[str, Any], message: str
) -> None:
    jwk = {**_jwk("RS256"), **change}
    with pytest.raises(KeyLoadError, match=message) as info:
        Key.from_jwk(jwk)
    n = jwk.get("n")
    if isinstance(n, str) and len(n) > 20:
        assert n[:20] not in str(info.value)


def test_oct_jwk_secret_is_never_in_the_error() -> None:
    secret = b"s" * 16
    with pytest.raises(KeyLoadError) as info:
        Key.from_jwk({"kty": "oct", "k": b64(secret), "alg": "HS256"})
    assert b64(secret) not in str(info.value)


def test_key_repr_never_shows_material() -> None:
    secret = b"super-secret-value-that-is-32-by"
    text = repr(Key.from_secret(secret, "HS256", kid="a"))
    assert "super" not in text
    assert "kid='a'" in text


@pytest.mark.parametrize(
    ("alg", "expected"),
    [
        ("RS256", ("RS256",)),
        ("PS384", ("RS256",)),
        ("ES256", ("ES256",)),
        ("ES512", ("ES512",)),
        ("EdDSA", ("Ed25519", "EdDSA")),  # RFC 8037 and RFC 9864 names of one algorithm
        ("Ed448", ("Ed448", "EdDSA")),
    ],
)
def test_default_algorithms_of_a_pem(alg: str, expected: tuple[str, ...]) -> None:
    from jwtguard.keys.key import default_algorithms

    private = generate_key(alg)
    assert default_algorithms(public_pem(private)) == expected


def test_default_algorithms_of_junk_is_a_key_load_error() -> None:
    from jwtguard.keys.key import default_algorithms

    with pytest.raises(KeyLoadError, match="not a readable PEM key"):
        default_algorithms("-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n")


# -- each refusal says what is wrong, naming the key only in part ---------------------------

SECRET = b"k" * 32


@pytest.fixture
def rsa_private() -> rsa.RSAPrivateKey:
    private: rsa.RSAPrivateKey = _generated("RS256").to_crypto(private=True)
    return private


def refusal(load: Callable[[], object]) -> str:
    with pytest.raises(KeyLoadError) as info:
        load()
    return str(info.value)


@pytest.mark.parametrize(
    ("kid", "prefix"),
    [
        pytest.param(None, "key: ", id="no-kid"),
        pytest.param("k1", "key 'k1': ", id="kid"),
        pytest.param("x" * 100, f"key {'x' * 64!r}: ", id="long-kid-cut-at-64"),
    ],
)
def test_a_refusal_names_the_key_by_at_most_64_characters_of_its_kid(
    kid: str | None, prefix: str
) -> None:
    message = refusal(lambda: Key.from_secret(b"short", kid=kid))
    assert message.startswith(prefix)


@pytest.mark.parametrize(
    ("load", "message"),
    [
        pytest.param(
            lambda: Key.from_crypto(x25519.X25519PrivateKey.generate()),
            "unsupported key type X25519PrivateKey",
            id="key-exchange-key",
        ),
        pytest.param(
            lambda: Key.from_crypto(ec.generate_private_key(ec.SECP224R1())),
            "unsupported curve secp224r1",
            id="unsupported-curve",
        ),
        pytest.param(
            lambda: Key.from_secret(SECRET, ["HS256", "HS999"]),
            "unsupported algorithm(s) HS999",
            id="unknown-algorithm",
        ),
        pytest.param(lambda: Key.from_secret(SECRET, []), "no algorithm given", id="no-alg"),
        pytest.param(
            lambda: Key.from_crypto(ec.generate_private_key(ec.SECP256R1()), []),
            "no algorithm given",
            id="no-alg-ec",
        ),
        pytest.param(
            lambda: Key.from_secret(SECRET, kid=5),  # type: ignore[arg-type]
            "a key id (kid) must be a string",
            id="kid-not-a-string",
        ),
        pytest.param(
            lambda: generate_key().with_kid(5),  # type: ignore[arg-type]
            "a key id (kid) must be a string",
            id="with-kid-not-a-string",
        ),
        pytest.param(
            lambda: generate_key().sign("HS512", b"m"), "not bound to HS512", id="sign-unbound"
        ),
    ],
)
def test_key_construction_and_use_refusals(load: Callable[[], object], message: str) -> None:
    assert message in refusal(load)


def test_an_rsa_key_with_the_roca_fingerprint_is_refused() -> None:
    # N mod p is a power of 65537 mod p for each prime 3..167 of the published detector, as
    # in the moduli of Infineon's keys
    primes = math.prod(p for p in range(3, 168) if all(p % d for d in range(2, p)))
    modulus = pow(65537, 12345, primes) + ((1 << 2047) // primes + 1) * primes
    modulus += primes if modulus % 2 == 0 else 0
    public = rsa.RSAPublicNumbers(65537, modulus).public_key()
    assert "ROCA fingerprint" in refusal(lambda: Key.from_crypto(public, "RS256"))


# -- from_secret: what is never a secret ----------------------------------------------------


@pytest.mark.parametrize(
    "secret",
    [
        pytest.param(b"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabg", id="ssh"),
        pytest.param(b"  ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7vbqajDhA", id="ssh-indented"),
        pytest.param(b"ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYA", id="ssh-ecdsa"),
        pytest.param(b"sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5", id="ssh-fido"),
        pytest.param(b'{"kty": "oct", "k": "c2VjcmV0LXNlY3JldC1zZWNyZXQ"}', id="jwk-text"),
        pytest.param(b'\n {"keys": [], "note": "a published key set"}', id="jwks-text"),
        *(
            pytest.param(f'{{"kty": "oct", "k": "{"A" * 43}"}}'.encode(codec), id=codec)
            for codec in ("utf-16-be", "utf-16-le", "utf-16", "utf-32")
        ),
    ],
)
def test_key_documents_are_never_hmac_secrets(secret: bytes) -> None:
    assert "must never be used as an HMAC secret" in refusal(lambda: Key.from_secret(secret))


def test_a_der_public_key_is_never_an_hmac_secret() -> None:
    der = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    assert "must never be used as an HMAC secret" in refusal(lambda: Key.from_secret(der))


@pytest.mark.parametrize(
    "secret",
    [
        pytest.param(b"{not json, but a secret of 32+ bytes}", id="brace-not-json"),
        pytest.param(b'{"name": "a JSON object that is no key document"}', id="other-object"),
        pytest.param("s\u00e9cret-s\u00e9cret-s\u00e9cret-s\u00e9cret!", id="text"),
    ],
)
def test_other_secrets_are_accepted_and_bound_to_hs256_by_default(secret: str | bytes) -> None:
    key = Key.from_secret(secret)
    assert (key.family, key.algorithms, key.can_sign) == ("oct", {"HS256"}, True)
    raw = secret.encode() if isinstance(secret, str) else secret
    assert key.to_crypto() == raw


# -- verify, export ---------------------------------------------------------------------------


def test_verify_answers_false_for_odd_input_instead_of_raising() -> None:
    key = generate_key("EdDSA")
    assert key.verify("EdDSA", "not bytes", None) is False  # type: ignore[arg-type]
    assert key.verify("ES256", b"m", key.sign("EdDSA", b"m")) is False


def test_repr_lists_the_algorithms_sorted() -> None:
    key = generate_key("HS512", kid="a")
    two = Key.from_secret(key.to_crypto(), ["HS512", "HS256"], kid="a")
    assert repr(two) == "Key(kid='a', family='oct', algorithms='HS256,HS512')"


def test_to_jwk_public_private_alg_and_kid(rsa_private: rsa.RSAPrivateKey) -> None:
    one = Key.from_crypto(rsa_private, "RS256", kid="r1")
    public = one.to_jwk()
    assert (public["kty"], public["use"], public["alg"], public["kid"]) == (
        "RSA",
        "sig",
        "RS256",
        "r1",
    )
    assert "d" not in public
    private = one.to_jwk(private=True)
    assert private["d"] and private["n"] == public["n"]
    two = Key.from_crypto(rsa_private, ["RS256", "PS256"]).to_jwk()
    assert "alg" not in two  # bound to two algorithms: the JWK does not pick one
    assert "kid" not in two


def test_export_refusals() -> None:
    public = Key.from_pem(public_pem(generate_key("ES256")))
    secret = generate_key("HS256")
    assert "no private JWK" in refusal(lambda: public.to_jwk(private=True))
    assert "HMAC secret: no public JWK" in refusal(lambda: secret.to_jwk())
    assert "no private half" in refusal(lambda: public.to_crypto(private=True))
    assert "no private PEM" in refusal(lambda: public.to_pem(private=True))
    assert secret.to_jwk(private=True)["kty"] == "oct"


def test_to_crypto_and_to_pem_give_the_public_half_unless_asked() -> None:
    key = generate_key("ES256")
    assert isinstance(key.to_crypto(), ec.EllipticCurvePublicKey)
    assert isinstance(key.to_crypto(private=True), ec.EllipticCurvePrivateKey)
    assert "BEGIN PUBLIC KEY" in key.to_pem()
    assert "BEGIN PRIVATE KEY" in key.to_pem(private=True)


# -- from_pem ---------------------------------------------------------------------------------


def _certificate_pem(private: ec.EllipticCurvePrivateKey) -> bytes:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "jwtguard test")])
    start = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(1)
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=1))
        .sign(private, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM)


def test_from_pem_reads_a_certificate_a_private_key_and_bytes() -> None:
    private = ec.generate_private_key(ec.SECP256R1())
    from_certificate = Key.from_pem(_certificate_pem(private))
    assert (from_certificate.algorithms, from_certificate.can_sign) == ({"ES256"}, False)
    signer = Key.from_pem(Key.from_crypto(private).to_pem(private=True).encode())
    assert signer.can_sign
    assert from_certificate.verify("ES256", b"m", signer.sign("ES256", b"m"))


# -- from_jwk -----------------------------------------------------------------------------------


_RSA_PUBLIC_JWK = {"kty": "RSA", "n": "A" * 342 + "E", "e": "AQAB"}


def _ec_jwk(crv: ec.EllipticCurve, **extra: Any) -> dict[str, Any]:
    jwk = Key.from_crypto(ec.generate_private_key(crv)).to_jwk(private=True)
    jwk.pop("alg")
    return {**jwk, **extra}


@pytest.mark.parametrize(
    ("crv", "alg"),
    [
        (ec.SECP256R1(), "ES256"),
        (ec.SECP384R1(), "ES384"),
        (ec.SECP521R1(), "ES512"),
        (ec.SECP256K1(), "ES256K"),
    ],
)
def test_ec_jwks_are_bound_to_their_curve(crv: ec.EllipticCurve, alg: str) -> None:
    assert Key.from_jwk(_ec_jwk(crv, kid="e")).algorithms == {alg}


def test_a_jwk_without_kid_or_alg_loads_with_the_callers_algorithms() -> None:
    jwk = _jwk("RS256")
    del jwk["kid"], jwk["alg"]
    key = Key.from_jwk(jwk, ["PS256"])
    assert (key.kid, key.algorithms, key.can_sign) == (None, {"PS256"}, False)


def test_oct_and_okp_jwks() -> None:
    oct_key = Key.from_jwk({"kty": "oct", "k": b64(SECRET)})
    assert (oct_key.family, oct_key.algorithms) == ("oct", {"HS256"})
    okp = Key.from_jwk(generate_key("EdDSA").to_jwk())
    assert (okp.family, okp.algorithms) == ("OKP", {"EdDSA"})


@pytest.mark.parametrize(
    ("kind", "member"),
    [("oct", "k")]
    + [("RSA", m) for m in ("n", "e", "d", "p", "q", "dp", "dq", "qi")]
    + [("EC", m) for m in ("x", "y", "d")],
)
def test_every_key_member_must_be_a_base64url_string(kind: str, member: str) -> None:
    jwk = {
        "oct": lambda: {"kty": "oct", "k": b64(SECRET)},
        "RSA": lambda: _jwk("RS256", kid=None),
        "EC": lambda: _ec_jwk(ec.SECP256R1()),
    }[kind]()
    assert f"member '{member}' must be a string" in refusal(
        lambda: Key.from_jwk({**jwk, member: 5})
    )
    assert f"member '{member}' is not base64url" in refusal(
        lambda: Key.from_jwk({**jwk, member: "!!"})
    )


@pytest.mark.parametrize(
    ("jwk", "message"),
    [
        pytest.param(["not", "an", "object"], "a JWK must be a JSON object", id="not-object"),
        pytest.param(
            {"kty": "EC", "crv": "P-256", "x": "A" * 43, "y": "A" * 43},
            "key: invalid EC JWK",
            id="point-not-on-the-curve",
        ),
        pytest.param(
            {**_RSA_PUBLIC_JWK, "d": "AQAB", "p": "AQAB"},
            "key: invalid RSA JWK",
            id="rsa-private-members-incomplete",
        ),
        pytest.param(
            {"kty": "EC", "crv": "P-192", "x": "AAAA", "y": "AAAA"},
            "key: unsupported EC curve",
            id="ec-curve-unsupported",
        ),
        pytest.param(
            {"kty": "EC", "crv": ["P-256"], "x": "AAAA", "y": "AAAA"},
            "key: unsupported EC curve",
            id="ec-curve-not-a-string",
        ),
        pytest.param(
            {"kty": "EC", "crv": "P-256", "x": "A" * 43, "y": "AAAA"},
            "'y' must be 32 bytes for P-256",
            id="short-y",
        ),
        pytest.param(
            {"kty": "OKP", "crv": "X25519", "x": "A" * 43},
            "key: unsupported OKP curve X25519",
            id="key-agreement-curve",
        ),
        pytest.param(
            {"kty": "OKP", "crv": "X448", "x": "A" * 75},
            "key: unsupported OKP curve X448",
            id="key-agreement-curve-448",
        ),
        pytest.param(
            {"kty": "OKP", "crv": "Ed25519", "x": "A" * 43, "alg": "Ed448"},
            "key: 'alg' does not fit its curve",
            id="okp-alg-of-the-other-curve",
        ),
        pytest.param(
            {"kty": "oct", "k": b64(SECRET), "kid": 5}, "a JWK 'kid' must be a string", id="kid"
        ),
        pytest.param(
            {"kty": "EC", "crv": "P-256", "x": "AAAA", "y": "AAAA"},
            "'x' must be 32 bytes for P-256",
            id="short-coordinate",
        ),
        pytest.param(
            {"kty": "oct", "k": b64(SECRET), "key_ops": "verify"},
            "'key_ops' must be a list of strings",
            id="key-ops-string",
        ),
        pytest.param(
            {"kty": "oct", "k": b64(SECRET), "key_ops": ["verify", 1]},
            "'key_ops' must be a list of strings",
            id="key-ops-non-string",
        ),
        pytest.param(
            {"kty": "oct", "k": b64(SECRET), "key_ops": ["encrypt", "decrypt"]},
            "'key_ops' allows neither sign nor verify",
            id="key-ops-encryption",
        ),
    ],
)
def test_jwk_refusals(jwk: Any, message: str) -> None:
    assert message in refusal(lambda: Key.from_jwk(jwk))


def test_an_unknown_okp_curve_is_not_named_in_the_message() -> None:
    message = refusal(lambda: Key.from_jwk({"kty": "OKP", "crv": "Evil<script>", "x": "AAAA"}))
    assert message == "key: unsupported OKP curve"


@pytest.mark.parametrize("alg", ["EdDSA", "Ed25519"])
def test_an_ed25519_key_signs_and_verifies_under_both_names(alg: str) -> None:
    key = Key.from_crypto(ed25519.Ed25519PrivateKey.generate(), alg)
    assert key.verify(alg, b"m", key.sign(alg, b"m"))
    assert Key.from_jwk({**key.to_jwk(), "alg": alg}).algorithms == {alg}


def test_keys_are_bound_unless_marked_otherwise() -> None:
    key = generate_key(kid="a")
    assert key.bound is True
    loose = key.unbound()
    assert (loose.bound, loose.kid, loose.algorithms) == (False, "a", key.algorithms)
    assert loose.with_kid("b").bound is False
    assert key.with_kid("b").bound is True


@pytest.mark.parametrize("ops", [["verify"], ["sign"], ["sign", "verify"]])
def test_key_ops_allowing_signatures_are_accepted(ops: list[str]) -> None:
    assert Key.from_jwk({"kty": "oct", "k": b64(SECRET), "key_ops": ops}).algorithms == {"HS256"}


def test_a_thumbprint_is_of_a_public_key_only() -> None:
    with pytest.raises(KeyLoadError) as info:
        Key.from_secret(b"s" * 32, "HS256", kid="k1").thumbprint()
    assert str(info.value).endswith("is an HMAC secret: no thumbprint")
    key = generate_key("ES256")
    public = Key.from_pem(public_pem(key), "ES256")
    assert key.thumbprint() == public.thumbprint()
    assert len(key.thumbprint()) == 43  # SHA-256, base64url
