"""Project Wycheproof's JWS and JWK vectors, from tests/vectors/wycheproof.

The files are kept unmodified in the repository (origin, version and license in their README;
SHA256SUMS checked by tests/vectors/test_checksums.py). The payloads are arbitrary octets, not
claim sets, so tokens go through the JWS layer, :func:`jwtguard.verify_jws`. Each group's key
arrives as a JWKS through :meth:`jwtguard.KeySet.from_jwks`, the way a resource server loads an
identity provider's keys, under the widest allow-list jwtguard has: a refusal then comes from
the key's binding or from the token, never from a narrow configuration.

Every vector's label is asserted. Where jwtguard's answer differs, the tcId is listed below
with the reason: the README's documented label errata, and jwtguard's deliberate choices.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from jwtguard import Key, KeyLoadError, KeySet, TokenError, verify_jws
from jwtguard.jose import b64url_decode
from jwtguard.jose.algorithms import SUPPORTED_ALGORITHMS

VECTORS = next(p for p in Path(__file__).parents if p.name == "tests") / "vectors"
WYCHEPROOF = VECTORS / "wycheproof"

ALLOW = sorted(SUPPORTED_ALGORITHMS)
REFUSAL_CODES = {
    "malformed",
    "invalid_signature",
    "algorithm_not_allowed",
    "unknown_key",
    "unsupported_header",
}


def _load(name: str) -> Any:
    return json.loads((WYCHEPROOF / name).read_text("utf-8"))


SIGNATURE_FILE = _load("json_web_signature_test.json")
KEY_FILE = _load("json_web_key_test.json")
CRYPTO_FILE = _load("json_web_crypto_test.json")

# -- documented exceptions -------------------------------------------------------------

# The README's "Known label problems upstream": tcIds 357, 367 and 370 carry byte-identical
# tokens with contradictory labels (C2SP/wycheproof issue #236); the token is a canonical,
# correctly MACed JWS, so 357's "valid" is right and 367/370 verify. tcIds 372 and 373 are
# labelled valid although a "?" was inserted into the header/payload segment, which the MAC
# does not cover as received; RFC 7515 sections 2 and 5.2 make them invalid, and a strict
# verifier refuses them.
LABEL_ERRATA: dict[int, str] = {367: "valid", 370: "valid", 372: "invalid", 373: "invalid"}

# jwtguard's deliberate choices, in json_web_signature_test.json (tcId -> reason).
SIGNATURE_DIFFERENCES: dict[int, str] = {
    **dict.fromkeys(
        (259, 264, 268, 272, 320, 325),
        "empty payload: jwtguard's compact form needs a non-empty payload segment (a JWT "
        "payload is a JSON object; detached content, RFC 7515 Appendix F, is not supported)",
    ),
    **dict.fromkeys(
        (346, 350),
        "RFC 7520 Figure 20 is PS384, but the group's JWK says alg PS256: the JWK's alg binds "
        "the key (RFC 7517 section 4.4), so no key may verify PS384",
    ),
    **dict.fromkeys(
        (347, 351),
        "the group's JWK says alg ES521, which is no JWS algorithm (P-521 is ES512, RFC 7518 "
        "section 3.1): a key bound to an unknown algorithm is not loaded",
    ),
}

# jwtguard's deliberate choices, in json_web_key_test.json and json_web_crypto_test.json
# (("key" | "crypto", tcId) -> reason). None: every key vector ends as labelled, the ROCA
# keys (key 7, crypto 46) and the mixed HMAC/EC key sets (key 1, crypto 47) included.
KEY_DIFFERENCES: dict[tuple[str, int], str] = {}


# -- helpers ---------------------------------------------------------------------------


def key_set_of(group: dict[str, Any]) -> dict[str, Any]:
    """The group's verification keys as a JWKS: ``public``, else (``oct``) ``private``."""
    doc: dict[str, Any] = group.get("public") or group["private"]
    return doc if "keys" in doc else {"keys": [doc]}


def token_text(jws: Any) -> str:
    return jws if isinstance(jws, str) else json.dumps(jws)


def jws_cases(document: Any, name: str) -> list[Any]:
    return [
        pytest.param(group, test, id=f"{name}-{test['tcId']}-{test['comment']}")
        for group in document["testGroups"]
        for test in group["tests"]
        if "jws" in test
    ]


