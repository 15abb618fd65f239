"""Compiled-once SQL, run on a DB-API connection: the store's one way to the data.

Building and compiling a SQLAlchemy statement costs a hundred times more than
SQLite takes to answer it. Every statement (a read's shape, a write of a
backend) is therefore compiled once per shape and executed directly on the
driver, applying SQLAlchemy's own bind processors so values are stored and
compared exactly as Core writes them. Driver errors leave as the store's own
(:mod:`ontap_ipsec.store.errors`).
"""

from __future__ import annotations

import contextlib
import itertools
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NamedTuple, NoReturn

from sqlalchemy.engine import Engine

from ontap_ipsec.store.errors import BadData, Conflict, Deadlock, Full, Unavailable
from ontap_ipsec.store.write_lock import NoLock

_CACHE_SIZE = 512
_EPOCHS = itertools.count(1)  # one per connection opened: versions of two never compare equal


class Version(NamedTuple):
    """A read connection's view of the database (see :meth:`Reader.version`)."""

    epoch: int  # the connection's: counters of two connections never compare
    data: int  # SQLite's data_version: moves with every commit of another connection


@dataclass(frozen=True)
class Statement:
    """A statement declared once at module level; compiled on first use per store."""

    key: Any
    build: Callable[[], Any]


def bind_processor(type_: Any, dialect: Any) -> Callable[[Any], Any] | None:
    """The function SQLAlchemy applies to a bound value of `type_` before the driver.

    SQLAlchemy's public ``bind_processor`` is uncached and, for types wrapped by a
    dialect (DateTime on SQLite), not the one Core uses; ``_cached_bind_processor``
    is. It is private, so it is called here only, and a test pins its behaviour.
    """
    return type_._cached_bind_processor(dialect)  # type: ignore[no-any-return]


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
        # Told each transaction's seconds (BEGIN to COMMIT or ROLLBACK, the write lock held)
        # and whether it committed: the metrics (ontap_ipsec.telemetry), when set.
        self.observe_transaction: Callable[[float, bool], None] | None = None

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
            process = bind_processor(bind.type, dialect)
            if process is not None:
                processors[name] = process
        names = tuple(compiled.positiontup) if compiled.positional else None
        return Prepared(str(compiled), names, compiled.construct_params(), processors)

    def compiled(self, statement: Statement | Prepared) -> Prepared:
        if isinstance(statement, Prepared):
            return statement
        return self.prepare(statement.key, statement.build)

    def fetch(self, statement: Statement | Prepared, values: dict[str, Any]) -> Sequence[Any]:
        """All rows, on the thread's read connection (autocommit)."""
        prepared = self.compiled(statement)
        params = prepared.parameters(values)
        raw = self._local.__dict__.get("reads") or self._connect("reads", autocommit=True)
        try:
            return _rows(raw, prepared.sql, params)
        except self._dbapi.OperationalError as exc:
            self._drop("reads")
            _raise_translated(self._dbapi, exc)
        except self._dbapi.Error as exc:
            _raise_translated(self._dbapi, exc)
        except OverflowError as exc:  # sqlite3: an integer past 64 bits
            raise BadData(str(exc)) from exc

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
            self._connect("reads", autocommit=True)
        held = self._local.reads_held
        try:
            cursor = held.version_cursor
            if cursor is None:
                cursor = held.version_cursor = held.driver.cursor()
            cursor.execute("PRAGMA data_version")
            return Version(held.epoch, cursor.fetchone()[0])
        except self._dbapi.OperationalError as exc:
            self._drop("reads")
            raise Unavailable(str(exc)) from exc

    def accounts_generation(self) -> int:
        """The count the database's triggers keep of changes to the accounts table."""
        return int(self.fetch(_ACCOUNT_CHANGES, {})[0][0])

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """One write transaction on the thread's own write connection, without
        SQLAlchemy's per-transaction overhead."""
        with self.write_lock.held():
            observe = self.observe_transaction
            if observe is None:
                yield from self._transaction()
                return
            start = time.perf_counter()
            committed = False
            try:
                yield from self._transaction()
                committed = True
            finally:
                observe(time.perf_counter() - start, committed)

    def _transaction(self) -> Iterator[Tx]:
        dbapi = self._dbapi
        raw = self._local.__dict__.get("writes") or self._connect("writes", autocommit=False)
        try:
            try:
                if self.engine.dialect.name == "sqlite":
                    raw.execute("BEGIN IMMEDIATE")  # take the write lock before reading
            except dbapi.Error as exc:
                _raise_translated(dbapi, exc)
            yield Tx(self, raw)
            try:
                raw.commit()
            except dbapi.Error as exc:
                _raise_translated(dbapi, exc)
            self._local.commits = self.commits() + 1
        except BaseException as exc:
            try:
                raw.rollback()
            except Exception:  # noqa: BLE001 - a broken connection is replaced below
                self._drop("writes")
            if isinstance(exc, Unavailable):
                self._drop("writes")
            raise

    def commits(self) -> int:
        """How many transactions this thread has committed (to tell whether a request
        that failed had already changed something)."""
        return int(self._local.__dict__.get("commits", 0))

    @property
    def _dbapi(self) -> Any:
        return self.engine.dialect.loaded_dbapi

    def _connect(self, role: str, *, autocommit: bool) -> Any:
        try:
            return self._open(role, autocommit=autocommit)
        except self._dbapi.Error as exc:
            _raise_translated(self._dbapi, exc)
        except Exception as exc:  # the pool wraps connection failures in its own types
            raise Unavailable(str(exc)) from exc

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


