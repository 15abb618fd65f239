"""Engine set-up for SQLite (the embedded default) and PostgreSQL.

SQLite runs in WAL mode with ``synchronous=NORMAL``: a committed write is in
the WAL before the response leaves, so it survives the process being killed.
Write transactions take the write lock up front (``BEGIN IMMEDIATE``) so that a
read-check-write sequence cannot interleave with another process's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ontap_ipsec.store import write_lock
from ontap_ipsec.store.prepared import Reader


def create_engine(url: str) -> Engine:
    # Threads keep a connection each for prepared reads and writes (store/prepared.py):
    # past the pool's size, connections are opened as needed rather than waited for.
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"check_same_thread": False}, max_overflow=-1)
        _configure_sqlite(engine)
        return engine
    return sa.create_engine(url, pool_pre_ping=True, max_overflow=-1)


def _configure_sqlite(engine: Engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
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
    """The database behind one application: read and write transactions."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self.write_lock = write_lock.for_url(engine.url.render_as_string(hide_password=True))
        self.reader = Reader(engine, self.write_lock)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One state change, one transaction."""
        with self.write_lock.held(), self.engine.connect() as conn:
            conn = conn.execution_options(ontap_write=True)
            with conn.begin():
                yield conn

    def dispose(self) -> None:
        self.reader.close()
        self.engine.dispose()
        self.write_lock.close()
