"""Sessions signed out before their time: a small file of the data dir, shared by the workers.

A session is its sealed cookie, so signing out cannot delete it anywhere; instead its tag (a
digest of its CSRF secret, never the secret) is appended here with the time it would have
expired anyway, and every worker refuses a cookie whose tag is listed. Each request costs
one stat(); the file is read again only when it changed, and rewritten without the entries
past their time when a sign-out finds it long.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
import time
from pathlib import Path

_COMPACT_AT = 1000  # entries


def tag(secret: str) -> str:
    return hashlib.blake2b(secret.encode(), digest_size=16, person=b"console-out").hexdigest()


class Revoked:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._seen: tuple[int, int] | None = None  # (mtime_ns, size) of what was read
        self._until: dict[str, float] = {}

    def add(self, secret: str, until: float) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        line = f"{tag(secret)} {until:.0f}\n".encode()
        fd = os.open(self._path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.write(fd, line)  # one short write with O_APPEND: whole lines, in any order
        finally:
            os.close(fd)
        with self._lock:
            self._until[tag(secret)] = until
        if len(self._until) > _COMPACT_AT:
            self._compact()

    def __contains__(self, secret: str) -> bool:
        self._refresh()
        return tag(secret) in self._until

    def _refresh(self) -> None:
        try:
            st = os.stat(self._path)
        except FileNotFoundError:
            return
        seen = (st.st_mtime_ns, st.st_size)
        if seen == self._seen:
            return
        now = time.time()
        found: dict[str, float] = {}
        with contextlib.suppress(OSError):
            for line in self._path.read_text("ascii", "replace").splitlines():
                name, _, until = line.partition(" ")
                with contextlib.suppress(ValueError):
                    if float(until) > now:
                        found[name] = float(until)
        with self._lock:
            self._until, self._seen = found, seen

    def _compact(self) -> None:
        now = time.time()
        with self._lock:
            live = {k: v for k, v in self._until.items() if v > now}
            self._until = live
        tmp = self._path.with_name(f".{self._path.name}.{os.getpid()}.tmp")
        tmp.write_text("".join(f"{k} {v:.0f}\n" for k, v in live.items()), "ascii")
        os.chmod(tmp, 0o600)
        os.replace(tmp, self._path)