def expected(test: dict[str, Any], name: str) -> str:
    if name == "sig" and test["tcId"] in LABEL_ERRATA:
        return LABEL_ERRATA[test["tcId"]]
    if name == "sig" and test["tcId"] in SIGNATURE_DIFFERENCES:
        return "invalid"
    if (name, test["tcId"]) in KEY_DIFFERENCES:
        return "valid"
    result: str = test["result"]
    return result


def check(group: dict[str, Any], test: dict[str, Any], name: str) -> None:
    token = token_text(test["jws"])
    try:
        keys = KeySet.from_jwks(key_set_of(group), ALLOW)
    except KeyLoadError:  # the key set itself is refused (ROCA key, mixed set)
        assert expected(test, name) == "invalid"
        return
    if expected(test, name) == "valid":
        header, payload = verify_jws(token, keys, ALLOW)
        assert header["alg"] in ALLOW
        assert isinstance(payload, bytes)
        return
    with pytest.raises(TokenError) as caught:
        verify_jws(token, keys, ALLOW)
    code = caught.value.code
    assert code in REFUSAL_CODES
    flags = set(test["flags"])
    if flags & {"ModifiedSignature", "ModifiedPadding"}:
        assert code == "invalid_signature"
    if flags & {"JsonSerialization", "AlgIsNone"}:
        assert code == "malformed"  # not the compact shape / an empty signature segment


# -- json_web_signature_test.json ------------------------------------------------------


@pytest.mark.parametrize(("group", "test"), jws_cases(SIGNATURE_FILE, "sig"))
def test_signature_vector(group: dict[str, Any], test: dict[str, Any]) -> None:
    """Each JWS vector ends as its label says (or as the lists above say, with the reason)."""
    check(group, test, "sig")


def _tests(document: Any) -> dict[int, tuple[dict[str, Any], dict[str, Any]]]:
    return {t["tcId"]: (g, t) for g in document["testGroups"] for t in g["tests"]}


SIGNATURE_TESTS = _tests(SIGNATURE_FILE)


def test_errata_premises_hold() -> None:
    """The README's errata as stated: 357/367/370 identical, 372/373 altered by one '?'."""
    tokens = {n: SIGNATURE_TESTS[n][1]["jws"] for n in (357, 367, 370, 372, 373)}
    assert tokens[357] == tokens[367] == tokens[370]
    labels = [SIGNATURE_TESTS[n][1]["result"] for n in (357, 367, 370)]
    assert labels == ["valid", "invalid", "invalid"]
    for n in (372, 373):
        assert SIGNATURE_TESTS[n][1]["result"] == "valid"
        assert "?" in tokens[n]
        assert tokens[n].replace("?", "") == tokens[357]


@pytest.mark.parametrize("tc_id", [259, 264, 268, 272, 320, 325])
def test_empty_payload_differs_only_by_the_compact_shape(tc_id: int) -> None:
    """The empty-payload tokens are refused as ``malformed``, yet their signatures are right:
    the key verifies ``header + '.'``. Only jwtguard's non-empty-payload rule differs."""
    group, test = SIGNATURE_TESTS[tc_id]
    assert "emptyPayload" in test["comment"]
    head, payload, signature = test["jws"].split(".")
    assert payload == ""
    keys = KeySet.from_jwks(key_set_of(group), ALLOW)
    alg = json.loads(b64url_decode(head))["alg"]
    (key,) = keys.keys
    assert key.verify(alg, f"{head}.".encode("ascii"), b64url_decode(signature))
    with pytest.raises(TokenError) as caught:
        verify_jws(test["jws"], keys, ALLOW)
    assert caught.value.code == "malformed"


@pytest.mark.parametrize(
    ("tc_id", "alg"), [(346, "PS384"), (350, "PS384"), (347, "ES512"), (351, "ES512")]
)
def test_rfc7520_figures_verify_once_the_jwk_alg_is_right(tc_id: int, alg: str) -> None:
    """346/350 and 347/351 are refused (``unknown_key``) only because of the JWK's ``alg``:
    with it set to the algorithm the RFC 7520 figure uses, the same token verifies."""
    group, test = SIGNATURE_TESTS[tc_id]
    with pytest.raises(TokenError) as caught:
        verify_jws(test["jws"], KeySet.from_jwks(key_set_of(group), ALLOW), ALLOW)
    assert caught.value.code == "unknown_key"
    fixed = {"keys": [{**key_set_of(group)["keys"][0], "alg": alg}]}
    header, payload = verify_jws(test["jws"], KeySet.from_jwks(fixed, ALLOW), ALLOW)
    assert header["alg"] == alg
    assert payload.decode("utf-8").startswith("It\u2019s a dangerous business, Frodo")


