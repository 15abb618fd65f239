"""PostgreSQL deadlocks: the store's Deadlock, and a request run again when it had
committed nothing (src/ontap_ipsec/store/retry.py), on a real server."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from ontap_ipsec.store.engine import create_engine
from ontap_ipsec.store.errors import Deadlock, Unavailable
from ontap_ipsec.store.prepared import Prepared, Reader
from ontap_ipsec.store.retry import retried

BUMP = Prepared("UPDATE t SET n = n + 1 WHERE id = %(id)s", None, {}, {})
SUM = Prepared("SELECT SUM(n) FROM t", None, {}, {})


@pytest.fixture
def reader(pg_url: str) -> Iterator[Reader]:
    engine = create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)"))
        conn.execute(sa.text("INSERT INTO t VALUES (1, 0), (2, 0)"))
    one = Reader(engine)
    yield one
    one.close()
    engine.dispose()


def crossing(reader: Reader, wrap: bool) -> tuple[list[BaseException], list[int]]:
    """Two threads bump rows 1 and 2 in opposite orders, meeting in the middle: a
    deadlock, unless `wrap` runs each through retried(). (errors, runs per thread)."""
    meet = threading.Barrier(2, timeout=10)
    errors: list[BaseException] = []
    runs = [0, 0]

    def work(index: int, first: int, second: int) -> None:
        def once() -> None:
            runs[index] += 1
            with reader.transaction() as tx:
                tx.run(BUMP, {"id": first})
                if runs[index] == 1:
                    meet.wait()  # both hold their first row
                tx.run(BUMP, {"id": second})

        try:
            retried(reader, once) if wrap else once()
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            errors.append(exc)

    threads = [
        threading.Thread(target=work, args=(0, 1, 2)),
        threading.Thread(target=work, args=(1, 2, 1)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return errors, runs


def test_a_deadlock_is_the_stores_deadlock_and_rolls_its_transaction_back(
    reader: Reader,
) -> None:
    errors, _ = crossing(reader, wrap=False)
    assert len(errors) == 1 and isinstance(errors[0], Deadlock), errors
    assert isinstance(errors[0], Unavailable)  # unretried, it is still a 503
    assert reader.fetch(SUM, {})[0][0] == 2  # the survivor's two bumps, none of the victim's


def test_retried_runs_the_victim_again_and_both_land(reader: Reader) -> None:
    errors, runs = crossing(reader, wrap=True)
    assert errors == []
    assert sorted(runs) == [1, 2]  # the victim ran twice
    assert reader.fetch(SUM, {})[0][0] == 4


def test_retried_does_not_run_again_what_committed_already(reader: Reader) -> None:
    runs = 0

    def committed_then_deadlocked() -> None:
        nonlocal runs
        runs += 1
        with reader.transaction() as tx:
            tx.run(BUMP, {"id": 1})
        raise Deadlock("after a commit")

    with pytest.raises(Deadlock):
        retried(reader, committed_then_deadlocked)
    assert runs == 1
    assert reader.fetch(SUM, {})[0][0] == 1
