"""Compiled-once SQL for reads, run on a DB-API connection.

Building and compiling a SQLAlchemy statement costs a hundred times more than
SQLite takes to answer it. Reads therefore cache the compiled SQL of each query
shape and execute it directly on the driver, applying SQLAlchemy's own bind
processors so values are stored and compared exactly as Core writes them.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from ontap_ipsec.store.write_lock import NoLock

_CACHE_SIZE = 512
_EPOCHS = itertools.count(1)  # one per connection opened: versions of two never compare equal


class Version(NamedTuple):
    """A read connection's view of the database (see :meth:`Reader.version`)."""

    epoch: int  # the connection's: counters of two connections never compare
    data: int  # SQLite's data_version: moves with every commit of another connection


@dataclass(frozen=True)
class Prepared:
    sql: str
    names: tuple[str, ...] | None  # positional order, or None for named parameters
    static: dict[str, Any]  # values the statement carries itself (literals)
    processors: dict[str, Callable[[Any], Any]]

    def parameters(self, values: dict[str, Any]) -> Any:
        merged = dict(self.static)
        merged.update(values)
        for name, process in self.processors.items():
            value = merged.get(name)
            if value is not None:
                merged[name] = process(value)
        if self.names is None:
            return merged
        return tuple([merged[n] for n in self.names])


class Reader:
    """Prepared statements by shape, run on per-thread driver connections.

    Reads use an autocommit connection; :meth:`transaction` gives hot write paths a
    connection of their own with explicit transactions.
    """

    def __init__(self, engine: Engine, write_lock: Any = None) -> None:
        self.engine = engine
        self.write_lock = write_lock if write_lock is not None else NoLock()
        self._cache: OrderedDict[Any, Prepared] = OrderedDict()
        self._lock = threading.Lock()
        self._local = threading.local()
        self._held: weakref.WeakSet[_Held] = weakref.WeakSet()  # connections threads hold

    def prepare(self, key: Any, build: Callable[[], Any]) -> Prepared:
        found = self._cache.get(key)  # a plain read: safe under the GIL, no lock on hits
        if found is not None:
            return found
        prepared = self._compile(build())
        with self._lock:
            self._cache[key] = prepared
            while len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return prepared

    def _compile(self, stmt: Any) -> Prepared:
        dialect = self.engine.dialect
        compiled = stmt.compile(dialect=dialect)
        processors = {}
        for name, bind in compiled.binds.items():
            process = bind.type._cached_bind_processor(dialect)
            if process is not None:
                processors[name] = process
        names = tuple(compiled.positiontup) if compiled.positional else None
        return Prepared(str(compiled), names, compiled.construct_params(), processors)

    def fetch(
        self, prepared: Prepared, values: dict[str, Any], conn: Conn | None = None
    ) -> Sequence[Any]:
        """All rows; inside `conn`'s transaction, or on the thread's read connection."""
        params = prepared.parameters(values)
        if conn is not None:
            return _rows(_driver(conn), prepared.sql, params)
        raw = self._local.__dict__.get("reads") or self._open("reads", autocommit=True)
        try:
            return _rows(raw, prepared.sql, params)
        except self.engine.dialect.loaded_dbapi.OperationalError:
            self._drop("reads")
            raise

    def version(self) -> Version | None:
        """What this thread's read connection has seen committed, or None if unknowable.

        On SQLite, ``data_version`` changes whenever any other connection (of this
        process or another) has committed since it was last asked; reads never write
        on this connection, so every commit moves it. Two equal versions mean no
        commit in between. PostgreSQL has no such counter: None, and nothing is cached.
        """
        if self.engine.dialect.name != "sqlite":
            return None
        if self._local.__dict__.get("reads") is None:
            self._open("reads", autocommit=True)
        held = self._local.reads_held
        try:
            cursor = held.version_cursor
            if cursor is None:
                cursor = held.version_cursor = held.driver.cursor()
            cursor.execute("PRAGMA data_version")
            return Version(held.epoch, cursor.fetchone()[0])
        except self.engine.dialect.loaded_dbapi.OperationalError:
            self._drop("reads")
            raise

    def accounts_generation(self) -> int:
        """The count the database's triggers keep of changes to the accounts table."""
        return int(self.fetch(_ACCOUNT_CHANGES, {})[0][0])

    def change(self, prepared: Prepared, values: dict[str, Any], conn: Conn) -> int:
        """Run a prepared INSERT/UPDATE/DELETE inside `conn`'s transaction; rows affected."""
        cursor = _driver(conn).cursor()
        params = prepared.parameters(values)
        try:
            cursor.execute(prepared.sql, params)
            return int(cursor.rowcount)
        except self.engine.dialect.loaded_dbapi.IntegrityError as exc:
            raise IntegrityError(prepared.sql, params, exc) from exc
        finally:
            cursor.close()

    @contextmanager
    def transaction(self) -> Iterator[RawTransaction]:
        """One write transaction on the thread's own write connection, without SQLAlchemy's
        per-transaction overhead; for handlers that only run prepared statements."""
        with self.write_lock.held():
            yield from self._transaction()

    def _transaction(self) -> Iterator[RawTransaction]:
        raw = self._local.__dict__.get("writes") or self._open("writes", autocommit=False)
        try:
            if self.engine.dialect.name == "sqlite":
                raw.execute("BEGIN IMMEDIATE")  # take the write lock before reading
            yield RawTransaction(raw)
        except BaseException as exc:
            try:
                raw.rollback()
            except Exception:  # noqa: BLE001 - a broken connection is replaced below
                self._drop("writes")
            if isinstance(exc, self.engine.dialect.loaded_dbapi.OperationalError):
                self._drop("writes")
            raise
        else:
            raw.commit()

    def _open(self, role: str, *, autocommit: bool) -> Any:
        held = _Held(
            self.engine.raw_connection(), postgres=self.engine.dialect.name == "postgresql"
        )
        if held.postgres:
            held.driver.autocommit = autocommit
        setattr(self._local, role, held.driver)
        setattr(self._local, role + "_held", held)
        self._held.add(held)
        return held.driver

    def _drop(self, role: str) -> None:
        held = getattr(self._local, role + "_held", None)
        setattr(self._local, role, None)
        setattr(self._local, role + "_held", None)
        if held is not None:
            held.discard()

    def close(self) -> None:
        """Close every connection handed out, whichever thread holds it."""
        with self._lock:
            held, self._held = list(self._held), weakref.WeakSet()
            self._local = threading.local()
        for one in held:
            one.discard()


