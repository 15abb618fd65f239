"""PostgreSQL restarted under load: 503 in the gap, recovery without a restart of serve.

The test runs a PostgreSQL server of its own (tests/reliability/postgres_instance.py;
the shared one serves other tests meanwhile), puts `ontap-ipsec serve` on it and four
clients writing IPsec CA entries (each owning its keys, tests/reliability/owned.py) and
one reading the list, then restarts PostgreSQL `size(1, 5)` times (`pg_ctl stop -m
fast`, 2 s down, start). Every request gets a complete answer within the client's
timeout (no hang); none is a 500 or anything but the normal answers and, while the
database is away, ONTAP's envelope with status 503 and code 262160. After PostgreSQL is
back, writes are acknowledged again within seconds by the same serve processes, and
at the end every acknowledged write is as acknowledged, over the API and in the
database. A write answered 503 may have been committed just before the connection was
cut (PostgreSQL finishes a COMMIT it received), so its key is "either" until read.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from tests.reliability.load import (
    IPSEC,
    Clock,
    Op,
    call,
    client,
    group,
    listed_over_api,
    report,
    stored_postgresql,
)
from tests.reliability.owned import Owned, acked, owners_with_keys, worker_loop
from tests.reliability.postgres_instance import own_postgresql
from tests.reliability.sizes import size
from tests.server.process import Server

RESTARTS = size(1, 5)
WORKERS = 4
KEYS_PER_WORKER = 4
DOWN_SECONDS = 2.0
RECOVERY_LIMIT = 10.0  # seconds after PostgreSQL is back by which writes must succeed
BUSY = "262160"


def reader(server: Server, stop: threading.Event, out: list[Op]) -> Callable[[], None]:
    def run() -> None:
        with client(server) as http:
            while not stop.is_set():
                out.append(call(http, 99, "list", "", "GET", f"{IPSEC}?fields=scope"))
                stop.wait(0.02)

    return run


def test_postgresql_restart_answers_503_then_recovers(tmp_path: Path) -> None:
    clock = Clock()
    data_dir, logs = tmp_path / "data", tmp_path / "logs"
    with own_postgresql() as pg, group(data_dir, logs, database=pg.url) as server:
        with client(server) as http:
            owners = owners_with_keys(http, WORKERS, KEYS_PER_WORKER, "pg-restart")
        stop = threading.Event()
        reads: list[Op] = []
        threads = [
            threading.Thread(
                target=worker_loop(
                    o, lambda: client(server), stop, o.worker, end_on_no_answer=False
                ),
                daemon=True,
            )
            for o in owners
        ]
        threads.append(threading.Thread(target=reader(server, stop, reads), daemon=True))
        for t in threads:
            t.start()
        gaps: list[tuple[float, float]] = []
        recoveries: list[float] = []
        try:
            time.sleep(1.0)
            for _ in range(RESTARTS):
                down = time.monotonic()
                pg.stop("fast")
                time.sleep(DOWN_SECONDS)
                pg.start()
                up = time.monotonic()
                gaps.append((down, up))
                recoveries.append(_wait_for_writes(owners, up))
                time.sleep(0.5)
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=60)
        assert not any(t.is_alive() for t in threads), "a client hangs"

        ops = [op for o in owners for op in o.ops] + reads
        unanswered = [op for op in ops if op.status is None]
        assert not unanswered, f"requests without an answer (hangs, drops): {unanswered[:3]}"
        wrong = [op for op in ops if op.status >= 500 and (op.status != 503 or op.code != BUSY)]
        assert not wrong, f"answers that are not ONTAP's 503 envelope: {wrong[:3]}"
        for op in ops:
            if op.status == 503:
                assert isinstance(op.body["error"]["message"], str) and op.body["error"]["message"]
        busy = [op for op in ops if op.status == 503]
        assert busy, "no request met the database away: the restart was not under load"
        for op in busy:  # only while PostgreSQL was away (or its connections being replaced)
            assert any(d - 0.5 <= op.start and op.end <= u + RECOVERY_LIMIT for d, u in gaps), op
        slowest = max(op.end - op.start for op in ops)
        assert slowest < 15, f"a request took {slowest:.1f}s"

        with client(server) as http:
            listed = {e["certificate"]["uuid"] for e in listed_over_api(http)}
        assert stored_postgresql(pg.url).listed == listed
        assert not stored_postgresql(pg.url).broken
        for o in owners:
            o.settle(listed)
        violations = [v for o in owners for v in o.violations]
        assert not violations, violations[:5]
        assert server.process.poll() is None, "serve exited"
        log = server.output()  # a line per refused request, no traceback
        assert "database unavailable: " in log and "Traceback" not in log, log[-3000:]
    report(
        "postgresql_restart",
        restarts=RESTARTS,
        down_seconds=DOWN_SECONDS,
        requests=len(ops),
        acknowledged_writes=acked(owners),
        answered_503=len(busy),
        other_5xx=0,
        unanswered=0,
        recovery_seconds=[round(r, 2) for r in recoveries],
        slowest_request_seconds=round(slowest, 2),
        lost=0,
        wall_seconds=clock(),
    )


def _wait_for_writes(owners: list[Owned], up: float) -> float:
    """Seconds from PostgreSQL's start until every client has had a write acknowledged
    (the service recovered by itself); fails past RECOVERY_LIMIT."""
    deadline = up + RECOVERY_LIMIT
    while time.monotonic() < deadline:
        firsts = [
            next((op.end for op in list(o.ops) if op.acked and op.start > up), None) for o in owners
        ]
        if all(f is not None for f in firsts):
            return max(firsts) - up  # type: ignore[type-var, operator]
        time.sleep(0.05)
    raise AssertionError(f"writes not acknowledged {RECOVERY_LIMIT}s after PostgreSQL was back")
