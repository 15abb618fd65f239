"""Every process the harness starts, stopped by its own id whatever happens; ports; readiness."""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from .constants import BENCH, HOST


class Processes:
    """Every process this harness starts, so that each is stopped, by its own id."""

    def __init__(self) -> None:
        self.live: list[subprocess.Popen[bytes]] = []

    def start(
        self, cmd: Sequence[str], *, env: dict[str, str] | None = None, logfile: Path
    ) -> subprocess.Popen[bytes]:
        out = open(logfile, "ab")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(
            list(cmd),
            env=env,
            cwd=BENCH,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        out.close()
        self.live.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen[bytes]) -> None:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        # workers of a multi-process server live in the same session: sweep it
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        if proc in self.live:
            self.live.remove(proc)

    def stop_all(self) -> None:
        for proc in list(self.live):
            self.stop(proc)


PROCS = Processes()
atexit.register(PROCS.stop_all)


def _on_signal(signum: int, _frame: Any) -> None:
    PROCS.stop_all()
    raise SystemExit(128 + signum)


def stop_all_on_signals() -> None:
    """SIGTERM and SIGHUP stop every process started, then exit 128 + the signal."""
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGHUP, _on_signal)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def wait_ready(
    proc: subprocess.Popen[bytes], url: str, timeout: float, headers: dict[str, str] | None = None
) -> float:
    """Seconds until `url` answers 200; the process dying or the timeout is an error."""
    import httpx

    start = time.perf_counter()
    deadline = start + timeout
    while time.perf_counter() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before answering {url}")
        try:
            r = httpx.get(url, headers=headers, verify=False, timeout=2.0)
            if r.status_code == 200:
                return time.perf_counter() - start
        except httpx.TransportError:
            pass
        time.sleep(0.005)
    raise RuntimeError(f"no 200 from {url} within {timeout}s")


@contextlib.contextmanager
def started(
    cmd: Sequence[str],
    *,
    env: dict[str, str] | None,
    logfile: Path,
    ready: str,
    timeout: float,
    headers: dict[str, str] | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """The process of `cmd`, once `ready` answers 200; stopped on leaving, or on failing to."""
    proc = PROCS.start(cmd, env=env, logfile=logfile)
    try:
        wait_ready(proc, ready, timeout, headers)
        yield proc
    finally:
        PROCS.stop(proc)
