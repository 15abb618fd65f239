"""The test toolkit's own storage: fault rules, the request journal, its settings.

Kept in a SQLite file of its own in the data dir (`toolkit.db`), never in the API's
database: a journal entry or a fault's counter is written on reads too, and written
there it would retire every answer of the response cache and show up in backups. Every
worker process of a server opens the same file, so a rule added through one worker is
applied by all, and the journal holds the requests of all.

Workers learn that the rules or settings changed from a generation counter in a small
file mapped into memory (`toolkit.gen`): reading it costs a memory load, so a request
pays nothing for the toolkit while it is idle.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import mmap
import os
import sqlite3
import struct
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ontap_ipsec.store.engine import private_file

_SCHEMA = """
CREATE TABLE IF NOT EXISTS faults (
    id TEXT PRIMARY KEY,
    rule TEXT NOT NULL,
    matched INTEGER NOT NULL DEFAULT 0,
    fired INTEGER NOT NULL DEFAULT 0,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS journal (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    test_id TEXT,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    status INTEGER NOT NULL,
    entry TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS journal_test ON journal (test_id, id);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class ToolkitStore:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "toolkit.db"
        self._gen_path = data_dir / "toolkit.gen"
        self._local = threading.local()
        self._map: mmap.mmap | None = None
        self._map_pid = 0
        self._opened: list[tuple[int, sqlite3.Connection]] = []  # (pid, conn), every thread
        self._opened_lock = threading.Lock()
        with self._connection() as conn:
            conn.executescript(_SCHEMA)

    # -- the generation ------------------------------------------------------------

    def generation(self) -> int:
        """The counter every change of rules or settings bumps (any process)."""
        if self._map is None or self._map_pid != os.getpid():
            self._open_map()
        assert self._map is not None
        return int(struct.unpack_from("<Q", self._map, 0)[0])

    def _open_map(self) -> None:
        fd = os.open(self._gen_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            if os.fstat(fd).st_size < 8:
                os.ftruncate(fd, 8)
            self._map = mmap.mmap(fd, 8)
            self._map_pid = os.getpid()
        finally:
            os.close(fd)

    def _bump(self) -> None:
        self.generation()
        assert self._map is not None
        fd = os.open(self._gen_path, os.O_RDWR | os.O_CLOEXEC)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            value = struct.unpack_from("<Q", self._map, 0)[0]
            struct.pack_into("<Q", self._map, 0, value + 1)
            self._map.flush()
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    # -- connections -----------------------------------------------------------------

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        conn = self._local.__dict__.get("conn")
        if conn is None or self._local.__dict__.get("pid") != os.getpid():
            private_file(self.path)  # the journal holds requests, if not their secrets
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=OFF")  # test state: speed over durability
            conn.execute("PRAGMA busy_timeout=5000")
            self._local.conn, self._local.pid = conn, os.getpid()
            with self._opened_lock:
                self._opened.append((os.getpid(), conn))
        yield conn

    def close(self) -> None:
        """Close every connection this process opened (the server is stopping); never one
        a parent process opened before a fork."""
        with self._opened_lock:
            opened, self._opened = self._opened, []
            self._local = threading.local()
        for pid, conn in opened:
            if pid == os.getpid():
                with contextlib.suppress(sqlite3.Error):
                    conn.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._connection() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    # -- settings --------------------------------------------------------------------

    def settings(self) -> dict[str, Any]:
        with self._connection() as conn:
            rows = conn.execute("SELECT key, value FROM settings").fetchall()
        return {k: json.loads(v) for k, v in rows}

    def set_setting(self, key: str, value: Any) -> None:
        with self._transaction() as conn:
            conn.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, json.dumps(value)),
            )
        self._bump()

    # -- faults ----------------------------------------------------------------------

    def faults(self) -> list[tuple[str, dict[str, Any], int, int]]:
        """(id, rule, matched, fired) of every rule, oldest first."""
        with self._connection() as conn:
            rows = conn.execute(
                "SELECT id, rule, matched, fired FROM faults ORDER BY created, id"
            ).fetchall()
        return [(i, json.loads(r), m, f) for i, r, m, f in rows]

    def add_fault(self, fault_id: str, rule: dict[str, Any], created: float) -> None:
        with self._transaction() as conn:
            conn.execute(
                "INSERT INTO faults (id, rule, created) VALUES (?, ?, ?)",
                (fault_id, json.dumps(rule, sort_keys=True), created),
            )
        self._bump()

    def remove_faults(self, fault_id: str | None = None) -> int:
        with self._transaction() as conn:
            if fault_id is None:
                removed = conn.execute("DELETE FROM faults").rowcount
            else:
                removed = conn.execute("DELETE FROM faults WHERE id = ?", (fault_id,)).rowcount
        self._bump()
        return int(removed)

    def count_match(self, fault_id: str, decide: Any) -> bool:
        """Count one more call matching the rule, and whether it fires: `decide(matched,
        fired)` is asked with the counts including this call, under the file's write lock,
        so that workers never fire a rule more often than it says."""
        with self._transaction() as conn:
            row = conn.execute(
                "SELECT matched, fired FROM faults WHERE id = ?", (fault_id,)
            ).fetchone()
            if row is None:  # removed meanwhile
                return False
            matched, fired = row[0] + 1, row[1]
            fires = bool(decide(matched, fired))
            conn.execute(
                "UPDATE faults SET matched = ?, fired = ? WHERE id = ?",
                (matched, fired + (1 if fires else 0), fault_id),
            )
        return fires

    # -- the journal -----------------------------------------------------------------

    def record(
        self,
        test_id: str | None,
        method: str,
        path: str,
        status: int,
        entry: dict[str, Any],
        keep: int,
    ) -> None:
        with self._transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO journal (test_id, method, path, status, entry) VALUES (?, ?, ?, ?, ?)",
                (test_id, method, path, status, json.dumps(entry)),
            )
            newest = cursor.lastrowid or 0
            if newest % 64 == 0 or newest <= keep:  # trim now and then, not on every call
                conn.execute("DELETE FROM journal WHERE id <= ?", (newest - keep,))

    def entries(
        self,
        *,
        test_id: str | None = None,
        method: str | None = None,
        path_like: str | None = None,
        status: int | None = None,
        keep: int,
    ) -> Sequence[dict[str, Any]]:
        """The journal's newest `keep` entries that match, oldest first."""
        where: list[str] = ["1 = 1"]
        values: list[Any] = []
        if test_id is not None:
            where.append("test_id = ?")
            values.append(test_id)
        if method is not None:
            where.append("method = ?")
            values.append(method.upper())
        if path_like is not None:
            where.append("path GLOB ?")
            values.append(path_like)
        if status is not None:
            where.append("status = ?")
            values.append(status)
        with self._connection() as conn:
            newest = conn.execute("SELECT COALESCE(MAX(id), 0) FROM journal").fetchone()[0]
            rows = conn.execute(
                f"SELECT id, entry FROM journal WHERE {' AND '.join(where)} AND id > ? ORDER BY id",
                (*values, newest - keep),
            ).fetchall()
        return [{"id": i, **json.loads(e)} for i, e in rows]

    def clear_journal(self) -> None:
        with self._transaction() as conn:
            conn.execute("DELETE FROM journal")
