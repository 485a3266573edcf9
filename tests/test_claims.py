from __future__ import annotations

import json

import pytest

from jwtguard import Claims


def test_claims_are_a_deeply_read_only_mapping() -> None:
    claims = Claims({"sub": "1", "roles": ["a", "b"], "ctx": {"org": {"id": 7}}})
    assert claims["sub"] == "1"
    assert claims["roles"] == ("a", "b")
    assert claims["ctx"]["org"]["id"] == 7
    with pytest.raises(TypeError):
        claims["sub"] = "2"  # type: ignore[index]
    with pytest.raises(TypeError):
        claims["ctx"]["org"]["id"] = 8
    with pytest.raises(AttributeError):
        claims["roles"].append("c")


def test_to_dict_is_a_mutable_json_ready_copy() -> None:
    payload = {"sub": "1", "roles": ["a"], "ctx": {"n": [1, {"x": 2}]}}
    claims = Claims(payload)
    copy = claims.to_dict()
    assert copy == payload
    assert json.loads(json.dumps(copy)) == payload
    copy["roles"].append("b")
    assert claims["roles"] == ("a",)


@pytest.mark.parametrize(
    ("payload", "scopes"),
    [
        pytest.param({"scope": "read write"}, {"read", "write"}, id="scope-space-separated"),
        pytest.param({"scp": ["read", "admin"]}, {"read", "admin"}, id="scp-list"),
        pytest.param({"scp": "read"}, {"read"}, id="scp-string"),
        pytest.param({"scope": "a", "scp": ["b"]}, {"a", "b"}, id="both"),
        pytest.param({"scope": 5, "scp": [1, "ok"]}, {"ok"}, id="non-strings-ignored"),
        pytest.param({}, set(), id="none"),
    ],
)
def test_scopes(payload: dict[str, object], scopes: set[str]) -> None:
    assert Claims(payload).scopes == scopes


def test_subject_and_jti_only_when_strings() -> None:
    assert Claims({"sub": "u", "jti": "j"}).subject == "u"
    assert Claims({"sub": "u", "jti": "j"}).jti == "j"
    assert Claims({"sub": 5, "jti": None}).subject is None
    assert Claims({"sub": 5, "jti": None}).jti is None


def test_repr_names_claims_but_never_values() -> None:
    text = repr(Claims({"sub": "alice@example.com", "secret_thing": "s3cr3t"}))
    assert "secret_thing" in text
    assert "alice" not in text
    assert "s3cr3t" not in text


def test_identity_hashes_the_claims_a_revocation_check_keys_on() -> None:
    claims = Claims({"jti": "j-1", "fam": "F", "sub": "alice", "iat": 1})
    assert claims.identity == (hash("j-1"), hash("F"), hash("alice"))
    assert claims.identity is claims.identity  # computed once
    assert Claims({"jti": 7, "sub": ["x"]}).identity == (None, None, None)  # not strings
