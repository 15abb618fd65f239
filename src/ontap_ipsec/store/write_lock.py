"""One writer at a time across the processes sharing a SQLite file, woken at once.

SQLite already allows a single writer; a second one waiting on the database lock
sleeps and polls (1, 2, 5, 10... ms). With several workers that sleep, not the
write, would be most of a contended request. Taking an advisory lock on a file
beside the database first makes the waiter sleep in the kernel and wake the
moment the holder is done. Threads of one process queue on an in-process lock
first (an advisory lock is held per open file, so it does not part them).
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class WriteLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None
        self._pid = 0
        self._threads = threading.RLock()
        self._depth = 0

    @contextmanager
    def held(self) -> Iterator[None]:
        with self._threads:
            if self._depth == 0:
                fcntl.flock(self._file(), fcntl.LOCK_EX)
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    fcntl.flock(self._file(), fcntl.LOCK_UN)

    @contextmanager
    def held_if_free(self) -> Iterator[bool]:
        """Hold the lock if no thread or process has it now (True), without waiting; else
        yield False and hold nothing. Inside, :meth:`held` re-enters at no cost."""
        if not self._threads.acquire(blocking=False):
            yield False
            return
        try:
            if self._depth == 0:
                try:
                    fcntl.flock(self._file(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    yield False
                    return
            self._depth += 1
            try:
                yield True
            finally:
                self._depth -= 1
                if self._depth == 0:
                    fcntl.flock(self._file(), fcntl.LOCK_UN)
        finally:
            self._threads.release()

    def _file(self) -> int:
        if self._fd is None or self._pid != os.getpid():  # not an fd inherited across fork
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self._pid = os.getpid()
        return self._fd

    def close(self) -> None:
        with self._threads:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None


class NoLock:
    """For databases that arbitrate their own writers (PostgreSQL, SQLite in memory)."""

    @contextmanager
    def held(self) -> Iterator[None]:
        yield

    @contextmanager
    def held_if_free(self) -> Iterator[bool]:
        yield False  # whether the database would make a writer wait is not known here

    def close(self) -> None:
        pass


def for_url(url: str) -> WriteLock | NoLock:
    prefix = "sqlite:///"
    if not url.startswith(prefix) or url[len(prefix) :] in ("", ":memory:"):
        return NoLock()
    return WriteLock(Path(url[len(prefix) :] + "-writer.lock"))