class Tx:
    """One write transaction begun by :meth:`Reader.transaction`: reads and changes
    inside it, by prepared statement."""

    def __init__(self, reader: Reader, driver: Any) -> None:
        self._reader = reader
        self.driver = driver

    def rows(self, statement: Statement | Prepared, values: dict[str, Any]) -> Sequence[Any]:
        prepared = self._reader.compiled(statement)
        try:
            return _rows(self.driver, prepared.sql, prepared.parameters(values))
        except self._reader._dbapi.Error as exc:
            _raise_translated(self._reader._dbapi, exc)
        except OverflowError as exc:  # sqlite3: an integer past 64 bits
            raise BadData(str(exc)) from exc

    def first(self, statement: Statement | Prepared, values: dict[str, Any]) -> Any:
        found = self.rows(statement, values)
        return found[0] if found else None

    def run(self, statement: Statement | Prepared, values: dict[str, Any]) -> int:
        """An INSERT/UPDATE/DELETE; the number of rows it affected."""
        prepared = self._reader.compiled(statement)
        cursor = self.driver.cursor()
        try:
            cursor.execute(prepared.sql, prepared.parameters(values))
            return int(cursor.rowcount)
        except self._reader._dbapi.Error as exc:
            _raise_translated(self._reader._dbapi, exc)
        except OverflowError as exc:  # sqlite3: an integer past 64 bits
            raise BadData(str(exc)) from exc
        finally:
            cursor.close()

    def run_many(self, statement: Statement | Prepared, rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        prepared = self._reader.compiled(statement)
        cursor = self.driver.cursor()
        try:
            cursor.executemany(prepared.sql, [prepared.parameters(r) for r in rows])
        except self._reader._dbapi.Error as exc:
            _raise_translated(self._reader._dbapi, exc)
        finally:
            cursor.close()


def _raise_translated(dbapi: Any, exc: Exception) -> NoReturn:
    """Raise a driver's exception as the store's own; one it has no name for, as is."""
    translated = _translated(dbapi, exc)
    if translated is None:
        raise exc
    raise translated from exc


def _translated(dbapi: Any, exc: Exception) -> Exception | None:
    if isinstance(exc, dbapi.IntegrityError):
        return Conflict(str(exc))
    if isinstance(exc, dbapi.DataError):
        return BadData(str(exc))
    if _full(exc):
        return Full(str(exc))
    if getattr(exc, "sqlstate", None) in _PG_ROLLED_BACK:
        return Deadlock(str(exc))
    if isinstance(exc, dbapi.OperationalError):
        text = str(exc)
        # SQLite reports some refusals of the statement itself as operational errors.
        if "too large" in text or "too many" in text or "too big" in text:
            return BadData(text, too_large=True)
        return Unavailable(text)
    if isinstance(exc, dbapi.InterfaceError | dbapi.InternalError):
        return Unavailable(str(exc))
    return None  # a programming error: a bug, not the request's


_SQLITE_FULL = 13  # "database or disk is full"
_PG_DISK_FULL = "53100"  # disk_full: "could not extend file ...: No space left on device"
_PG_ROLLED_BACK = ("40P01", "40001")  # deadlock_detected, serialization_failure


def _full(exc: Exception) -> bool:
    """Whether the database refused a write for want of room (sqlite3 and psycopg)."""
    if getattr(exc, "sqlite_errorcode", None) == _SQLITE_FULL:
        return True
    return getattr(exc, "sqlstate", None) == _PG_DISK_FULL


def _rows(driver: Any, sql: str, params: Any) -> Sequence[Any]:
    cursor = driver.cursor()
    try:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []
    finally:
        cursor.close()
