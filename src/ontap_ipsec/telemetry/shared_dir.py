"""The directory where the workers of one server leave their figures for each other.

prometheus_client's multiprocess mode: each process writes its values to files of its
own (`counter_<pid>.db`, ...) in the directory named by ``PROMETHEUS_MULTIPROC_DIR``,
and a scrape sums every file there. The variable must be set before prometheus_client
is first imported in a process, so `serve` sets it before it builds anything and its
workers inherit it. One directory per server (`<data dir>/metrics/server-<pid>`),
emptied when it starts: figures left by a previous run, or by a server that died, are
never counted again. Importing this module imports nothing of prometheus_client.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

ENV = "PROMETHEUS_MULTIPROC_DIR"
_PREFIX = "server-"


def root(data_dir: Path) -> Path:
    return Path(data_dir) / "metrics"


def prepare(data_dir: Path, pid: int | None = None) -> Path:
    """This server's directory, empty, and named in the environment; the directories of
    servers that are gone are removed."""
    pid = os.getpid() if pid is None else pid
    base = root(data_dir)
    base.mkdir(mode=0o700, parents=True, exist_ok=True)
    for old in base.glob(_PREFIX + "*"):
        other = old.name[len(_PREFIX) :]
        if other.isdigit() and (int(other) == pid or not alive(int(other))):
            shutil.rmtree(old, ignore_errors=True)
    mine = base / f"{_PREFIX}{pid}"
    mine.mkdir(mode=0o700)
    os.environ[ENV] = str(mine)
    return mine


def current() -> Path | None:
    """The directory of this process's server, or None (an app in a test's process)."""
    value = os.environ.get(ENV)
    return Path(value) if value else None


def alive(pid: int) -> bool:
    """Whether a process with this id runs (a zombie does not)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state != "Z"
