"""Compiled-once SQL for reads, run on a DB-API connection.

Building and compiling a SQLAlchemy statement costs a hundred times more than
SQLite takes to answer it. Reads therefore cache the compiled SQL of each query
shape and execute it directly on the driver, applying SQLAlchemy's own bind
processors so values are stored and compared exactly as Core writes them.
"""

from __future__ import annotations

import contextlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

_CACHE_SIZE = 512


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
    """Prepared statements by shape, and a per-thread autocommit read connection."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._cache: OrderedDict[Any, Prepared] = OrderedDict()
        self._lock = threading.Lock()
        self._local = threading.local()
        self._opened: list[Any] = []  # every pooled connection handed to a thread

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
        self, prepared: Prepared, values: dict[str, Any], conn: Connection | None = None
    ) -> Sequence[Any]:
        """All rows; on `conn` (inside a transaction) or on the thread's read connection."""
        params = prepared.parameters(values)
        if conn is not None:
            cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
            cursor.execute(prepared.sql, params)
            rows = cursor.fetchall() if cursor.description else []
            cursor.close()
            return rows
        raw = self._local.__dict__.get("conn") or self._connection()
        try:
            cursor = raw.cursor()
            cursor.execute(prepared.sql, params)
            rows = cursor.fetchall()
            cursor.close()
            return rows
        except self.engine.dialect.loaded_dbapi.OperationalError:
            self._drop()
            raise

    def change(self, prepared: Prepared, values: dict[str, Any], conn: Connection) -> int:
        """Run a prepared INSERT/UPDATE/DELETE inside `conn`'s transaction; rows affected."""
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        params = prepared.parameters(values)
        try:
            cursor.execute(prepared.sql, params)
            return int(cursor.rowcount)
        except self.engine.dialect.loaded_dbapi.IntegrityError as exc:
            raise IntegrityError(prepared.sql, params, exc) from exc
        finally:
            cursor.close()

    def _connection(self) -> Any:
        raw = getattr(self._local, "conn", None)
        if raw is None:
            pooled = self.engine.raw_connection()
            driver: Any = pooled.driver_connection
            if self.engine.dialect.name == "postgresql":
                driver.autocommit = True
            self._local.pooled = pooled
            self._local.conn = raw = driver
            with self._lock:
                self._opened.append(pooled)
        return raw

    def _drop(self) -> None:
        pooled = getattr(self._local, "pooled", None)
        self._local.conn = None
        self._local.pooled = None
        if pooled is not None:
            pooled.invalidate()

    def close(self) -> None:
        """Close every read connection, whichever thread opened it."""
        with self._lock:
            opened, self._opened = self._opened, []
            self._local = threading.local()
        for pooled in opened:
            with contextlib.suppress(Exception):  # closing is best effort
                pooled.invalidate()
