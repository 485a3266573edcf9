"""Verification and signing keys, each bound to one algorithm family when loaded.

A :class:`Key` is parsed once, here, and carries the algorithms it may be used
with; a :class:`KeySet` selects keys by ``kid``. Nothing in a token's header can
add a key or widen a key's algorithms (RFC 8725 sections 2.1 and 3.1).

Kept whole: :class:`Key` is one value with its constructors (``from_secret``,
``from_pem``, ``from_jwk``, ``from_crypto``), its export and its sign/verify; the
material checks, JWK parsing and thumbprints are already in their own modules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from jwt.algorithms import Algorithm, ECAlgorithm, HMACAlgorithm, OKPAlgorithm, RSAAlgorithm
from jwt.algorithms import get_default_algorithms as _pyjwt_algorithms

from jwtguard.errors import KeyLoadError
from jwtguard.jose import SignatureCheck, b64url_decode, make_check
from jwtguard.jose.algorithms import (
    ALGORITHM_FAMILY,
    HMAC_MIN_KEY_BYTES,
    OKP_CURVE_ALGORITHMS,
    RSA_MIN_BITS,
    SUPPORTED_ALGORITHMS,
)
from jwtguard.keys._material import (
    PRIVATE_TYPES,
    as_algorithms,
    check_jwk_curve,
    check_jwk_use,
    choose_algorithms,
    default_algorithms,
    describe_key,
    family_of,
    is_der,
    is_jwk_text,
    load_pem,
    rsa_modulus,
)
from jwtguard.keys._roca import has_roca_fingerprint
from jwtguard.keys.export import jwk_members, pem_text
from jwtguard.keys.thumbprint import jwk_thumbprint

__all__ = ["Key", "as_algorithms", "default_algorithms", "describe_key"]

_PYJWT: dict[str, Algorithm] = {
    name: alg for name, alg in _pyjwt_algorithms().items() if name in SUPPORTED_ALGORITHMS
}
_PYJWT.update(dict.fromkeys(OKP_CURVE_ALGORITHMS, _PYJWT["EdDSA"]))  # RFC 9864 names
_JWK_LOADERS: dict[str, Callable[[Any], Any]] = {
    "oct": HMACAlgorithm.from_jwk,
    "RSA": RSAAlgorithm.from_jwk,
    "EC": ECAlgorithm.from_jwk,
    "OKP": OKPAlgorithm.from_jwk,
}


class Key:
    """One key, bound at load time to a key family and a set of algorithms.

    Build it with :meth:`from_secret`, :meth:`from_pem`, :meth:`from_jwk` or
    :meth:`from_crypto`. It is immutable; its ``repr`` never shows key material.
    Private keys can sign (see :class:`jwtguard.TokenIssuer`); their public half
    verifies.
    """

    __slots__ = (
        "_checks",
        "_signing_key",
        "_verify_key",
        "algorithms",
        "bound",
        "family",
        "kid",
    )

    kid: str | None
    family: str
    algorithms: frozenset[str]
    bound: bool
    """False for a key whose algorithms nobody named (a JWK without ``alg`` in a JWKS read
    without algorithms): it holds its whole family, and a Guard accepts it only when its
    allow-list leaves exactly one algorithm for it (RFC 8725 section 3.1)."""

    def __init__(
        self,
        *,
        family: str,
        algorithms: frozenset[str],
        verify_key: Any,
        signing_key: Any | None,
        kid: str | None,
        bound: bool = True,
    ) -> None:
        if kid is not None and not isinstance(kid, str):
            raise KeyLoadError("a key id (kid) must be a string")
        self.kid = kid
        self.family = family
        self.algorithms = algorithms
        self.bound = bound
        self._signing_key = signing_key
        self._verify_key = verify_key
        self._checks: dict[str, SignatureCheck] = {
            alg: make_check(alg, verify_key) for alg in algorithms
        }

    def __repr__(self) -> str:
        algs = ",".join(sorted(self.algorithms))
        return f"Key(kid={self.kid!r}, family={self.family!r}, algorithms={algs!r})"

    @property
    def can_sign(self) -> bool:
        """True for an HMAC secret or a private key."""
        return self._signing_key is not None

    def verify(self, algorithm: str, signing_input: bytes, signature: bytes) -> bool:
        """Check ``signature`` over ``signing_input``; ``False`` for an algorithm not bound here."""
        check = self._checks.get(algorithm)
        if check is None:
            return False
        try:
            return check(signing_input, signature)
        except Exception:  # noqa: BLE001 - a backend error on hostile input is a failed check
            return False

    def sign(self, algorithm: str, signing_input: bytes) -> bytes:
        """Sign with this key; only for a secret or private key and a bound algorithm."""
        if self._signing_key is None:
            raise KeyLoadError(f"{describe_key(self.kid)} is a public key and cannot sign")
        if algorithm not in self.algorithms:
            raise KeyLoadError(f"{describe_key(self.kid)} is not bound to {algorithm}")
        signature: bytes = _PYJWT[algorithm].sign(signing_input, self._signing_key)
        return signature

    def with_kid(self, kid: str | None) -> Key:
        """The same key material and algorithms under another key id."""
        return Key(
            family=self.family,
            algorithms=self.algorithms,
            verify_key=self._verify_key,
            signing_key=self._signing_key,
            kid=kid,
            bound=self.bound,
        )

    def unbound(self) -> Key:
        """The same key marked as not bound by its source (see :attr:`bound`)."""
        return Key(
            family=self.family,
            algorithms=self.algorithms,
            verify_key=self._verify_key,
            signing_key=self._signing_key,
            kid=self.kid,
            bound=False,
        )

    # -- export -----------------------------------------------------------------------

    def to_jwk(self, *, private: bool = False) -> dict[str, Any]:
        """This key as a JWK with ``kid``, ``use: sig`` and ``alg`` (when bound to one).

        ``private=False`` gives the public JWK (refused for an HMAC secret, which has
        no public half); ``private=True`` the private or secret one, for a key that can sign.
        """
        if private and self._signing_key is None:
            raise KeyLoadError(f"{describe_key(self.kid)} is a public key: no private JWK")
        if not private and self.family == "oct":
            raise KeyLoadError(f"{describe_key(self.kid)} is an HMAC secret: no public JWK")
        jwk = jwk_members(self._signing_key if private else self._verify_key)
        jwk["use"] = "sig"
        if len(self.algorithms) == 1:
            jwk["alg"] = next(iter(self.algorithms))
        if self.kid is not None:
            jwk["kid"] = self.kid
        return jwk

    def thumbprint(self) -> str:
        """The RFC 7638 SHA-256 thumbprint of the public key (a DPoP ``cnf.jkt``)."""
        if self.family == "oct":
            raise KeyLoadError(f"{describe_key(self.kid)} is an HMAC secret: no thumbprint")
        return jwk_thumbprint(jwk_members(self._verify_key))

    def to_crypto(self, *, private: bool = False) -> Any:
        """The ``cryptography`` key object (``bytes`` for an HMAC secret) this key holds.

        ``private=True`` gives the signing half, for a key that can sign. Never log it.
        """
        if private:
            if self._signing_key is None:
                raise KeyLoadError(f"{describe_key(self.kid)} is a public key: no private half")
            return self._signing_key
        return self._verify_key

    def to_pem(self, *, private: bool = False) -> str:
        """This asymmetric key as PEM: SubjectPublicKeyInfo, or PKCS#8 with ``private=True``."""
        if private and self._signing_key is None:
            raise KeyLoadError(f"{describe_key(self.kid)} is a public key: no private PEM")
        return pem_text(self._signing_key if private else self._verify_key, private=private)

    # -- constructors -----------------------------------------------------------------

    @classmethod
    def from_secret(
        cls,
        secret: str | bytes,
        algorithms: str | Iterable[str] = ("HS256",),
        *,
        kid: str | None = None,
    ) -> Key:
        """An HMAC secret; refused when shorter than the hash output (RFC 7518 section 3.2)."""
        algs = as_algorithms(algorithms)
        chosen = choose_algorithms("oct", None, algs, kid)
        raw = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
        if (
            b"-----BEGIN" in raw  # anywhere: a BOM or a label line may precede the PEM
            or raw.lstrip().startswith((b"ssh-", b"ecdsa-sha2-", b"sk-"))  # OpenSSH public keys
            or is_der(raw)
            or is_jwk_text(raw)
        ):
            raise KeyLoadError(
                f"{describe_key(kid)}: this looks like a PEM/SSH/DER/JWK key, "
                "which must never be used as an HMAC secret"
            )
        need = max(HMAC_MIN_KEY_BYTES[a] for a in chosen)
        if len(raw) < need:
            raise KeyLoadError(
                f"{describe_key(kid)}: the HMAC secret is {len(raw)} bytes; "
                f"{', '.join(sorted(chosen))} needs at least {need} (RFC 7518 section 3.2)"
            )
        return cls(family="oct", algorithms=chosen, verify_key=raw, signing_key=raw, kid=kid)

    @classmethod
    def from_crypto(
        cls,
        key_object: Any,
        algorithms: str | Iterable[str] | None = None,
        *,
        kid: str | None = None,
    ) -> Key:
        """A key object from ``cryptography`` (RSA, EC or Ed25519/Ed448, public or private)."""
        family = family_of(key_object, kid)
        chosen = choose_algorithms(family, key_object, as_algorithms(algorithms), kid)
        if family == "RSA" and key_object.key_size < RSA_MIN_BITS:
            raise KeyLoadError(
                f"{describe_key(kid)}: the RSA key has {key_object.key_size} bits; "
                f"at least {RSA_MIN_BITS} are required"
            )
        if family == "RSA" and has_roca_fingerprint(rsa_modulus(key_object)):
            raise KeyLoadError(
                f"{describe_key(kid)}: the RSA key has the ROCA fingerprint (CVE-2017-15361); "
                "its private key can be computed from the public key"
            )
        is_private = isinstance(key_object, PRIVATE_TYPES)
        public = key_object.public_key() if is_private else key_object
        return cls(
            family=family,
            algorithms=chosen,
            verify_key=public,
            signing_key=key_object if is_private else None,
            kid=kid,
        )

    @classmethod
    def from_pem(
        cls,
        pem: str | bytes,
        algorithms: str | Iterable[str] | None = None,
        *,
        kid: str | None = None,
        password: bytes | None = None,
    ) -> Key:
        """A PEM public key, private key or X.509 certificate (its public key is used)."""
        return cls.from_crypto(load_pem(pem, password, kid), algorithms, kid=kid)

    @classmethod
    def from_jwk(
        cls,
        jwk: Mapping[str, Any],
        algorithms: str | Iterable[str] | None = None,
    ) -> Key:
        """A JWK (RFC 7517). Its ``alg`` binds the key; ``use``/``key_ops`` must allow signatures.

        ``algorithms``, when given, must agree with the JWK's ``alg``. Error
        messages name the ``kid`` and the problem, never a key member's value.
        """
        if not isinstance(jwk, Mapping):
            raise KeyLoadError("a JWK must be a JSON object")
        kid = jwk.get("kid")
        if kid is not None and not isinstance(kid, str):
            raise KeyLoadError("a JWK 'kid' must be a string")
        kty = jwk.get("kty")
        if kty not in _JWK_LOADERS:
            raise KeyLoadError(f"{describe_key(kid)}: unsupported or missing 'kty'")
        check_jwk_use(jwk, kid)
        requested = as_algorithms(algorithms)
        jwk_alg = jwk.get("alg")
        if jwk_alg is not None:
            if not isinstance(jwk_alg, str) or ALGORITHM_FAMILY.get(jwk_alg) != kty:
                raise KeyLoadError(f"{describe_key(kid)}: 'alg' does not fit a {kty} key")
            if kty == "OKP" and jwk_alg not in OKP_CURVE_ALGORITHMS.get(str(jwk.get("crv")), ()):
                raise KeyLoadError(f"{describe_key(kid)}: 'alg' does not fit its curve")
            if requested is not None and jwk_alg not in requested:
                raise KeyLoadError(f"{describe_key(kid)}: 'alg' {jwk_alg} is not among {requested}")
            requested = (jwk_alg,)
        for member in ("k", "n", "e", "d", "x", "y", "p", "q", "dp", "dq", "qi"):
            value = jwk.get(member)
            if value is None:
                continue
            if not isinstance(value, str):
                raise KeyLoadError(f"{describe_key(kid)}: member '{member}' must be a string")
            try:
                b64url_decode(value)
            except ValueError:
                raise KeyLoadError(
                    f"{describe_key(kid)}: member '{member}' is not base64url"
                ) from None
        check_jwk_curve(jwk, kty, kid)
        try:
            key_object = _JWK_LOADERS[kty](dict(jwk))
        except Exception:  # noqa: BLE001 - PyJWT's messages may contain key material
            raise KeyLoadError(f"{describe_key(kid)}: invalid {kty} JWK") from None
        if kty == "oct":
            return cls.from_secret(key_object, requested or ("HS256",), kid=kid)
        return cls.from_crypto(key_object, requested, kid=kid)