class _Held:
    """A pooled connection kept by one thread; back to the pool when the thread ends."""

    def __init__(self, pooled: Any, *, postgres: bool) -> None:
        self.pooled = pooled
        self.driver: Any = pooled.driver_connection
        self.postgres = postgres
        self.epoch = next(_EPOCHS)
        self.version_cursor: Any = None

    def discard(self) -> None:
        with contextlib.suppress(Exception):  # closing is best effort
            self.pooled.invalidate()

    def __del__(self) -> None:  # the thread's locals are gone: return the connection
        with contextlib.suppress(Exception):
            if self.postgres:
                self.driver.autocommit = False
            self.pooled.close()


_ACCOUNT_CHANGES = Prepared(
    "SELECT generation FROM account_changes WHERE id = 1", names=(), static={}, processors={}
)


class RawTransaction:
    """A driver connection inside a transaction begun by :meth:`Reader.transaction`."""

    def __init__(self, driver: Any) -> None:
        self.driver = driver


Conn = Connection | RawTransaction


def _driver(conn: Conn) -> Any:
    if isinstance(conn, RawTransaction):
        return conn.driver
    return conn.connection.driver_connection


def _rows(driver: Any, sql: str, params: Any) -> Sequence[Any]:
    cursor = driver.cursor()
    try:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []
    finally:
        cursor.close()