# -- json_web_crypto_test.json (its JWS groups; the JWE groups do not concern a verifier) --


@pytest.mark.parametrize(("group", "test"), jws_cases(CRYPTO_FILE, "crypto"))
def test_crypto_jws_vector(group: dict[str, Any], test: dict[str, Any]) -> None:
    """The older combined set's JWS vectors, JWKS-form keys included."""
    check(group, test, "crypto")


def test_crypto_file_holds_49_jws_and_34_jwe_vectors() -> None:
    tests = [t for g in CRYPTO_FILE["testGroups"] for t in g["tests"]]
    assert sum("jws" in t for t in tests) == 49
    assert sum("jwe" in t for t in tests) == 34


# -- json_web_key_test.json ------------------------------------------------------------


def key_cases() -> list[Any]:
    return [
        pytest.param(group, test, id=f"key-{test['tcId']}-{test['comment']}")
        for group in KEY_FILE["testGroups"]
        for test in group["tests"]
    ]


@pytest.mark.parametrize(("group", "test"), key_cases())
def test_key_vector(group: dict[str, Any], test: dict[str, Any]) -> None:
    """Key loading accepts or refuses each key set as labelled.

    valid: ``KeySet.from_jwks`` loads it and the token verifies. invalid because of a key:
    ``Key.from_jwk`` refuses at least one of its JWKs, and the set either fails to load
    (``KeyLoadError``) or leaves the offending key out, so the token is refused.
    """
    jwks = key_set_of(group)
    token = test["jws"]
    if expected(test, "key") == "valid":
        verify_jws(token, KeySet.from_jwks(jwks, ALLOW), ALLOW)
        for jwk in jwks["keys"]:
            Key.from_jwk(jwk)
        return
    if set(test["flags"]) & {"MixedKeySet", "DuplicateKid"}:  # refused as a set
        with pytest.raises(KeyLoadError):
            KeySet.from_jwks(jwks, ALLOW)
        return
    if test["comment"] != "rejectsModifiedSignature":
        refused = []
        for jwk in jwks["keys"]:
            try:
                Key.from_jwk(jwk)
            except KeyLoadError as exc:
                refused.append(str(exc))
        assert refused, "no key of this set was refused"
        for message in refused:  # messages name the kid, never key material
            for jwk in jwks["keys"]:
                for member in ("k", "d", "n", "x", "y"):
                    if jwk.get(member):
                        assert jwk[member] not in message
    try:
        keys = KeySet.from_jwks(jwks, ALLOW)
    except KeyLoadError:
        return
    with pytest.raises(TokenError) as caught:
        verify_jws(token, keys, ALLOW)
    assert caught.value.code in REFUSAL_CODES


def test_duplicate_kid_is_refused_for_itself() -> None:
    """tcId 4's second key has a non-canonical ``k`` (refused on that alone); with ``k``
    made canonical, the duplicate ``kid`` still fails the whole set."""
    group, _ = _tests(KEY_FILE)[4]
    first, second = key_set_of(group)["keys"]
    with pytest.raises(KeyLoadError, match="base64url"):
        Key.from_jwk(second)
    canonical = {**second, "k": second["k"][:-1] + "g"}
    Key.from_jwk(canonical)
    with pytest.raises(KeyLoadError, match="duplicate key id"):
        KeySet.from_jwks({"keys": [first, canonical]}, ALLOW)


def test_every_difference_names_a_real_vector() -> None:
    """The lists above stay in step with the files: every tcId exists and differs as said."""
    for tc_id in (*LABEL_ERRATA, *SIGNATURE_DIFFERENCES):
        assert tc_id in SIGNATURE_TESTS
    for tc_id in SIGNATURE_DIFFERENCES:
        assert SIGNATURE_TESTS[tc_id][1]["result"] == "valid"
    files = {"key": _tests(KEY_FILE), "crypto": _tests(CRYPTO_FILE)}
    for name, tc_id in KEY_DIFFERENCES:  # pragma: no cover - the list is empty today
        assert files[name][tc_id][1]["result"] == "invalid"
