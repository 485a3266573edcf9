from __future__ import annotations

import copy
import json
import pickle
from collections.abc import Callable
from typing import Any

import pytest

from jwtguard import Claims
from jwtguard.claims import FrozenDict

NESTED = {"sub": "1", "roles": ["a", "b"], "ctx": {"org": {"id": 7}, "n": [1, {"x": [2]}]}}

MUTATIONS: dict[str, Callable[[Any], object]] = {
    "setitem": lambda d: d.__setitem__("k", 1),
    "delitem": lambda d: d.__delitem__(next(iter(d))),
    "update": lambda d: d.update(k=1),
    "ior": lambda d: d.__ior__({"k": 1}),
    "pop": lambda d: d.pop(next(iter(d))),
    "popitem": lambda d: d.popitem(),
    "setdefault": lambda d: d.setdefault("k", 1),
    "clear": lambda d: d.clear(),
}


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


@pytest.mark.parametrize("mutate", MUTATIONS.values(), ids=MUTATIONS.keys())
@pytest.mark.parametrize("where", ["claims", "nested", "in-array"])
def test_no_dict_method_changes_claims_or_what_they_hold(
    mutate: Callable[[Any], object], where: str
) -> None:
    claims = Claims(NESTED)
    target = {"claims": claims, "nested": claims["ctx"], "in-array": claims["ctx"]["n"][1]}[where]
    with pytest.raises(TypeError, match="read-only"):
        mutate(target)
    assert claims.to_dict() == NESTED


def test_augmented_assignment_leaves_the_shared_object_alone() -> None:
    claims = Claims({"sub": "1"})
    shared = claims
    with pytest.raises(TypeError):
        claims |= {"sub": "admin"}
    more = shared | {"extra": True}  # a new, ordinary dict
    assert type(more) is dict and more == {"sub": "1", "extra": True}
    assert shared == {"sub": "1"}


def test_calling_init_again_changes_nothing() -> None:
    claims = Claims({"sub": "1", "ctx": {}})
    claims.__init__({"sub": "admin"})  # type: ignore[misc]
    claims["ctx"].__init__({"admin": True})
    assert claims == {"sub": "1", "ctx": {}}


def test_claims_are_dicts_for_every_json_tool() -> None:
    claims = Claims(NESTED)
    assert isinstance(claims, dict) and isinstance(claims["ctx"], dict)
    assert json.loads(json.dumps(claims)) == NESTED
    assert json.loads(json.dumps(dict(claims))) == NESTED  # nested objects are dicts too
    assert json.loads(json.dumps(claims, indent=2, sort_keys=True)) == NESTED  # pure-Python path
    assert json.loads(json.JSONEncoder().encode({"claims": claims})) == {"claims": NESTED}


@pytest.mark.parametrize("module", ["orjson", "ujson"])
def test_claims_serialise_with_the_fast_json_libraries(module: str) -> None:
    # FastAPI's ORJSONResponse and UJSONResponse
    dumps = pytest.importorskip(module).dumps
    assert json.loads(dumps(Claims(NESTED))) == NESTED


def test_copies() -> None:
    claims = Claims(NESTED)
    shallow = claims.copy()
    assert type(shallow) is dict and shallow == claims
    shallow["sub"] = "2"
    assert claims["sub"] == "1"
    assert copy.copy(claims) is claims  # immutable: a copy would be the same thing
    assert copy.deepcopy(claims) is claims
    assert copy.deepcopy({"c": claims})["c"] is claims
    again = pickle.loads(pickle.dumps(claims))  # noqa: S301 - our own bytes
    assert type(again) is Claims and again == claims and again.subject == "1"
    assert type(again["ctx"]) is FrozenDict
    with pytest.raises(TypeError):
        again["sub"] = "2"


def test_frozen_dict_freezes_what_it_is_given() -> None:
    given = {"a": [1, {"b": [2]}], "t": ([3],)}
    frozen = FrozenDict(given)
    assert frozen == {"a": (1, {"b": (2,)}), "t": ((3,),)}
    given["a"][1]["b"].append(9)  # type: ignore[index, union-attr]
    assert frozen["a"][1]["b"] == (2,)
    assert repr(frozen) == "{'a': (1, {'b': (2,)}), 't': ((3,),)}"


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
