"""Ours and the floor app as servers: their command lines, environment, and running them."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from .constants import AUTH, BENCH, HOST, VENV_BIN
from .context import Ctx, mode
from .procs import free_port, started


@dataclass
class Server:
    label: str
    proc: subprocess.Popen[bytes]
    base: str
    tls: bool

    @property
    def pid(self) -> int:
        return self.proc.pid


def server_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONTAP_IPSEC_")}
    env.update(
        ONTAP_IPSEC_DATA_DIR=str(data_dir),
        ONTAP_IPSEC_LOG_LEVEL="warning",
        PYTHONPATH=str(BENCH),
    )
    env.update(extra)
    return env


def tls_files(data_dir: Path) -> tuple[Path, Path]:
    return data_dir / "tls" / "server.crt", data_dir / "tls" / "server.key"


def server_cmd(
    *,
    kind: str,
    app: str,
    port: int,
    data_dir: Path,
    tls: bool,
    workers: int = 1,
    extra: Sequence[str] = (),
) -> list[str]:
    """kind: 'cli' (ontap-ipsec serve [extra]), 'uvicorn' or 'granian'; app: 'ours' or 'floor'."""
    cert, key = tls_files(data_dir)
    target = "bench_apps:ours" if app == "ours" else "bench_apps:floor"
    listen = ["--host", HOST, "--port", str(port)]
    quiet = ["--log-level", "warning", "--no-access-log"]
    if kind == "cli":
        assert app == "ours"
        cmd = [str(VENV_BIN / "ontap-ipsec"), "serve", "--port", str(port)]
        cmd += ["--workers", str(workers), *extra]
        return cmd if tls else [*cmd, "--no-tls"]
    if kind == "uvicorn":
        cmd = [sys.executable, "-m", "uvicorn", target, *listen, "--loop", "uvloop"]
        cmd += ["--http", "httptools", *quiet, "--no-server-header", "--workers", str(workers)]
        tls_args = ["--ssl-certfile", str(cert), "--ssl-keyfile", str(key)]
    elif kind == "granian":
        cmd = [str(VENV_BIN / "granian"), "--interface", "asgi", *listen, "--workers", str(workers)]
        cmd += ["--loop", "uvloop", *quiet, "--no-ws", "--http", "1", target]
        tls_args = ["--ssl-certificate", str(cert), "--ssl-keyfile", str(key)]
    else:
        raise ValueError(kind)
    if app == "ours":
        cmd.append("--factory")
    return cmd + tls_args if tls else cmd


@contextlib.contextmanager
def running(
    c: Ctx,
    *,
    kind: str,
    app: str,
    data_dir: Path,
    tls: bool,
    workers: int | None = None,
    extra: Sequence[str] = (),
) -> Iterator[Server]:
    """A server answering 200 on /api/cluster, stopped on leaving (`workers`: default
    ours's default)."""
    workers = c.workers if workers is None else workers
    port = free_port()
    base = f"{'https' if tls else 'http'}://{HOST}:{port}"
    label = f"{app}/{kind}/w{workers}/{mode(tls)}" + "".join(a.strip("-") for a in extra)
    cmd = server_cmd(
        kind=kind, app=app, port=port, data_dir=data_dir, tls=tls, workers=workers, extra=extra
    )
    with started(
        cmd,
        env=server_env(data_dir),
        logfile=c.logs / f"{label.replace('/', '_')}.log",
        ready=f"{base}/api/cluster",
        timeout=60,
        headers=AUTH,
    ) as proc:
        yield Server(label, proc, base, tls)


def body_size(url: str, headers: dict[str, str] | None = None) -> int:
    """The length of the body `url` answers with its 200."""
    import httpx

    r = httpx.get(url, headers=headers, verify=False, timeout=30)
    if r.status_code != 200:
        raise RuntimeError(f"{url}: {r.status_code} {r.text[:300]}")
    return len(r.content)
