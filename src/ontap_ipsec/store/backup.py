"""Backups: an online, consistent copy of the whole state, and its restore.

A backup is a SQLite database file of the project's schema, whichever database the
server runs on: made with SQLite's backup API from a SQLite store (pages copied while
the server goes on writing, consistent as of one moment), or row by row in one
repeatable-read transaction from PostgreSQL. It records its schema revision; a restore
refuses a file of another revision, and replaces every row of the state in one
transaction, so a running server's workers go from the old state to the restored one
with nothing in between (their response caches and remembered credentials see the
commit like any other, and attached strongSwan daemons converge to the restored list).

The counters that the database's triggers keep (account and trust generations) are not
copied: restoring them could move a generation back to a value a process remembers.
The restore's own changes bump them, as every change does.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ontap_ipsec.store import migrate
from ontap_ipsec.store.engine import private_file
from ontap_ipsec.store.tables import metadata

COUNTERS = frozenset({"account_changes", "trust_changes"})
_BATCH = 1000


class BackupError(Exception):
    """A backup that cannot be made or restored; the message says why, for a person."""


@dataclass(frozen=True)
class Summary:
    revision: str
    rows: dict[str, int]

    def __str__(self) -> str:
        shown = ", ".join(f"{n} {t}" for t, n in self.rows.items() if n)
        return f"schema {self.revision}; {shown or 'no rows'}"


def _tables() -> list[sa.Table]:
    return [t for t in metadata.sorted_tables if t.name not in COUNTERS]


def backup(engine: Engine, target: Path) -> Summary:
    """Write the whole state to `target` (a new SQLite file, replaced atomically)."""
    revision = migrate.current_revision(engine)
    if revision is None:
        raise BackupError("the database has no ontap-ipsec schema")
    target = target.resolve()
    fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(fd)
    temp = Path(temp_name)
    try:
        private_file(temp)
        if engine.dialect.name == "sqlite":
            _sqlite_copy(engine, temp)
        else:
            _rows_copy(engine, temp, revision)
        rows = _count(temp)
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return Summary(revision, rows)


def _sqlite_copy(engine: Engine, temp: Path) -> None:
    pooled = engine.raw_connection()
    try:
        source = pooled.driver_connection
        assert source is not None
        with sqlite3.connect(temp) as copy:
            source.backup(copy)  # online: pages copied while others write, one snapshot
        copy.close()
    finally:
        pooled.close()


def _rows_copy(engine: Engine, temp: Path, revision: str) -> None:
    copy_engine = sa.create_engine(f"sqlite:///{temp}")
    try:
        metadata.create_all(copy_engine)
        with engine.connect() as src, copy_engine.begin() as dst:
            src = src.execution_options(isolation_level="REPEATABLE READ")
            with src.begin():  # one snapshot of every table
                for table in _tables():
                    result = src.execute(sa.select(table))
                    while batch := result.mappings().fetchmany(_BATCH):
                        dst.execute(table.insert(), [dict(r) for r in batch])
            dst.execute(sa.text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
            dst.execute(sa.text("INSERT INTO alembic_version VALUES (:v)"), {"v": revision})
    finally:
        copy_engine.dispose()


def _count(path: Path) -> dict[str, int]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return {
            t.name: conn.execute(f'SELECT COUNT(*) FROM "{t.name}"').fetchone()[0]
            for t in _tables()
        }


def revision_of(path: Path) -> str:
    """The schema revision a backup file records, or a BackupError saying what it is not."""
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not an ontap-ipsec backup ({exc})") from None
    if row is None:
        raise BackupError(f"{path} is not an ontap-ipsec backup (no schema revision)")
    return str(row[0])


def restore(store_engine: Engine, write: object, source: Path) -> Summary:
    """Replace the whole state with `source`'s, in one transaction of `write()` (the
    store's SQLAlchemy write transaction, which takes the writers' lock)."""
    revision = revision_of(source)
    current = migrate.current_revision(store_engine)
    if revision != current:
        raise BackupError(
            f"{source} is a backup of schema revision {revision}; this database is at "
            f"{current}. Restore it with the ontap-ipsec release that made it, or make "
            "a new backup."
        )
    copy_engine = sa.create_engine(f"sqlite:///file:{source}?mode=ro&uri=true")
    rows: dict[str, int] = {}
    try:
        with copy_engine.connect() as src, write() as dst:  # type: ignore[operator]
            for table in reversed(_tables()):
                dst.execute(table.delete())
            for table in _tables():
                result = src.execute(sa.select(table))
                rows[table.name] = 0
                while batch := result.mappings().fetchmany(_BATCH):
                    dst.execute(table.insert(), [dict(r) for r in batch])
                    rows[table.name] += len(batch)
    finally:
        copy_engine.dispose()
    return Summary(revision, rows)
