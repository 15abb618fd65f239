"""A write that waits does not hold up the reads of its worker.

A write waiting for the database's write lock (held here by the test, as another worker or
process would hold it) runs in one of the app's writer threads; meanwhile the same single
worker still answers GETs, from the response cache and from the database. Were writes run
on the event loop, the GETs below would wait for the lock too and the test would fail.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.server.conftest import ServerFactory

PASSWORD = "off-loop-pw"
WAIT = 10.0  # the clients' timeout: an upper bound for any answer that should come at once


@pytest.mark.parametrize("server", ["granian", "uvicorn"])
def test_a_get_is_answered_while_a_write_waits_for_the_lock(
    start_server: ServerFactory, tmp_path: Path, server: str
) -> None:
    data = tmp_path / "data"
    running = start_server(
        data, admin_password=PASSWORD, extra_args=("--server", server, "--workers", "1")
    )
    lock_path = data / "ontap-ipsec.db-writer.lock"
    with running.client(running.auth) as api:
        assert api.get("/api/cluster").status_code == 200
        assert api.get("/api/cluster").status_code == 200  # now kept by the response cache
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        outcome: dict[str, object] = {}
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # every writer of the server now waits

            def write() -> None:
                with running.client(running.auth) as writer:
                    outcome["post"] = writer.post("/api/svm/svms", json={"name": "vs1"})

            poster = threading.Thread(target=write)
            poster.start()
            time.sleep(0.5)
            assert "post" not in outcome, "the write did not wait for the lock"
            started = time.monotonic()
            cached = api.get("/api/cluster")
            uncached = api.get("/api/svm/svms?fields=name")
            answered_in = time.monotonic() - started
            assert (cached.status_code, uncached.status_code) == (200, 200)
            assert uncached.json()["num_records"] == 0
            assert "post" not in outcome, "the write finished while the lock was held"
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
        poster.join(timeout=WAIT)
        assert not poster.is_alive()
        response = outcome["post"]
        assert isinstance(response, httpx.Response) and response.status_code == 202
        assert api.get("/api/svm/svms").json()["num_records"] == 1
    assert answered_in < WAIT
