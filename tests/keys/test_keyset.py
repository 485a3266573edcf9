"""KeySet.from_jwks without algorithms: the Guard's allow-list binds keys published without alg."""

from __future__ import annotations

import pytest

from jwtguard import ConfigError, Guard, KeySet, TokenIssuer
from jwtguard.testing import FrozenClock, generate_key


def _entra_like(*algs: str) -> tuple[dict[str, list[dict[str, str]]], list[object]]:
    """Public JWKs without ``alg`` (Entra ID publishes none), and their signing keys."""
    keys = [generate_key(alg, kid=f"k{i}") for i, alg in enumerate(algs)]
    jwks = [{k: v for k, v in key.to_jwk().items() if k != "alg"} for key in keys]
    return {"keys": jwks}, list(keys)


def test_an_rsa_jwk_without_alg_is_bound_by_the_guard(clock: FrozenClock) -> None:
    document, (signing,) = _entra_like("RS256")
    keys = KeySet.from_jwks(document)
    assert not keys.keys[0].bound
    guard = Guard(keys, algorithms=["RS256", "ES256"], clock=clock)
    token = TokenIssuer(signing, "RS256", clock=clock).issue({"sub": "x"})  # type: ignore[arg-type]
    assert guard.verify(token)["sub"] == "x"


def test_an_allow_list_leaving_two_algorithms_is_ambiguous() -> None:
    document, _ = _entra_like("RS256", "ES256")
    with pytest.raises(ConfigError) as info:
        Guard(KeySet.from_jwks(document), algorithms=["RS256", "PS256", "ES256"])
    assert str(info.value) == (
        "key 'k0': its JWK has no 'alg' and the allow-list leaves PS256, RS256 for it: "
        "name one (KeySet.from_jwks(jwks, algorithms))"
    )
    named = KeySet.from_jwks(document, ["RS256", "PS256", "ES256"])  # named: both, as asked
    assert named.keys[0].bound and named.keys[0].algorithms == {"RS256", "PS256"}


def test_curves_bind_ec_and_okp_keys_without_alg() -> None:
    document, _ = _entra_like("ES384", "Ed448")
    keys = KeySet.from_jwks(document)
    assert [sorted(k.algorithms) for k in keys] == [["ES384"], ["Ed448", "EdDSA"]]
    assert all(k.bound for k in keys)
