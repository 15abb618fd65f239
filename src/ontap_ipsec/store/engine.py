"""Engine set-up for SQLite (the embedded default) and PostgreSQL.

SQLite runs in WAL mode with ``synchronous=NORMAL``: a committed write is in
the WAL before the response leaves, so it survives the process being killed (a
power loss may take the last commits back). ``synchronous=FULL`` (`serve --sync
full`) also syncs the WAL to the disk at every commit, so that a commit survives
the machine going down, at the cost of one fsync per write.
Write transactions take the write lock up front (``BEGIN IMMEDIATE``) so that a
read-check-write sequence cannot interleave with another process's.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ontap_ipsec.store import write_lock
from ontap_ipsec.store.prepared import Prepared, Reader, Statement, Version


def private_file(path: Path) -> None:
    """Create `path` readable by its owner only, or make it so. SQLite gives its -wal and
    -shm files the database file's mode, so they follow."""
    os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600))
    if path.stat().st_mode & 0o077:
        os.chmod(path, 0o600)


def _sqlite_file(url: str) -> Path | None:
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        return None
    name = url[len(prefix) :].split("?", 1)[0]
    return None if name in ("", ":memory:") else Path(name)


SYNCHRONOUS = {"normal": "NORMAL", "full": "FULL"}


def create_engine(url: str, *, synchronous: str = "normal") -> Engine:
    # Threads keep a connection each for prepared reads and writes (store/prepared.py):
    # past the pool's size, connections are opened as needed rather than waited for.
    if url.startswith("sqlite"):
        path = _sqlite_file(url)
        if path is not None:
            private_file(path)  # the database holds password hashes and sealed keys
        engine = sa.create_engine(url, connect_args={"check_same_thread": False}, max_overflow=-1)
        _configure_sqlite(engine, SYNCHRONOUS[synchronous])
        return engine
    return sa.create_engine(url, pool_pre_ping=True, max_overflow=-1)


def _configure_sqlite(engine: Engine, synchronous: str) -> None:
    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA synchronous={synchronous}")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.execute("PRAGMA case_sensitive_like=ON")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get("ontap_write"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


class Store:
    """The database behind one application.

    Backends and reads use one API: :meth:`rows` outside a transaction,
    :meth:`transaction` for a change (its :class:`Tx` reads and writes inside
    it), both by :class:`Statement` or by a shape prepared with :meth:`prepare`.
    :meth:`write` and :meth:`read` hand out SQLAlchemy connections for start-up
    and administration (bootstrap, accounts, migrations), never for requests.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self.write_lock = write_lock.for_url(engine.url.render_as_string(hide_password=True))
        self.reader = Reader(engine, self.write_lock)

    def rows(self, statement: Statement | Prepared, values: dict[str, Any]) -> Sequence[Any]:
        return self.reader.fetch(statement, values)

    def first(self, statement: Statement | Prepared, values: dict[str, Any]) -> Any:
        found = self.reader.fetch(statement, values)
        return found[0] if found else None

    def prepare(self, key: Any, build: Callable[[], Any]) -> Prepared:
        return self.reader.prepare(key, build)

    def transaction(self) -> Any:
        """``with store.transaction() as tx:`` one change, committed at the end."""
        return self.reader.transaction()

    def version(self) -> Version | None:
        return self.reader.version()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One transaction through SQLAlchemy (start-up and administration)."""
        with self.write_lock.held(), self.engine.connect() as conn:
            conn = conn.execution_options(ontap_write=True)
            with conn.begin():
                yield conn

    def dispose(self) -> None:
        self.reader.close()
        self.engine.dispose()
        self.write_lock.close()
