"""The signed-out list is shared through its file: what one worker lists, another refuses."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from ontap_ipsec.console import revoked
from ontap_ipsec.console.revoked import Revoked


def test_one_instance_sees_what_another_listed(tmp_path: Path) -> None:
    path = tmp_path / "console" / "signed-out"
    one, other = Revoked(path), Revoked(path)
    assert "s1" not in other
    one.add("s1", time.time() + 60)
    assert "s1" in other and "s2" not in other
    assert "s1" not in path.read_text()  # a digest of the secret, never the secret
    assert path.stat().st_mode & 0o777 == 0o600


def test_expired_entries_are_dropped_and_the_file_compacted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(revoked, "_COMPACT_AT", 3)
    path = tmp_path / "signed-out"
    listing = Revoked(path)
    for n in range(3):
        listing.add(f"old{n}", time.time() - 1)
    listing.add("live", time.time() + 60)
    assert path.read_text().count("\n") == 1
    assert "live" in Revoked(path) and "old0" not in Revoked(path)
