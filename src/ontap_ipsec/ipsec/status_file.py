"""The reconciler's status, shared with the HTTP workers through a file in the data dir.

Why a file: under `serve` the reconciler runs in the agent process while the workers
answer `GET /_ontap-ipsec/strongswan`; the status is this host's (its daemons), so it
belongs in the host's data dir, not in a database that other hosts share. It is
written whole to a temporary file and renamed over the old one (atomic on POSIX), so a
reader sees the old status or the new one, never a mix; only when it changed; and it
names the writer's pid, so that a reader can tell a status whose writer is gone.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

NAME = "strongswan-status.json"


def path_in(data_dir: Path) -> Path:
    return Path(data_dir) / NAME


class StatusFile:
    """Writes one status document, skipping writes that would change nothing."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._last: bytes | None = None
        self._lock = threading.Lock()

    def write(self, document: dict[str, Any]) -> bool:
        """Replace the file with `document`; False when it already says exactly that."""
        data = json.dumps(document, indent=1, sort_keys=True).encode()
        with self._lock:
            if data == self._last:
                return False
            tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, self.path)
            self._last = data
            return True

    def remove(self) -> None:
        with self._lock:
            self.path.unlink(missing_ok=True)
            self._last = None


def read(path: Path) -> dict[str, Any] | None:
    """The status document, or None when there is none (yet) or it cannot be read."""
    try:
        document = json.loads(Path(path).read_bytes())
    except (OSError, ValueError):
        return None
    return document if isinstance(document, dict) else None


def alive(pid: object) -> bool:
    """Whether a process with this id runs on this host (the writer of a status)."""
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    try:  # a writer that died but was not yet reaped is a zombie: gone all the same
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state != "Z"
