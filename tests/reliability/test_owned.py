"""The expectations of tests/reliability/owned.py catch a lost or a ghost write (so the
kill -9 and PostgreSQL restart tests can fail)."""

from __future__ import annotations

from tests.reliability.load import Op
from tests.reliability.owned import ABSENT, EITHER, PRESENT, Owned


def op(kind: str, status: int | None, code: str | None = None, error: str | None = None) -> Op:
    return Op(0, kind, "k", 0.0, 1.0, status, code, error=error)


def test_an_acknowledged_post_missing_after_a_restart_is_lost() -> None:
    owned = Owned(0, {"k": None})
    owned.record(op("add", 201))
    assert owned.expected["k"] == PRESENT
    owned.settle(set())
    assert owned.violations == ["k: an acknowledged POST is lost"]


def test_an_acknowledged_delete_undone_is_caught() -> None:
    owned = Owned(0, {"k": None})
    owned.record(op("add", 201))
    owned.record(op("remove", 200))
    owned.settle({"k"})
    assert owned.violations == ["k: an acknowledged DELETE is undone"]


def test_a_write_without_an_answer_may_land_either_way() -> None:
    for listed in (set(), {"k"}):
        owned = Owned(0, {"k": None})
        owned.record(op("add", None, error="ReadError"))
        assert owned.expected["k"] == EITHER
        assert owned.settle(listed) == (1, 0) and owned.violations == []
        assert owned.expected["k"] == (PRESENT if listed else ABSENT)


def test_a_request_never_sent_changes_nothing() -> None:
    owned = Owned(0, {"k": None})
    owned.record(op("add", None, error="ConnectError"))
    owned.settle({"k"})
    assert owned.violations == ["k: an acknowledged DELETE is undone"]  # absent was exact


def test_answers_that_contradict_the_expectation_are_violations() -> None:
    owned = Owned(0, {"k": None})
    owned.record(op("add", 409, "1"))  # duplicate, though never added
    owned.record(op("remove", 404, "66257298"))  # not listed, though just seen present
    owned.record(op("add", 500, "262145"))
    assert len(owned.violations) == 2 + 1
