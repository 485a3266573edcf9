"""The proof-key caches: a client's key is loaded once, and never reused for other members."""

from __future__ import annotations

import pytest

from jwtguard.errors import InvalidDPoPProofError
from jwtguard.jose.proof import split_proof
from jwtguard.oauth import DPoP, DPoPVerifier
from jwtguard.oauth.proof_keys import ProofKeys
from jwtguard.testing import DPoPKey, FrozenClock

URL = "https://api.example/items"
TOKEN = "header.payload.signature"
ALGORITHMS = ("ES256", "ES384", "RS256")


def _segment(client: DPoPKey, **header: object) -> str:
    return split_proof(client.proof("GET", URL, TOKEN, header=header), 8192).header_segment


def test_one_header_is_loaded_once() -> None:
    keys, client = ProofKeys(ALGORITHMS), DPoPKey("ES256")
    first = keys.get(_segment(client))
    assert keys.get(_segment(client)) is first
    assert (first.alg, first.jkt) == ("ES256", client.jkt)
    assert len(keys) == 1


def test_another_spelling_of_the_same_key_skips_the_load() -> None:
    keys, client = ProofKeys(ALGORITHMS), DPoPKey("ES256")
    first = keys.get(_segment(client))
    reordered = dict(reversed(list(client.jwk.items())))
    assert keys.get(_segment(client, jwk=reordered)) is first
    assert keys.get(_segment(client, jwk={**client.jwk, "kid": "k1"})) is first
    assert keys.get(_segment(client, jwk={**client.jwk, "alg": "ES256"})) is first
    assert len(keys) == 1


def test_other_members_are_loaded_and_checked_afresh() -> None:
    keys, client = ProofKeys(ALGORITHMS), DPoPKey("ES256")
    keys.get(_segment(client))
    with pytest.raises(InvalidDPoPProofError) as refused:  # a key for encryption only
        keys.get(_segment(client, jwk={**client.jwk, "use": "enc"}))
    assert refused.value.reason == "jwk"
    with pytest.raises(InvalidDPoPProofError) as refused:  # the same point, another alg
        keys.get(_segment(client, alg="ES384"))
    assert refused.value.reason == "jwk"
    with pytest.raises(InvalidDPoPProofError) as refused:  # the jwk's own alg disagrees
        keys.get(_segment(client, jwk={**client.jwk, "alg": "ES384"}))
    assert refused.value.reason == "jwk"
    assert len(keys) == 1


def test_the_least_recently_used_key_goes_first() -> None:
    keys = ProofKeys(ALGORITHMS, size=2)
    a, b, c = DPoPKey("ES256"), DPoPKey("ES256"), DPoPKey("ES256")
    first_a = keys.get(_segment(a))
    first_b = keys.get(_segment(b))
    assert keys.get(_segment(a)) is first_a  # a used last: b goes next
    keys.get(_segment(c))
    assert len(keys) == 2
    assert keys.get(_segment(a)) is first_a
    assert keys.get(_segment(b)) is not first_b  # loaded again


def test_a_header_failing_a_check_is_not_kept() -> None:
    keys, client = ProofKeys(ALGORITHMS), DPoPKey("ES256")
    with pytest.raises(InvalidDPoPProofError):
        keys.get(_segment(client, typ="jwt"))
    assert len(keys) == 0


def test_the_verifier_keeps_its_clients_keys(clock: FrozenClock) -> None:
    verifier = DPoPVerifier(DPoP(), clock)
    client = DPoPKey("ES256", clock=clock)
    for kid in ("a", "b"):
        proof = client.proof("GET", URL, TOKEN, header={"jwk": {**client.jwk, "kid": kid}})
        assert verifier.verify(proof, "GET", URL, TOKEN).jkt == client.jkt
    assert len(verifier.keys) == 1
