"""jwtguard.revocation._denylist: the in-memory list both the memory store and the Redis
stores' local copies are made of (expiry by bucket, bulk loads, what a repair re-publishes)."""

from __future__ import annotations

from typing import Any

import pytest

from jwtguard.claims import Claims
from jwtguard.revocation._denylist import Denylist, unescape

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
