"""The RFC examples: RFC 7515 Appendix A and RFC 7520 section 4, from tests/vectors/rfc.

The files are kept unmodified in the repository (origin, version and licenses in their README;
SHA256SUMS checked by tests/vectors/test_checksums.py). The payloads are not all JWT claim sets
(RFC 7520 signs a Tolkien quotation, RFC 7515 A.4 the word ``Payload``), so every example goes
through the JWS layer, :func:`jwtguard.verify_jws`; the JWT examples (A.1 to A.3) also go
through :class:`jwtguard.Guard` with the clock pinned before their ``exp``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from jwtguard import (
    ConfigError,
    ExpiredTokenError,
    Guard,
    Key,
    KeySet,
    MalformedTokenError,
    TokenError,
    verify_jws,
)
from jwtguard.jose import b64url_decode
from jwtguard.jose.algorithms import ALGORITHM_FAMILY
from jwtguard.testing import FrozenClock

VECTORS = next(p for p in Path(__file__).parents if p.name == "tests") / "vectors"
RFC = VECTORS / "rfc"


def _load(relative: str) -> Any:
    return json.loads((RFC / relative).read_text("utf-8"))


APPENDIX_A = _load("rfc7515_appendix_a.json")
A = {example["section"]: example for example in APPENDIX_A["compact_examples"]}
A_JSON = {example["section"]: example for example in APPENDIX_A["json_serialization_examples"]}
INDEX = _load("index.json")
RFC7520 = {entry["section"]: _load(entry["file"]) for entry in INDEX["rfc7520"]}
JWT_EXP = 1300819380
"""``exp`` of the A.1 to A.3 and A.5 payloads (2011-03-22T18:43:00Z)."""

_PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth"})


def public(jwk: dict[str, Any]) -> dict[str, Any]:
    """The JWK a verifier holds: private members dropped (an ``oct`` key keeps ``k``)."""
    return {name: value for name, value in jwk.items() if name not in _PRIVATE_MEMBERS}


def verifying_key(jwk: dict[str, Any], alg: str) -> Key:
    return Key.from_jwk(public(jwk), alg)


def key_for(keys: list[dict[str, Any]], alg: str) -> Key:
    """The one key of ``keys`` whose family fits ``alg`` (RFC 7520 4.8 and A.6 list several)."""
    (jwk,) = [k for k in keys if k["kty"] == ALGORITHM_FAMILY[alg]]
    return verifying_key(jwk, alg)


def header_of(token: str) -> dict[str, Any]:
    decoded: dict[str, Any] = json.loads(b64url_decode(token.split(".")[0]))
    return decoded


# -- RFC 7515 Appendix A ---------------------------------------------------------------


@pytest.mark.parametrize("section", ["A.1", "A.2", "A.3", "A.4"])
def test_rfc7515_compact_example_verifies(section: str) -> None:
    """RFC 7515 A.1-A.4: the signature covers the exact octets (CRLFs included) and verifies."""
    example = A[section]
    header, payload = verify_jws(
        example["compact"], verifying_key(example["key"], example["alg"]), [example["alg"]]
    )
    assert payload == example["payload_octets"].encode("utf-8")
    assert header == json.loads(example["protected_header_octets"])


@pytest.mark.parametrize("section", ["A.1", "A.2", "A.3"])
def test_rfc7515_jwt_example_through_the_guard(section: str) -> None:
    """A.1-A.3 carry a JWT claim set: valid before ``exp``, ``expired`` at it (RFC 7519 4.1.4)."""
    example = A[section]
    clock = FrozenClock(JWT_EXP - 60)
    guard = Guard(
        verifying_key(example["key"], example["alg"]), algorithms=[example["alg"]], clock=clock
    )
    claims = guard.verify(example["compact"])
    assert claims.to_dict() == {"iss": "joe", "exp": JWT_EXP, "http://example.com/is_root": True}
    clock.set(JWT_EXP)
    with pytest.raises(ExpiredTokenError) as caught:
        guard.verify(example["compact"])
    assert caught.value.code == "expired"


def test_rfc7515_a4_is_not_a_jwt() -> None:
    """A.4 signs the word ``Payload``: a valid JWS, but no claim set, so the Guard refuses it."""
    example = A["A.4"]
    guard = Guard(verifying_key(example["key"], "ES512"), algorithms=["ES512"])
    with pytest.raises(MalformedTokenError) as caught:
        guard.verify(example["compact"])
    assert caught.value.code == "malformed"


@pytest.mark.parametrize("section", ["A.1", "A.2", "A.3", "A.4"])
def test_rfc7515_a5_unsecured_jws_is_refused(section: str) -> None:
    """A.5 (``alg: none``) is a valid Unsecured JWS that a verifier holding keys must refuse
    (RFC 8725 section 3.2), whichever key and allow-list it holds. Its empty signature
    segment already fails the compact shape; with a signature appended it is refused by the
    allow-list."""
    unsecured = A["A.5"]["compact"]
    assert header_of(unsecured) == {"alg": "none"}
    example = A[section]
    key = verifying_key(example["key"], example["alg"])
    with pytest.raises(TokenError) as caught:
        verify_jws(unsecured, key, [example["alg"]])
    assert caught.value.code == "malformed"
    with pytest.raises(TokenError) as caught:
        verify_jws(unsecured + "AAAA", key, [example["alg"]])
    assert caught.value.code == "algorithm_not_allowed"
    guard = Guard(key, algorithms=[example["alg"]], clock=FrozenClock(JWT_EXP - 60))
    with pytest.raises(TokenError) as caught:
        guard.verify(unsecured)
    assert caught.value.code == "malformed"


def test_rfc7515_none_cannot_be_allowed() -> None:
    """``none`` in the allow-list is a configuration error, not an option (RFC 8725 3.2)."""
    key = verifying_key(A["A.1"]["key"], "HS256")
    with pytest.raises(ConfigError):
        verify_jws(A["A.5"]["compact"], key, ["none"])
    with pytest.raises(ConfigError):
        Guard(key, algorithms=["HS256", "none"])


@pytest.mark.parametrize("section", ["A.6", "A.7"])
def test_rfc7515_json_serialisations_are_refused(section: str) -> None:
    """A.6 (general) and A.7 (flattened) JSON serialisations: jwtguard reads the compact form
    only (RFC 7519 section 7.2: a JWT uses the compact serialisation), so both are refused as
    ``malformed``. Each signature in them is genuine: put in compact form, it verifies."""
    example = A_JSON[section]
    jws = example["jws"]
    signatures = jws.get("signatures", [jws])
    for entry in signatures:
        alg = header_of(entry["protected"])["alg"]
        key = key_for(example["keys"], alg)
        for form in (json.dumps(jws), json.dumps(jws).encode("utf-8")):
            with pytest.raises(MalformedTokenError):
                verify_jws(form, key, [alg])
        compact = f"{entry['protected']}.{jws['payload']}.{entry['signature']}"
        _, payload = verify_jws(compact, key, [alg])
        assert json.loads(payload)["iss"] == "joe"


# -- RFC 7520 section 4 ----------------------------------------------------------------

QUOTE = RFC7520["4.1"]["input"]["payload"].encode("utf-8")


@pytest.mark.parametrize("section", ["4.1", "4.2", "4.3", "4.4"])
def test_rfc7520_compact_example_verifies(section: str) -> None:
    """RFC 7520 4.1 (RS256), 4.2 (PS384), 4.3 (ES512), 4.4 (HS256): the compact form verifies,
    with the key chosen by ``kid`` from a key set as a resource server would."""
    example = RFC7520[section]
    alg = example["input"]["alg"]
    keys = KeySet.from_jwks({"keys": [public(example["input"]["key"])]}, [alg])
    header, payload = verify_jws(example["output"]["compact"], keys, [alg])
    assert payload == QUOTE == example["input"]["payload"].encode("utf-8")
    assert header == example["signing"]["protected"]
    assert header["kid"] in keys.kids


@pytest.mark.parametrize("section", ["4.1", "4.2", "4.3", "4.4"])
def test_rfc7520_example_under_another_algorithm_is_refused(section: str) -> None:
    """The same token under an allow-list that does not name its ``alg`` is refused before
    any key is chosen (RFC 8725 section 3.1)."""
    example = RFC7520[section]
    alg = example["input"]["alg"]
    other = "HS512" if alg != "HS512" else "HS256"
    key = Key.from_secret(b"k" * 64, other)
    with pytest.raises(TokenError) as caught:
        verify_jws(example["output"]["compact"], key, [other])
    assert caught.value.code == "algorithm_not_allowed"


def test_rfc7520_4_5_detached_content_is_refused() -> None:
    """4.5 detaches the payload (RFC 7515 Appendix F): its compact form has an empty payload
    segment. jwtguard verifies self-contained tokens only and refuses it as ``malformed``;
    with the payload put back the signature verifies, so only the detachment is refused."""
    example = RFC7520["4.5"]
    key = Key.from_jwk(example["input"]["key"], "HS256")
    detached = example["output"]["compact"]
    head, empty, signature = detached.split(".")
    assert empty == ""
    with pytest.raises(MalformedTokenError):
        verify_jws(detached, key, ["HS256"])
    attached = f"{head}.{example['signing']['sig-input'].split('.')[1]}.{signature}"
    assert verify_jws(attached, key, ["HS256"])[1] == QUOTE


@pytest.mark.parametrize("section", ["4.1", "4.2", "4.3", "4.4", "4.5", "4.6", "4.7", "4.8"])
def test_rfc7520_json_serialisations_are_refused(section: str) -> None:
    """Every JSON form (general and flattened) is refused: 4.6 to 4.8 exist only in JSON,
    since they put members in unprotected headers, which a compact JWS cannot carry."""
    example = RFC7520[section]
    keys = example["input"]["key"]
    keys = keys if isinstance(keys, list) else [keys]
    algs = example["input"]["alg"]
    algs = algs if isinstance(algs, list) else [algs]
    forms = [example["output"][name] for name in ("json", "json_flat") if name in example["output"]]
    assert forms
    for alg in algs:  # one key at a time: 4.8's RSA and EC keys share one kid
        for form in forms:
            with pytest.raises(MalformedTokenError):
                verify_jws(json.dumps(form), key_for(keys, alg), [alg])


def test_index_lists_exactly_the_examples_tested_here() -> None:
    """index.json names every example; its compact tokens are the ones the files hold."""
    assert sorted(e["section"] for e in INDEX["rfc7515_appendix_a"]) == sorted(A)
    for entry in INDEX["rfc7515_appendix_a"]:
        assert entry["compact"] == A[entry["section"]]["compact"]
    assert sorted(RFC7520) == ["4.1", "4.2", "4.3", "4.4", "4.5", "4.6", "4.7", "4.8"]
    for entry in INDEX["rfc7520"]:
        assert entry.get("compact") == RFC7520[entry["section"]]["output"].get("compact")


def test_verify_jws_contract() -> None:
    """``verify_jws`` takes ``str`` or ``bytes``; anything else, or an oversized token, ends in
    a ``TokenError`` before any decoding; a wrong key is ``invalid_signature``."""
    example = A["A.1"]
    key = verifying_key(example["key"], "HS256")
    token = example["compact"]
    assert verify_jws(token.encode("ascii"), key, "HS256") == verify_jws(token, key, ["HS256"])
    for odd in (None, 42, ["a.b.c"], object(), token.encode("utf-16")):
        with pytest.raises(TokenError) as caught:
            verify_jws(odd, key, ["HS256"])  # type: ignore[arg-type]
        assert caught.value.code == "malformed"
    with pytest.raises(TokenError) as caught:
        verify_jws(token, key, ["HS256"], max_token_bytes=64)
    assert caught.value.code == "token_too_large"
    with pytest.raises(TokenError) as caught:
        verify_jws(token, Key.from_secret(b"x" * 32, "HS256"), ["HS256"])
    assert caught.value.code == "invalid_signature"
