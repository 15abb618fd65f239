"""Run the real `ontap-ipsec serve` as a subprocess, for tests over sockets.

The one way the suite starts the server as a program (tests/server, tests/store,
tests/clients, tests/cli), and its one free-port helper. Every server started here is
stopped when its context ends, whatever happens in the test; waits are bounded and poll
rather than sleep blindly.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

EXECUTABLE = Path(sys.executable).with_name("ontap-ipsec")
START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0
GRACE = 5.0  # for an orderly stop, before it is forced
ADMIN = "admin"


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on (now)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_environment(
    admin_password: str | None, base: Mapping[str, str] | None = None
) -> dict[str, str]:
    """`base` (the test's environment by default) without any ONTAP_IPSEC_* setting but
    the admin password."""
    source = os.environ if base is None else base
    env = {k: v for k, v in source.items() if not k.startswith("ONTAP_IPSEC_")}
    if admin_password is not None:
        env["ONTAP_IPSEC_ADMIN_PASSWORD"] = admin_password
    return env


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    data_dir: Path
    log: Path
    tls: bool
    admin_password: str | None = None
    host: str = "127.0.0.1"
    username: str = ADMIN

    @property
    def base_url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}"

    url = base_url

    @property
    def api(self) -> str:
        return f"{self.base_url}/api"

    @property
    def password(self) -> str:
        assert self.admin_password is not None, "started without a known admin password"
        return self.admin_password

    @property
    def auth(self) -> tuple[str, str]:
        return (self.username, self.password)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def client(self, auth: tuple[str, str] | None = None, **kw: object) -> httpx.Client:
        """A client of the server (not authenticated unless `auth` is given)."""
        return httpx.Client(base_url=self.base_url, verify=False, auth=auth, timeout=10.0, **kw)

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        """Poll until the server answers HTTP (any status) or give up."""
        deadline = time.monotonic() + timeout
        with self.client() as c:
            while True:
                if self.process.poll() is not None:
                    raise AssertionError(
                        f"ontap-ipsec exited with {self.process.returncode}:\n{self.output()}"
                    )
                try:
                    c.get("/api/cluster")
                    return
                except httpx.TransportError:
                    if time.monotonic() > deadline:
                        raise AssertionError(
                            f"ontap-ipsec did not answer within {timeout}s:\n{self.output()}"
                        ) from None
                    time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=STOP_TIMEOUT)

    def stop(self, grace: float = GRACE) -> None:
        """An orderly stop (SIGTERM), forced when it takes longer than `grace` seconds.

        Forced first by SIGINT: after a first signal uvicorn waits for open keep-alive
        connections (one a client in this process keeps, say, until its close_notify), and
        a SIGINT then makes it go at once; SIGKILL last.
        """
        for sig, wait in (
            (signal.SIGTERM, grace),
            (signal.SIGINT, STOP_TIMEOUT),
            (signal.SIGKILL, STOP_TIMEOUT),
        ):
            if self.process.poll() is not None:
                return
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=wait)
            except subprocess.TimeoutExpired:
                continue


def start_server(
    data_dir: Path,
    *,
    admin_password: str | None,
    tls: bool = True,
    extra_args: tuple[str, ...] = (),
    port: int | None = None,
    host: str | None = "127.0.0.1",
    log_level: str | None = "warning",
    env: Mapping[str, str] | None = None,
) -> Server:
    """Start `ontap-ipsec serve` and wait until it answers; stopped again if it does not.

    `host` and `log_level` None leave them to serve's defaults; `env` replaces the test's
    environment (ONTAP_IPSEC_* settings are always left out, but the admin password).
    """
    port = port or free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    log = data_dir.parent / f"server-{port}-{time.monotonic_ns()}.log"
    args = [str(EXECUTABLE), "serve", "--port", str(port), "--data-dir", str(data_dir)]
    if host is not None:
        args += ["--host", host]
    if log_level is not None:
        args += ["--log-level", log_level]
    args += extra_args
    if not tls:
        args.append("--no-tls")
    with open(log, "wb") as out:
        process = subprocess.Popen(
            args,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=clean_environment(admin_password, env),
        )
    server = Server(process, port, data_dir, log, tls, admin_password)
    try:
        server.wait_ready()
    except BaseException:
        server.stop()
        raise
    return server


@contextmanager
def run_server(data_dir: Path, **kw: object) -> Iterator[Server]:
    """`start_server(data_dir, ...)`, always stopped when the context ends."""
    server = start_server(data_dir, **kw)  # type: ignore[arg-type]
    try:
        yield server
    finally:
        server.stop()
