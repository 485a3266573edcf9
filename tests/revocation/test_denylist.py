"""jwtguard.revocation._denylist: the in-memory list both the memory store and the Redis
stores' local copies are made of (expiry by bucket, bulk loads, what a repair re-publishes)."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from jwtguard.claims import FAMILY_CLAIM, Claims
from jwtguard.revocation._denylist import KINDS, Denylist, unescape

NOW = 1_000_000.0


def claims_of(**values: Any) -> list[Any]:
    """The same claims as ``Claims`` and as a plain mapping: both must answer alike."""
    return [Claims(values), dict(values)]


def test_an_empty_list_revokes_nothing() -> None:
    denylist = Denylist()
    assert len(denylist) == 0
    for claims in claims_of(jti="a", sub="u", fam="f", iat=NOW):
        assert not denylist.is_revoked(claims)


def test_a_jti_is_listed_until_its_expiry_rounded_up_never_early() -> None:
    denylist = Denylist(resolution=60)
    assert denylist.add_jti("a", NOW + 61, NOW)
    end = 60 * -(-(NOW + 61) // 60)  # the bucket's end: expiry rounded up to a minute
    for claims in claims_of(jti="a"):
        assert denylist.is_revoked(claims)
    assert denylist.has_jti("a", end - 0.001)
    assert not denylist.has_jti("a", end)
    denylist.prune(end)
    assert len(denylist) == 0
    assert not denylist.is_revoked({"jti": "a"})


def test_adding_a_listed_jti_again_reports_it_was_listed() -> None:
    denylist = Denylist()
    assert denylist.add_jti("a", NOW + 10, NOW)
    assert not denylist.add_jti("a", NOW + 20, NOW + 1)
    assert denylist.has_jti("a", NOW + 15)  # the later expiry was kept
    assert denylist.add_jti("a", NOW + 40, NOW + 30)  # expired meanwhile: new again


def test_a_family_keeps_its_latest_expiry() -> None:
    denylist = Denylist()
    denylist.add_family("fam-1", NOW + 100, NOW)
    denylist.add_family("fam-1", NOW + 10, NOW)
    assert denylist.has_family("fam-1", NOW + 50)
    for claims in claims_of(jti="other", fam="fam-1"):
        assert denylist.is_revoked(claims)
    assert not denylist.is_revoked({"jti": "other", "fam": "fam-2"})


@pytest.mark.parametrize(
    ("iat", "revoked"),
    [(NOW - 1, True), (NOW + 4.5, True), (NOW + 5, False), (NOW + 9, False), (None, True)],
)
def test_a_subject_is_revoked_for_tokens_issued_before_the_cutoff(
    iat: float | None, revoked: bool
) -> None:
    denylist = Denylist()
    denylist.add_subject("alice", NOW + 5, NOW + 100, NOW)
    values: dict[str, Any] = {"sub": "alice"} if iat is None else {"sub": "alice", "iat": iat}
    for claims in claims_of(**values):
        assert denylist.is_revoked(claims) is revoked
    assert not denylist.is_revoked({"sub": "bob", "iat": NOW - 1})


def test_an_iat_that_is_not_a_number_cannot_prove_it_is_newer() -> None:
    denylist = Denylist()
    denylist.add_subject("alice", NOW, NOW + 100, NOW)
    assert denylist.is_revoked({"sub": "alice", "iat": True})
    assert denylist.is_revoked({"sub": "alice", "iat": str(NOW + 50)})


def test_the_later_subject_cutoff_wins_and_an_expired_one_is_forgotten() -> None:
    denylist = Denylist()
    denylist.add_subject("alice", NOW + 5, NOW + 100, NOW)
    denylist.add_subject("alice", NOW + 2, NOW + 100, NOW)
    assert denylist.subject_cutoff("alice", NOW) == NOW + 5
    later = NOW + 200  # the entry expired: an earlier cut-off now stands on its own
    denylist.add_subject("alice", NOW + 1, later + 100, later)
    assert denylist.subject_cutoff("alice", later) == NOW + 1
    assert denylist.subject_cutoff("alice", later + 101) is None


def test_names_that_are_not_strings_are_never_matched() -> None:
    denylist = Denylist()
    denylist.add_jti("1", NOW + 10, NOW)
    denylist.add_subject("1", NOW + 5, NOW + 10, NOW)
    assert not denylist.is_revoked({"jti": 1, "sub": 1, "iat": NOW})


def test_a_bulk_load_lists_every_name_of_a_blob() -> None:
    denylist = Denylist(resolution=60)
    names = [f"jti-{i}" for i in range(1000)]
    blob = "".join(f"{name}\n" for name in names).encode()
    assert denylist.add_many("j", blob, NOW + 30, NOW) == 1000
    denylist.add_many("f", b"fam-a\nfam-b\n", NOW + 30, NOW)
    denylist.add_subjects([("alice", NOW + 3), ("bob", NOW + 4)], NOW + 30, NOW)
    assert len(denylist) == 1004
    assert all(denylist.has_jti(name, NOW) for name in names)
    assert denylist.has_family("fam-b", NOW)
    assert denylist.subject_cutoff("bob", NOW) == NOW + 4
    assert not denylist.has_jti("jti-1000", NOW)


def test_a_bulk_load_reads_escaped_names() -> None:
    denylist = Denylist()
    blob = b'plain\n\x00"two\\nlines"\n'
    assert denylist.add_many("j", blob, NOW + 30, NOW) == 2
    assert denylist.has_jti("plain", NOW)
    assert denylist.has_jti("two\nlines", NOW)
    assert unescape('\0"two\\nlines"') == "two\nlines"
    assert unescape("plain") == "plain"


def test_entries_are_every_live_entry_once_with_its_current_expiry() -> None:
    denylist = Denylist(resolution=1)
    denylist.add_jti("a", NOW + 10, NOW)
    denylist.add_jti("a", NOW + 50, NOW)  # moved to a later bucket
    denylist.add_jti("gone", NOW + 1, NOW)
    denylist.add_family("with\nnewline", NOW + 20, NOW)
    denylist.add_subject("alice", NOW + 3, NOW + 30, NOW)
    entries = sorted(denylist.entries(NOW + 5))
    assert entries == [
        ("f", "with\nnewline", NOW + 20, 0.0),
        ("j", "a", NOW + 50, 0.0),
        ("s", "alice", NOW + 30, NOW + 3),
    ]


def test_what_entries_yields_loads_into_another_list_as_the_same_list() -> None:
    source = Denylist(resolution=60)
    source.add_many("j", b"x\ny\n", NOW + 90, NOW)
    source.add_subject("alice", NOW + 7, NOW + 30, NOW)
    copy = Denylist(resolution=60)
    for kind, name, expires_at, cutoff in source.entries(NOW):
        copy.add(kind, name, expires_at, cutoff, NOW)
    assert sorted(copy.entries(NOW)) == sorted(source.entries(NOW))
    assert copy.is_revoked({"sub": "alice", "iat": NOW + 6})


def test_writes_prune_what_expired_so_memory_stays_bounded() -> None:
    denylist = Denylist()
    for i in range(100):
        denylist.add_jti(f"old-{i}", NOW + 1, NOW)
    assert len(denylist) == 100
    denylist.add_jti("new", NOW + 100, NOW + 2)  # any write prunes first
    assert len(denylist) == 1
    assert list(denylist.entries(NOW + 2)) == [("j", "new", NOW + 100, 0.0)]


# -- each boundary, with times as small numbers -------------------------------------------


def claims(kind: str, **payload: Any) -> Any:
    """The same payload as a verified :class:`Claims` or as a plain dict."""
    return Claims(payload) if kind == "claims" else dict(payload)


@pytest.fixture(params=["claims", "mapping"])
def shape(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_the_kinds() -> None:
    assert KINDS == ("j", "f", "s")
    assert FAMILY_CLAIM == "fam"


@pytest.mark.parametrize("listed", ["j", "f", "s"])
def test_each_kind_alone_revokes_only_its_own_name(shape: str, listed: str) -> None:
    denylist = Denylist()
    denylist.add(listed, "x", 100, 50, 0)
    assert len(denylist) == 1
    name = {"j": "jti", "f": FAMILY_CLAIM, "s": "sub"}[listed]
    assert denylist.is_revoked(claims(shape, **{name: "x", "iat": 10}))
    assert not denylist.is_revoked(claims(shape, **{name: "y", "iat": 10}))
    others = {"jti": "x", FAMILY_CLAIM: "x", "sub": "x", "iat": 10}
    del others[name]
    assert not denylist.is_revoked(claims(shape, **others))


@pytest.mark.parametrize(
    ("iat", "revoked"),
    [
        pytest.param(49, True, id="before"),
        pytest.param(49.999, True, id="just-before"),
        pytest.param(50, False, id="at-the-cutoff"),
        pytest.param(51, False, id="after"),
        pytest.param(None, True, id="absent"),
        pytest.param("10", True, id="a-string"),
        pytest.param(True, True, id="a-boolean"),
        pytest.param(False, True, id="false-is-not-zero"),
    ],
)
def test_a_subject_revokes_by_issue_time(shape: str, iat: object, revoked: bool) -> None:
    denylist = Denylist()
    denylist.add_subject("s", 50, 100, 0)
    payload: dict[str, Any] = {"sub": "s"} if iat is None else {"sub": "s", "iat": iat}
    assert denylist.is_revoked(claims(shape, **payload)) is revoked


def test_a_listed_jti_revokes_before_the_subject_is_looked_at(shape: str) -> None:
    denylist = Denylist()
    denylist.add_jti("j", 100, 0)
    denylist.add_family("f", 100, 0)
    denylist.add_subject("s", 50, 100, 0)
    assert denylist.is_revoked(claims(shape, jti="j", sub="s", iat=99))
    assert denylist.is_revoked(claims(shape, fam="f", sub="s", iat=99))
    assert not denylist.is_revoked(claims(shape, jti="k", fam="g", sub="s", iat=99))


def test_exact_look_ups_end_at_the_expiry() -> None:
    denylist = Denylist()
    denylist.add_jti("j", 10, 0)
    denylist.add_family("f", 10, 0)
    denylist.add_subject("s", 7, 10, 0)
    assert denylist.has_jti("j", 9.5) and denylist.has_family("f", 9.5)
    assert denylist.subject_cutoff("s", 9.5) == 7
    assert not denylist.has_jti("j", 10) and not denylist.has_family("f", 10)
    assert denylist.subject_cutoff("s", 10) is None
    assert not denylist.has_jti("other", 0) and not denylist.has_family("other", 0)
    assert denylist.subject_cutoff("other", 0) is None


def test_expiry_is_rounded_up_to_the_resolution() -> None:
    denylist = Denylist(resolution=10)
    assert denylist.resolution == 10.0
    denylist.add_jti("j", 11, 0)
    denylist.add_jti("k", 20, 0)
    assert denylist.has_jti("j", 19.9) and not denylist.has_jti("j", 20)
    assert not denylist.has_jti("k", 20)
    assert [end for _, _, end, _ in denylist.entries(0)] == [20.0, 20.0]


def test_the_default_resolution_is_a_second() -> None:
    denylist = Denylist()
    assert denylist.resolution == 1.0
    denylist.add_jti("j", 10.2, 0)
    assert denylist.has_jti("j", 10.9) and not denylist.has_jti("j", 11)


def test_add_jti_says_whether_it_was_new_and_keeps_the_later_expiry() -> None:
    denylist = Denylist()
    assert denylist.add_jti("j", 10, 0) is True
    assert denylist.add_jti("j", 30, 1) is False
    assert denylist.add_jti("j", 5, 2) is False
    assert denylist.has_jti("j", 29) and not denylist.has_jti("j", 30)
    assert [e[:3] for e in denylist.entries(0)] == [("j", "j", 30.0)]
    assert denylist.add_jti("j", 100, 30) is True  # expired: new again
    assert len(denylist) == 1


def test_a_family_keeps_its_later_expiry() -> None:
    denylist = Denylist()
    denylist.add_family("f", 30, 0)
    denylist.add_family("f", 10, 0)
    assert denylist.has_family("f", 29)
    denylist.add_family("f", 40, 0)
    assert denylist.has_family("f", 39) and not denylist.has_family("f", 40)
    assert [e[:3] for e in denylist.entries(0)] == [("f", "f", 40.0)]


def test_a_subject_keeps_the_later_cutoff_and_the_later_expiry() -> None:
    denylist = Denylist()
    denylist.add_subject("s", 50, 30, 0)
    denylist.add_subject("s", 40, 10, 0)
    assert denylist.subject_cutoff("s", 29) == 50
    denylist.add_subject("s", 60, 20, 0)  # a later cut-off, an earlier expiry
    assert denylist.subject_cutoff("s", 29) == 60
    denylist.add_subject("s", 55, 50, 0)  # an earlier cut-off, a later expiry
    assert denylist.subject_cutoff("s", 49) == 60
    assert denylist.subject_cutoff("s", 50) is None
    assert list(denylist.entries(0)) == [("s", "s", 50.0, 60.0)]


def test_add_dispatches_by_kind() -> None:
    denylist = Denylist()
    assert denylist.add("j", "a", 10, 99, 0) is True
    assert denylist.add("j", "a", 10, 99, 0) is False
    assert denylist.add("f", "a", 10, 99, 0) is True
    assert denylist.add("f", "a", 10, 99, 0) is True
    assert denylist.add("s", "a", 10, 7, 0) is True
    assert denylist.add("x", "a", 10, 7, 0) is True  # an unknown kind lists nothing
    assert sorted(denylist.entries(0)) == [
        ("f", "a", 10.0, 0.0),
        ("j", "a", 10.0, 0.0),
        ("s", "a", 10.0, 7.0),
    ]


@pytest.mark.parametrize("kind", ["j", "f"])
def test_add_many_lists_every_name_of_a_blob(kind: str) -> None:
    denylist = Denylist()
    assert denylist.add_many(kind, b"a\nb\nc\n", 10, 0) == 3
    check = denylist.has_jti if kind == "j" else denylist.has_family
    assert all(check(name, 9) for name in "abc")
    assert not any(check(name, 10) for name in "abc")
    assert not check("", 0)
    assert sorted(name for _, name, _, _ in denylist.entries(0)) == ["a", "b", "c"]
    assert denylist.add_many(kind, b"c\nd\n", 20, 0) == 2  # a second blob, same bucket
    assert denylist.add_many(kind, b"e\n", 20, 0) == 1
    assert sorted(name for _, name, _, _ in denylist.entries(0)) == ["a", "b", "c", "d", "e"]
    assert len(denylist) == 5


def test_add_many_keeps_a_later_expiry() -> None:
    denylist = Denylist()
    denylist.add_jti("a", 30, 0)
    denylist.add_many("j", b"a\nb\n", 10, 0)
    assert denylist.has_jti("a", 29) and not denylist.has_jti("b", 10)
    assert sorted(e[:3] for e in denylist.entries(0)) == [("j", "a", 30.0), ("j", "b", 10.0)]


def test_add_many_reads_escaped_names() -> None:
    odd = "line\nbreak"
    blob = ("plain\n" + "\0" + json.dumps(odd) + "\n").encode()
    denylist = Denylist()
    assert denylist.add_many("j", blob, 10, 0) == 2
    assert denylist.has_jti("plain", 0) and denylist.has_jti(odd, 0)
    assert sorted(name for _, name, _, _ in denylist.entries(0)) == [odd, "plain"]


def test_names_with_newlines_and_lone_surrogates_survive_a_repair() -> None:
    names = ["a\nb", "\ud800", "é"]
    denylist = Denylist()
    for name in names:
        denylist.add_jti(name, 10, 0)
        denylist.add_subject(name, 5, 10, 0)
    assert sorted(name for kind, name, _, _ in denylist.entries(0) if kind == "j") == sorted(names)
    assert all(denylist.subject_cutoff(name, 0) == 5 for name in names)
    denylist.prune(10)
    assert len(denylist) == 0


def test_add_subjects_lists_pairs_in_bulk() -> None:
    denylist = Denylist()
    denylist.add_subject("a", 70, 50, 0)
    denylist.add_subjects([("a", 60), ("b", 30)], 20, 0)
    assert denylist.subject_cutoff("a", 0) == 70
    assert denylist.subject_cutoff("b", 19) == 30 and denylist.subject_cutoff("b", 20) is None
    assert sorted(denylist.entries(0)) == [("s", "a", 50.0, 70.0), ("s", "b", 20.0, 30.0)]


def test_entries_lists_each_live_entry_once_in_its_current_bucket() -> None:
    denylist = Denylist()
    denylist.add_jti("old", 5, 0)
    denylist.add_family("f", 10, 0)
    denylist.add_family("f", 20, 0)  # moved to a later bucket
    assert sorted(denylist.entries(0)) == [("f", "f", 20.0, 0.0), ("j", "old", 5.0, 0.0)]
    assert list(denylist.entries(5)) == [("f", "f", 20.0, 0.0)]  # the jti's bucket ended
    assert list(denylist.entries(20)) == []


def test_prune_drops_what_expired_at_or_before_now() -> None:
    denylist = Denylist()
    denylist.add_jti("j", 10, 0)
    denylist.add_family("f", 20, 0)
    denylist.add_subject("s", 5, 30, 0)
    denylist.prune(9.5)
    assert len(denylist) == 3
    denylist.prune(10)
    assert len(denylist) == 2
    denylist.prune(20)
    assert len(denylist) == 1
    denylist.prune(30)
    assert len(denylist) == 0
    assert not denylist.is_revoked({"sub": "s", "iat": 1})  # the cut-off went too


def test_prune_keeps_an_entry_moved_to_a_later_bucket() -> None:
    denylist = Denylist()
    denylist.add_jti("j", 10, 0)
    denylist.add_jti("j", 20, 0)
    denylist.add_subject("s", 5, 10, 0)
    denylist.add_subject("s", 5, 20, 0)
    denylist.prune(10)
    assert denylist.has_jti("j", 10) and denylist.subject_cutoff("s", 10) == 5
    assert denylist.is_revoked({"sub": "s", "iat": 1})


def test_every_write_prunes_first() -> None:
    for write in (
        lambda d: d.add_jti("new", 100, 10),
        lambda d: d.add_family("new", 100, 10),
        lambda d: d.add_subject("new", 1, 100, 10),
        lambda d: d.add_many("j", b"new\n", 100, 10),
        lambda d: d.add_subjects([("new", 1)], 100, 10),
    ):
        denylist = Denylist()
        denylist.add_jti("j", 10, 0)
        denylist.add_subject("s", 5, 10, 0)
        write(denylist)
        assert len(denylist) == 1
        assert not denylist.is_revoked({"jti": "j"})


@pytest.mark.parametrize(
    ("line", "name"),
    [
        pytest.param("plain", "plain", id="plain"),
        pytest.param("\0" + json.dumps("a\nb"), "a\nb", id="escaped"),
        pytest.param("\0" + json.dumps("\0x"), "\0x", id="escaped-nul"),
        pytest.param("x\0", "x\0", id="nul-later-is-plain"),
    ],
)
def test_unescape(line: str, name: str) -> None:
    assert unescape(line) == name


def test_a_subject_listed_twice_alike_is_one_entry() -> None:
    denylist = Denylist()
    denylist.add_subject("s", 5, 10, 0)
    denylist.add_subject("s", 5, 10, 0)
    denylist.add_subjects([("s", 5)], 10, 0)
    assert list(denylist.entries(0)) == [("s", "s", 10.0, 5.0)]


def test_a_bulk_blob_may_hold_lone_surrogates() -> None:
    denylist = Denylist()
    blob = "\ud800\n".encode("utf-8", "surrogatepass")
    assert denylist.add_many("f", blob, 10, 0) == 1
    assert denylist.has_family("\ud800", 0)


def test_an_unknown_kind_lists_no_subject() -> None:
    denylist = Denylist()
    assert denylist.add("x", "b", 10, 7, 0) is True
    assert denylist.subject_cutoff("b", 0) is None
    assert len(denylist) == 0


def test_pruning_a_jti_keeps_a_subject_of_the_same_name() -> None:
    denylist = Denylist()
    denylist.add_jti("x", 10, 0)
    denylist.add_family("x", 10, 0)
    denylist.add_subject("x", 5, 20, 0)
    denylist.prune(10)
    assert denylist.subject_cutoff("x", 10) == 5
    assert denylist.is_revoked({"sub": "x", "iat": 1})


def test_a_cutoff_before_all_time_revokes_nothing() -> None:
    denylist = Denylist()
    denylist.add_subject("s", -math.inf, 10, 0)
    assert not denylist.is_revoked({"sub": "s"})  # not even a token without iat
    assert not denylist.is_revoked({"sub": "s", "iat": -1e300})
