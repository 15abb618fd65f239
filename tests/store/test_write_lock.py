"""Writers across processes queue on the write lock and are woken as soon as it is free."""

from __future__ import annotations

import select
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

from ontap_ipsec.store.write_lock import NoLock, WriteLock, for_url

HOLD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from ontap_ipsec.store.write_lock import WriteLock
    lock = WriteLock(Path(sys.argv[1]))
    with lock.held():
        print("held", flush=True)
        time.sleep(float(sys.argv[2]))
    """
)


HELD_FOR = 0.5  # seconds the other process keeps the lock after saying it holds it
LATE = 1.0  # how much longer than that the waiter may take to get it, at most
TIMEOUT = 10.0  # for each step: the test fails rather than hang


def test_a_writer_waits_for_another_process_and_goes_when_it_is_done(tmp_path: Path) -> None:
    path = tmp_path / "db-writer.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path), str(HELD_FOR)], stdout=subprocess.PIPE, text=True
    )
    lock = WriteLock(path)
    waited: list[float] = []

    def take() -> None:
        t0 = time.monotonic()
        with lock.held():
            waited.append(time.monotonic() - t0)

    taker = threading.Thread(target=take, daemon=True)
    try:
        assert holder.stdout is not None
        ready, _, _ = select.select([holder.stdout], [], [], TIMEOUT)
        assert ready, f"the other process did not say it holds the lock within {TIMEOUT}s"
        assert holder.stdout.readline().strip() == "held"
        taker.start()
        taker.join(timeout=TIMEOUT)
        assert not taker.is_alive(), f"the writer did not get the lock within {TIMEOUT}s"
        holder.wait(timeout=TIMEOUT)
    finally:
        holder.kill()  # also lets go of the lock, should a writer still wait for it
        holder.wait(timeout=TIMEOUT)
    lock.close()
    # the holder kept it for HELD_FOR after saying so; the writer got it once it was let go
    assert waited[0] >= 0.3
    assert waited[0] <= HELD_FOR + LATE, waited


def test_the_lock_is_reentrant_within_a_thread(tmp_path: Path) -> None:
    lock = WriteLock(tmp_path / "x.lock")
    with lock.held(), lock.held():
        pass
    with lock.held():  # released by the outer exit, free again
        pass
    lock.close()


def test_only_sqlite_files_get_a_lock(tmp_path: Path) -> None:
    assert isinstance(for_url(f"sqlite:///{tmp_path / 'a.db'}"), WriteLock)
    assert for_url(f"sqlite:///{tmp_path / 'a.db'}").path == tmp_path / "a.db-writer.lock"  # type: ignore[union-attr]
    assert isinstance(for_url("sqlite:///:memory:"), NoLock)
    assert isinstance(for_url("postgresql+psycopg://u@h/db"), NoLock)
