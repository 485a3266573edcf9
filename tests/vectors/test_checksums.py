"""The vendored vectors are the recorded copies: every file is listed in SHA256SUMS and matches.

An edit to the data (to make a failing vector pass, say) or a file added without a record
fails here; the README says how to update a source.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
RECORDED = dict(
    reversed(line.split(maxsplit=1))  # "<sha256>  <path>"
    for line in (HERE / "SHA256SUMS").read_text("utf-8").splitlines()
    if line.strip()
)
NOT_DATA = {"README.md", "SHA256SUMS", Path(__file__).name}


@pytest.mark.parametrize("relative", sorted(RECORDED))
def test_file_matches_its_recorded_digest(relative: str) -> None:
    digest = hashlib.sha256((HERE / relative).read_bytes()).hexdigest()
    assert digest == RECORDED[relative]


def test_every_data_file_is_recorded() -> None:
    on_disk = {
        path.relative_to(HERE).as_posix()
        for path in HERE.rglob("*")
        if path.is_file()
        and "__pycache__" not in path.parts
        and not (path.parent == HERE and path.name in NOT_DATA)
        and path.name != "README.md"
    }
    assert on_disk == set(RECORDED)


@pytest.mark.parametrize("source", ["rfc", "wycheproof"])
def test_each_source_has_its_readme_and_license(source: str) -> None:
    folder = HERE / source
    assert (folder / "README.md").is_file()
    licensed = {path.parent for path in folder.rglob("LICENSE*")}
    data_folders = {path.parent for path in folder.rglob("*.json")}
    # every folder of data sits under a folder holding its license
    assert all(any(d == lic or lic in d.parents for lic in licensed) for d in data_folders)
