"""DPoP proof verification (RFC 9449 section 4.3), free of HTTP and of I/O.

:class:`DPoPVerifier` checks one proof against the request's method and URL and the
access token it came with: the JOSE checks (:mod:`jwtguard.jose.proof`), the embedded
key (loaded as any other key: RSA of 2048 bits or more, no ROCA, the curve's one
algorithm), the signature, then ``jti``, ``htm``, ``htu`` (normalised, query and
fragment ignored), ``iat`` within the window, ``ath`` and the server nonce. It returns
the proof key's RFC 7638 thumbprint for the ``cnf.jkt`` binding and the replay key for
the single-use check; the caller (:mod:`jwtguard.http.sender`) runs that check through a
:class:`~jwtguard.protocols.ReplayCache`, sync or async.

A client signs every proof with one key: its checked header and loaded key are kept
(:mod:`jwtguard.oauth.proof_keys`), and a proof then costs its signature check plus a
few microseconds.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass, field
from typing import Final, NamedTuple

from jwtguard.errors import ConfigError, InvalidDPoPProofError, UseDPoPNonceError
from jwtguard.jose import b64url_encode
from jwtguard.jose.algorithms import ALGORITHM_FAMILY
from jwtguard.jose.proof import read_proof_payload, split_proof
from jwtguard.oauth.nonce import NonceIssuer
from jwtguard.oauth.proof_keys import ProofKeys
from jwtguard.oauth.urls import normalize_url
from jwtguard.protocols import Clock, ReplayCache
from jwtguard.revocation.replay import MemoryReplayCache

__all__ = ["DEFAULT_DPOP_ALGORITHMS", "DPoP", "DPoPVerifier", "VerifiedProof", "access_token_hash"]

DEFAULT_DPOP_ALGORITHMS: Final = (
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
    "Ed25519",
    "PS256",
    "PS384",
    "PS512",
    "RS256",
    "RS384",
    "RS512",
)
"""Every asymmetric JWS algorithm jwtguard verifies (RFC 9449 section 4.2: never ``none``
or a MAC). ``ES256K`` and ``Ed448`` are left out: no DPoP client signs with them."""

_MAX_JTI: Final = 256
_MAX_PROOF_BYTES: Final = 8192
_URL_CACHE: Final = 1024
_new: Final = tuple.__new__


@dataclass(frozen=True, slots=True)
class DPoP:
    """How DPoP proofs are accepted (``ResourceServer(dpop=DPoP(...))``).

    Args:
        algorithms: the proof signature algorithms accepted (advertised as ``algs`` in
            challenges and as ``dpop_signing_alg_values_supported`` in RFC 9728 metadata).
        max_age: seconds a proof is accepted after its ``iat``; also how long its
            ``jti`` is remembered.
        leeway: seconds a proof's ``iat`` may lie in the future (client clocks).
        replay: where used ``jti`` values are kept: a
            :class:`~jwtguard.revocation.MemoryReplayCache` per pipeline by default; a
            :class:`~jwtguard.revocation.redis.RedisReplayCache` with several workers.
        use_nonce: require a server nonce in every proof (RFC 9449 section 9): a proof
            without a current one is answered ``use_dpop_nonce`` with a ``DPoP-Nonce``.
        nonce_secret: the nonces' HMAC key (32 bytes or more), the same in every worker;
            None: random per process.
        nonce_lifetime: seconds one nonce is current (accepted for twice as long).
    """

    algorithms: tuple[str, ...] = DEFAULT_DPOP_ALGORITHMS
    max_age: float = 60.0
    leeway: float = 5.0
    replay: ReplayCache | None = field(default=None, compare=False)
    use_nonce: bool = False
    nonce_secret: bytes | None = field(default=None, repr=False)
    nonce_lifetime: float = 300.0

    def __post_init__(self) -> None:
        algorithms = (self.algorithms,) if isinstance(self.algorithms, str) else self.algorithms
        object.__setattr__(self, "algorithms", tuple(algorithms))
        problems = []
        bad = [a for a in self.algorithms if ALGORITHM_FAMILY.get(a) in (None, "oct")]
        if bad or not self.algorithms:
            problems.append(
                "dpop algorithms: asymmetric JWS algorithms only "
                f"(such as {', '.join(DEFAULT_DPOP_ALGORITHMS)})"
            )
        for name, value, low in (("max_age", self.max_age, 1), ("leeway", self.leeway, 0)):
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                problems.append(f"dpop {name}: must be a number of seconds")
            elif not low <= value <= 3600:
                problems.append(f"dpop {name}: must be between {low} and 3600 seconds")
        if self.replay is not None and not callable(getattr(self.replay, "first_use", None)):
            problems.append("dpop replay: must be a ReplayCache (first_use, afirst_use)")
        if problems:
            raise ConfigError(problems)


class VerifiedProof(NamedTuple):
    """A proof that passed every check but the single-use one (a named tuple: one is made
    per request).

    ``jkt``: the RFC 7638 thumbprint of its key. ``replay_key``/``expires_at``: what the
    replay cache must hold (the key names the proof key and its ``jti``). ``nonce``:
    under server nonces, the fresh one the response should carry (``DPoP-Nonce``), when
    the proof's own is about to expire; None otherwise.
    """

    jkt: str
    replay_key: str
    expires_at: float
    nonce: str | None = None


def access_token_hash(token: str) -> str:
    """The ``ath`` of an access token: base64url SHA-256 of its ASCII text."""
    return b64url_encode(hashlib.sha256(token.encode("ascii", "replace")).digest())


class DPoPVerifier:
    """Verifies DPoP proofs under one :class:`DPoP` configuration. Thread-safe.

    ``replay`` and ``nonces`` are the replay cache and the nonce issuer it was built
    with (``nonces`` is None unless ``use_nonce``).
    """

    def __init__(self, options: DPoP, clock: Clock) -> None:
        self.options = options
        self.algorithms = frozenset(options.algorithms)
        self.replay: ReplayCache = (
            options.replay if options.replay is not None else MemoryReplayCache(clock=clock)
        )
        self.nonces = (
            NonceIssuer(options.nonce_secret, options.nonce_lifetime, clock)
            if options.use_nonce
            else None
        )
        self._clock = clock
        self._max_age = float(options.max_age)
        self._leeway = float(options.leeway)
        self.keys = ProofKeys(options.algorithms)
        self._urls: dict[str, str] = {}
        self._hashes: dict[str, str] = {}  # access token -> its ath (tokens repeat)

    def verify(self, proof: str, method: str, url: str, access_token: str | None) -> VerifiedProof:
        """Check ``proof`` for a request (``method``, normalised ``url``) carrying
        ``access_token`` (None: a proof without one, e.g. at a token endpoint).

        Raises :class:`InvalidDPoPProofError` (``reason`` says which check), or
        :class:`UseDPoPNonceError` with a fresh nonce.
        """
        parts = split_proof(proof, _MAX_PROOF_BYTES)
        found = self.keys.get(parts.header_segment)
        if not found.key.verify(found.alg, parts.signing_input, parts.signature):
            raise InvalidDPoPProofError("signature")
        claims = read_proof_payload(parts)
        get = claims.get
        jti = get("jti")
        if type(jti) is not str or not 0 < len(jti) <= _MAX_JTI:
            raise InvalidDPoPProofError("jti")
        if get("htm") != method:
            raise InvalidDPoPProofError("htm")
        htu = get("htu")
        if type(htu) is not str or (self._urls.get(htu) or self._normalised(htu)) != url:
            raise InvalidDPoPProofError("htu")
        iat = get("iat")
        # JSON numbers are ints or floats (a bool is neither here); an int of any size
        # compares exactly, a float must be finite (1e400 parses as infinity)
        if type(iat) is not int and (type(iat) is not float or not math.isfinite(iat)):
            raise InvalidDPoPProofError("iat")
        now = self._clock()
        if iat > now + self._leeway or iat < now - self._max_age:
            raise InvalidDPoPProofError("iat")
        if access_token is not None:
            ath = get("ath")
            expected = self._hashes.get(access_token)
            if expected is None:
                expected = access_token_hash(access_token)
                if len(self._hashes) >= _URL_CACHE:
                    self._hashes.clear()
                self._hashes[access_token] = expected
            # compare_digest takes ASCII text only: anything else is no base64url hash
            if type(ath) is not str or not ath.isascii() or not hmac.compare_digest(ath, expected):
                raise InvalidDPoPProofError("ath")
        renewal = None
        nonces = self.nonces
        if nonces is not None:
            sent = get("nonce")
            if not nonces.accepts(sent):
                raise UseDPoPNonceError(nonces.issue())
            renewal = nonces.renewal(sent)
        expires_at = iat + self._max_age + self._leeway
        # tuple.__new__ directly: the named tuple's own __new__ is a Python frame around it
        return _new(VerifiedProof, (found.jkt, found.jkt + " " + jti, expires_at, renewal))

    def _normalised(self, htu: str) -> str | None:
        found = self._urls.get(htu)
        if found is None:
            try:
                found = normalize_url(htu)
            except ValueError:
                return None
            if len(self._urls) >= _URL_CACHE:
                self._urls.clear()
            self._urls[htu] = found
        return found

    def challenge_algorithms(self) -> str:
        """The ``algs`` of a ``DPoP`` challenge: the accepted algorithms, space-separated."""
        return " ".join(self.options.algorithms)
