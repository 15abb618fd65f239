"""Run the real `ontap-ipsec serve` as a subprocess, for tests over sockets.

Every server started here is stopped when its context ends, whatever happens
in the test; waits are bounded and poll rather than sleep blindly.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

EXECUTABLE = Path(sys.executable).with_name("ontap-ipsec")
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_environment(admin_password: str | None) -> dict[str, str]:
    """The test's environment without any ONTAP_IPSEC_* setting but the password."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONTAP_IPSEC_")}
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

    @property
    def base_url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def client(self, auth: tuple[str, str] | None = None, **kw: object) -> httpx.Client:
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

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=STOP_TIMEOUT)


@contextmanager
def run_server(
    data_dir: Path,
    *,
    admin_password: str | None,
    tls: bool = True,
    extra_args: tuple[str, ...] = (),
    port: int | None = None,
) -> Iterator[Server]:
    """Start `ontap-ipsec serve`, wait until it answers, and always stop it."""
    port = port or free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    log = data_dir.parent / f"server-{port}-{time.monotonic_ns()}.log"
    args = [str(EXECUTABLE), "serve", "--host", "127.0.0.1", "--port", str(port),
            "--data-dir", str(data_dir), "--log-level", "warning", *extra_args]
    if not tls:
        args.append("--no-tls")
    with open(log, "wb") as out:
        process = subprocess.Popen(
            args, stdout=out, stderr=subprocess.STDOUT, env=clean_environment(admin_password)
        )
    server = Server(process, port, data_dir, log, tls)
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()
