"""KeySet.from_jwks without algorithms: the Guard's allow-list binds keys published without alg."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from jwtguard import ConfigError, Guard, Key, KeyLoadError, KeySet, SkippedKey, TokenIssuer
from jwtguard.testing import FrozenClock, generate_key, public_pem

SECRET_JWK = {"kty": "oct", "k": "a2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2s"}  # 32 bytes


def refusal(load: Callable[[], object]) -> str:
    with pytest.raises(KeyLoadError) as info:
        load()
    return str(info.value)


RSA = generate_key("RS256").to_crypto()  # one RSA key for the module: generating is slow


def public_jwk(key_object: Any, alg: str, kid: str) -> dict[str, Any]:
    return Key.from_crypto(key_object, alg, kid=kid).to_jwk()


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


# -- selection, signing keys and from_jwks ---------------------------------------------


def test_keyset_selects_by_kid_and_alg() -> None:
    a = generate_key("HS256", kid="a")
    b = generate_key("ES256", kid="b")
    keys = KeySet([a, b])
    assert keys.find("a", "HS256") == (a,)
    assert keys.find("a", "ES256") == ()
    assert keys.find("b", "ES256") == (b,)
    assert keys.find("zzz", "HS256") == ()
    assert keys.find(None, "ES256") == (b,)
    assert set(keys.kids) == {"a", "b"}


def test_single_anonymous_key_accepts_any_kid() -> None:
    key = generate_key("HS256")
    assert KeySet([key]).find("whatever", "HS256") == (key,)


def test_duplicate_kids_are_refused() -> None:
    with pytest.raises(KeyLoadError, match="duplicate key id"):
        KeySet([generate_key("HS256", kid="x"), generate_key("HS256", kid="x")])


def test_replace_notifies_subscribers_and_bumps_generation() -> None:
    keys = KeySet([generate_key("HS256", kid="old")])
    calls: list[int] = []
    keys.subscribe(lambda: calls.append(keys.generation))
    keys.replace([generate_key("HS256", kid="new")])
    assert calls == [1]
    assert keys.find("old", "HS256") == ()


def test_from_jwks_skips_encryption_keys_and_unusable_algorithms() -> None:
    jwks = {
        "keys": [
            public_jwk(RSA, "RS256", "sig"),
            {**public_jwk(RSA, "RS256", "enc"), "use": "enc"},
            generate_key("ES256", kid="ec").to_jwk(),
            {**SECRET_JWK, "kid": "aes", "use": "enc"},
        ]
    }
    keys = KeySet.from_jwks(jwks, ["RS256"])
    assert keys.kids == ("sig",)
    assert set(KeySet.from_jwks(jwks, ["RS256", "ES256"]).kids) == {"sig", "ec"}


@pytest.mark.parametrize("bad", [[], {"keys": {}}, {"nokeys": []}, "x"])
def test_from_jwks_needs_a_keys_array(bad: Any) -> None:
    with pytest.raises(KeyLoadError, match="'keys' array"):
        KeySet.from_jwks(bad)


def test_a_duplicate_kid_is_quoted_only_in_part() -> None:
    kid = "d" * 100
    message = refusal(lambda: KeySet([generate_key(kid=kid), generate_key(kid=kid)]))
    assert repr(kid[:64]) in message
    assert kid[:65] not in message


def test_anonymous_keys_beside_named_ones() -> None:
    first, second = generate_key(), generate_key()
    named = generate_key("ES256", kid="b")
    keys = KeySet([first, second, named])
    assert keys.find(None, "HS256") == (first, second)
    assert keys.find("b", "ES256") == (named,)
    assert keys.kids == ("b",)
    assert keys.find("zzz", "HS256") == ()  # several keys: an unknown kid matches none


def test_signing_key_by_kid_or_the_first_that_can_sign() -> None:
    public = Key.from_pem(public_pem(generate_key("ES256")), kid="pub")
    secret = generate_key(kid="sec")
    keys = KeySet([public, secret])
    assert keys.signing_key("sec") is secret
    assert keys.signing_key("pub") is None  # it cannot sign
    assert keys.signing_key("zzz") is None
    assert keys.signing_key() is secret
    assert KeySet([public]).signing_key() is None


def test_from_jwks_skips_what_cannot_verify_here() -> None:
    usable = {**SECRET_JWK, "kid": "ok"}
    jwks = {
        "keys": [
            "not an object",
            {"kty": "XYZ", "kid": "unknown-kty"},
            {**usable, "kid": "enc", "key_ops": ["encrypt"]},
            {**usable, "kid": "wrapping", "use": "enc"},
            {**usable, "kid": "signer", "key_ops": ["sign"]},
            {**usable, "kid": "verifier", "key_ops": ["verify"]},
            usable,
        ]
    }
    assert KeySet.from_jwks(jwks).kids == ("signer", "verifier", "ok")
    assert "use is 'enc', not 'sig'" in refusal(
        lambda: KeySet.from_jwks({"keys": [{**usable, "use": "enc"}]}, skip_unusable=False)
    )


def test_from_jwks_skips_a_key_whose_alg_the_caller_does_not_allow() -> None:
    jwks = {"keys": [public_jwk(RSA, "RS256", "rs"), public_jwk(RSA, "PS256", "ps")]}
    assert KeySet.from_jwks(jwks, ["PS256"]).kids == ("ps",)
    assert KeySet.from_jwks(jwks).kids == ("rs", "ps")  # no list: each JWK's own alg


def test_from_jwks_binds_each_ec_key_to_its_curve_from_one_list() -> None:
    document, _ = _entra_like("ES256", "ES384")
    keys = KeySet.from_jwks(document, ["ES256", "ES384"])
    assert [k.algorithms for k in keys] == [{"ES256"}, {"ES384"}]


def test_a_jwks_never_mixes_secrets_with_public_keys() -> None:
    oct_jwk = {**SECRET_JWK, "kid": "s"}
    mixed = {"keys": [oct_jwk, generate_key("ES256", kid="e").to_jwk()]}
    assert "must not mix HMAC secrets" in refusal(lambda: KeySet.from_jwks(mixed))
    assert KeySet.from_jwks({"keys": [oct_jwk, {**oct_jwk, "kid": "t"}]}).kids == ("s", "t")


def test_an_anonymous_key_stands_in_for_unknown_kids_only_alone_and_for_its_algs() -> None:
    sole = generate_key("HS256")
    assert KeySet([sole]).find("unknown", "HS256") == (sole,)
    assert KeySet([sole]).find("unknown", "HS384") == ()
    pair = KeySet([sole, generate_key("HS256")])
    assert pair.find("unknown", "HS256") == ()
    assert KeySet().generation == 0


@pytest.mark.parametrize(
    ("curve", "alg"),
    [("ES256", "ES256"), ("ES384", "ES384"), ("ES512", "ES512"), ("ES256K", "ES256K")],
)
def test_one_allow_list_binds_each_ec_key_to_its_curve(curve: str, alg: str) -> None:
    jwk = _ec_public_jwk(curve)
    keys = KeySet.from_jwks({"keys": [jwk]}, ["ES256", "ES384", "ES512", "ES256K"])
    assert [k.algorithms for k in keys] == [{alg}]


def _ec_public_jwk(alg: str, kid: str = "e") -> dict[str, Any]:
    if alg == "ES256K":
        key = Key.from_crypto(ec.generate_private_key(ec.SECP256K1()), kid=kid)
    else:
        key = generate_key(alg, kid=kid)
    return {k: v for k, v in key.to_jwk().items() if k != "alg"}


def test_an_okp_key_is_bound_to_the_names_of_its_curve() -> None:
    jwk = {k: v for k, v in generate_key("EdDSA", kid="o").to_jwk().items() if k != "alg"}
    keys = KeySet.from_jwks({"keys": [jwk]}, ["EdDSA", "Ed448", "ES256"])
    assert [k.algorithms for k in keys] == [{"EdDSA"}]


def test_an_rsa_jwk_with_alg_is_bound_by_it() -> None:
    (key,) = KeySet.from_jwks({"keys": [public_jwk(RSA, "PS256", "r")]})
    assert (key.bound, key.algorithms) == (True, {"PS256"})
    (loose,) = KeySet.from_jwks({"keys": [{**public_jwk(RSA, "PS256", "r"), "alg": None}]})
    assert (loose.bound, loose.algorithms) == (
        False,
        {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"},
    )


def test_skipped_keys_are_listed_with_a_reason_and_never_key_material() -> None:
    bad_kid = {**SECRET_JWK, "kid": 5}
    keys = KeySet.from_jwks(
        {
            "keys": [
                "junk",
                bad_kid,
                {**SECRET_JWK, "kid": "enc", "use": "enc"},
                {**SECRET_JWK, "use": "enc"},
                {**SECRET_JWK, "kid": "ok"},
            ]
        }
    )
    assert keys.kids == ("ok",)
    assert keys.skipped == (
        SkippedKey(None, "not a JSON object"),
        SkippedKey(None, "'kid' is not a string"),
        SkippedKey("enc", "use is 'enc', not 'sig'"),
        SkippedKey(None, "use is 'enc', not 'sig'"),
    )
    assert "'kid' is not a string" in refusal(
        lambda: KeySet.from_jwks({"keys": [bad_kid]}, skip_unusable=False)
    )


def test_a_key_that_fits_no_allowed_algorithm_is_skipped_saying_why() -> None:
    keys = KeySet.from_jwks(
        {
            "keys": [
                public_jwk(RSA, "RS256", "rs"),
                {**public_jwk(RSA, "RS256", "enc"), "use": "enc"},
                generate_key("ES256", kid="ec").to_jwk(),
            ]
        },
        ["PS256", "ES256"],
    )
    assert keys.kids == ("ec",)
    assert keys.skipped == (
        SkippedKey("rs", "no allowed algorithm fits this key"),
        SkippedKey("enc", "use is 'enc', not 'sig'"),
    )


def test_skipped_key_entries_are_immutable() -> None:
    entry = SkippedKey("k", "why")
    with pytest.raises(dataclasses.FrozenInstanceError):
        entry.reason = "other"  # type: ignore[misc]
    assert not hasattr(entry, "__dict__")


@pytest.mark.parametrize(
    "entries",
    [
        pytest.param(
            [public_jwk(RSA, "RS256", "k"), public_jwk(RSA, "PS256", "k")], id="same-type"
        ),
        pytest.param(
            ["junk", public_jwk(RSA, "RS256", "k"), {**public_jwk(RSA, "RS256", "k"), "n": "!"}],
            id="one-of-them-unusable",
        ),
    ],
)
def test_two_signature_keys_of_one_type_under_one_kid_fail_the_set(entries: list[Any]) -> None:
    assert "duplicate key id 'k'" in refusal(lambda: KeySet.from_jwks({"keys": entries}))


def test_a_kid_may_name_keys_of_different_types_or_uses() -> None:
    ec_key = generate_key("ES256", kid="k")
    keys = KeySet.from_jwks(
        {
            "keys": [
                public_jwk(RSA, "RS256", "k"),
                ec_key.to_jwk(),
                {**public_jwk(RSA, "RS256", "k"), "use": "enc"},
                {**SECRET_JWK, "kid": 5},
                {**SECRET_JWK, "kid": 5},
            ]
        }
    )
    assert [k.family for k in keys.find("k", "ES256")] == ["EC"]
    assert [k.family for k in keys.find("k", "RS256")] == ["RSA"]
    assert len(keys.skipped) == 3


def test_a_duplicate_kid_in_a_document_is_quoted_only_in_part() -> None:
    kid = "d" * 100
    twins = [{**SECRET_JWK, "kid": kid}, {**SECRET_JWK, "kid": kid}]
    message = refusal(lambda: KeySet.from_jwks({"keys": twins}))
    assert repr(kid[:64]) in message
    assert kid[:65] not in message
