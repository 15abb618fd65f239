"""A PostgreSQL server of a test's own, to stop and start under load.

The suite's shared server (127.0.0.1:5432) serves other tests at the same moment, so a
test that restarts PostgreSQL makes its own: `initdb` in a temporary directory owned by
the `postgres` user, a free port on 127.0.0.1 and its unix socket in that directory,
stopped and removed whatever happens.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from tests.requirements import need
from tests.server.process import free_port


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=_version)
    return Path(found[-1]).parent if found else None


def _version(path: str) -> float:
    try:
        return float(Path(path).parent.parent.name)
    except ValueError:
        return 0.0


@dataclass
class Instance:
    bin: Path
    root: Path
    port: int
    as_postgres: list[str]

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [*self.as_postgres, str(self.bin / "pg_ctl"), "-D", str(self.data), *args],
            capture_output=True,
            timeout=60,
            check=check,
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
        self._ctl("-l", str(self.root / "postgresql.log"), "-w", "-t", "30", "-o", options, "start")

    def stop(self, mode: str = "fast") -> None:
        self._ctl("-m", mode, "-w", "-t", "30", "stop")


@contextmanager
def own_postgresql() -> Iterator[Instance]:
    """A running PostgreSQL server of its own (trust authentication, user postgres)."""
    bin_dir = _bin_dir()
    need(bin_dir is not None, "PostgreSQL's server programs (/usr/lib/postgresql/*/bin)")
    assert bin_dir is not None
    try:
        owner = pwd.getpwnam("postgres")
    except KeyError:
        owner = None
    need(owner is not None, "a postgres user to run a PostgreSQL server as")
    assert owner is not None
    if os.geteuid() == owner.pw_uid:
        as_postgres: list[str] = []
    else:
        need(os.geteuid() == 0, "root (to run a PostgreSQL server as the postgres user)")
        as_postgres = ["runuser", "-u", "postgres", "--"]
    root = Path(tempfile.mkdtemp(prefix="ontap-ipsec-pg-"))
    os.chown(root, owner.pw_uid, owner.pw_gid)
    instance = Instance(bin_dir, root, free_port(), as_postgres)
    try:
        subprocess.run(
            [*as_postgres, str(bin_dir / "initdb"), "-D", str(instance.data), "-U", "postgres",
             "--auth=trust", "-E", "UTF8", "--no-sync"],
            capture_output=True, timeout=120, check=True,
        )  # fmt: skip
        instance.start()
        yield instance
    finally:
        with suppress(Exception):
            instance._ctl("-m", "immediate", "-w", "-t", "30", "stop", check=False)
        shutil.rmtree(root, ignore_errors=True)
