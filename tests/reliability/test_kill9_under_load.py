"""kill -9 of the whole server under load loses no acknowledged write, on both databases.

`size(5, 50)` rounds: 4 client threads POST and DELETE IPsec CA entries of CA
certificates installed beforehand (in the cluster and in an SVM) as fast as the server
answers; after a random 0.2-0.5 s (0.2-1 s at full size) the server's whole process
group (the server and its workers) gets SIGKILL. Each client owns its certificates
(tests/reliability/owned.py), so its operations on a key are in order and the expected
state of every entry is exact, except for the writes in flight at the kill, whose key is
"either" until it is read.

After each kill, before the restart, the SQLite file as the kill left it passes `PRAGMA
integrity_check`; after the restart on the same data dir (or database), every
acknowledged POST's entry is listed and every acknowledged DELETE's entry is not, over
the API and directly in the database, the two agree, and nothing is half-written (no
entry without its certificate, of another scope, of a missing SVM, or twice).
"""

from __future__ import annotations

import random
import threading
import time
from pathlib import Path

import pytest

from tests.reliability.load import (
    Clock,
    certificates_over_api,
    client,
    kill_group,
    listed_over_api,
    report,
    start_group,
    stored,
    stored_sqlite,
)
from tests.reliability.owned import acked, owners_with_keys, unanswered, worker_loop
from tests.reliability.sizes import size

ROUNDS = size(5, 50)
WORKERS = 4
KEYS_PER_WORKER = 6
LOAD_MAX = size(5, 10) / 10  # seconds of load before a kill, at most


@pytest.mark.parametrize("db", ["sqlite", "postgresql"])
def test_kill_9_under_load_loses_no_acknowledged_write(
    db: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    database = None if db == "sqlite" else str(request.getfixturevalue("pg_url"))
    data_dir, logs = tmp_path / "data", tmp_path / "logs"
    clock = Clock()
    rng = random.Random(20261202)
    server = start_group(data_dir, logs, database=database)
    try:
        with client(server) as http:
            owners = owners_with_keys(http, WORKERS, KEYS_PER_WORKER, "kill9")
        keys = {k for o in owners for k in o.scopes}
        either = exact = 0
        for round_ in range(ROUNDS):
            stop = threading.Event()
            threads = [
                threading.Thread(
                    target=worker_loop(
                        o,
                        lambda s=server: client(s),
                        stop,
                        round_ * 100 + o.worker,
                        end_on_no_answer=True,
                    ),
                    daemon=True,
                )  # fmt: skip
                for o in owners
            ]
            for t in threads:
                t.start()
            time.sleep(rng.uniform(0.2, LOAD_MAX))
            kill_group(server)
            stop.set()
            for t in threads:
                t.join(timeout=30)
                assert not t.is_alive()
            assert server.process.returncode == -9

            if database is None:  # the file as the kill left it
                crashed = stored_sqlite(data_dir / "ontap-ipsec.db")
                assert crashed.integrity == "ok", crashed.integrity
                assert crashed.broken == {}, crashed.broken

            server = start_group(data_dir, logs, database=database)
            with client(server) as http:
                entries = listed_over_api(http)
                certs = certificates_over_api(http)
            listed = {e["certificate"]["uuid"] for e in entries}
            assert len(listed) == len(entries), "an entry listed twice"
            assert listed <= keys, f"entries nobody added: {listed - keys}"
            for e in entries:
                cert = certs[e["certificate"]["uuid"]]
                assert (e.get("svm") or {}).get("uuid") == (cert.get("svm") or {}).get("uuid")
            after = stored(data_dir, database)
            assert after.integrity == "ok" and after.broken == {}, (after.integrity, after.broken)
            assert after.listed == listed, "the database and the API disagree"
            for o in owners:
                e, x = o.settle(listed)
                either, exact = either + e, exact + x
            violations = [v for o in owners for v in o.violations]
            assert not violations, f"round {round_ + 1}: {violations[:5]}"
    finally:
        kill_group(server)
    report(
        f"kill9_under_load[{db}]",
        rounds=ROUNDS,
        clients=WORKERS,
        keys=len(keys),
        acknowledged_writes=acked(owners),
        in_flight_at_kill=unanswered(owners),
        keys_either_after_kill=either,
        keys_checked_exactly=exact,
        lost=0,
        ghost=0,
        wall_seconds=clock(),
    )
