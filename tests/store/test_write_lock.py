"""Writers across processes queue on the write lock and are woken as soon as it is free."""

from __future__ import annotations

import subprocess
import sys
import textwrap
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


def test_a_writer_waits_for_another_process_and_goes_when_it_is_done(tmp_path: Path) -> None:
    path = tmp_path / "db-writer.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path), "0.5"], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "held"
    lock = WriteLock(path)
    t0 = time.monotonic()
    with lock.held():
        waited = time.monotonic() - t0  # the holder kept it for 0.5 s after saying so
    holder.wait(timeout=10)
    assert waited >= 0.3
    lock.close()


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
