"""NetApp's own clients against the real server: `ontap-ipsec serve` as a subprocess.

Each test module gets its own server (own port, own data dir). A client that is
not installed makes its tests skip outside CI; under CI=true they fail instead.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import httpx
import pytest

IN_CI = os.environ.get("CI") == "true"
PASSWORD = "client-suite-pw"
START_TIMEOUT = 60.0


def require_module(module: str, install_hint: str) -> ModuleType:
    """Import `module`; skip (fail under CI) when it is not installed. Usable at module level."""
    if importlib.util.find_spec(module) is not None:
        return importlib.import_module(module)
    reason = f"{module} is not installed ({install_hint})"
    if IN_CI:
        pytest.fail(f"under CI the client must be installed: {reason}")
    pytest.skip(reason, allow_module_level=True)


def require_executable(path: str | Path, install_hint: str) -> str:
    """The executable's path; skip (fail under CI) when it is missing."""
    found = shutil.which(str(path))
    if found:
        return found
    reason = f"{path} is not available ({install_hint})"
    if IN_CI:
        pytest.fail(f"under CI it must be available: {reason}")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_command() -> list[str]:
    script = Path(sys.executable).parent / "ontap-ipsec"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "ontap_ipsec.cli.main"]


@dataclass
class ServerProcess:
    host: str
    port: int
    username: str
    password: str
    data_dir: Path
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"https://{self.host}:{self.port}"

    @property
    def api(self) -> str:
        return f"{self.url}/api"

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, auth=(self.username, self.password), verify=False)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def start_server_process(data_dir: Path) -> ServerProcess:
    port = free_port()
    env = dict(os.environ, ONTAP_IPSEC_ADMIN_PASSWORD=PASSWORD)
    for name in list(env):
        if name.startswith("ONTAP_IPSEC_") and name != "ONTAP_IPSEC_ADMIN_PASSWORD":
            del env[name]
    log = data_dir.parent / f"{data_dir.name}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [*server_command(), "serve", "--port", str(port), "--data-dir", str(data_dir)],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    server = ServerProcess("127.0.0.1", port, "admin", PASSWORD, data_dir, process, log)
    deadline = time.monotonic() + START_TIMEOUT
    with httpx.Client(verify=False, timeout=2.0) as probe:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"ontap-ipsec serve exited early:\n{server.output()}")
            try:
                if probe.get(f"{server.api}/cluster", auth=("admin", PASSWORD)).status_code == 200:
                    return server
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                stop_server_process(server)
                raise RuntimeError(f"ontap-ipsec serve did not answer:\n{server.output()}")
            time.sleep(0.05)


def stop_server_process(server: ServerProcess) -> None:
    # uvicorn stops gracefully on the first SIGINT and forces on the second: an idle
    # keep-alive TLS connection (netapp_ontap's session keeps one) holds a graceful stop
    # until the client's close_notify, which a client in this process never sends
    for sig, wait in ((signal.SIGINT, 0.5), (signal.SIGINT, 5), (signal.SIGKILL, 10)):
        if server.process.poll() is not None:
            return
        server.process.send_signal(sig)
        try:
            server.process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A real `ontap-ipsec serve` over HTTPS for this module, stopped afterwards."""
    proc = start_server_process(tmp_path_factory.mktemp("server") / "data")
    yield proc
    stop_server_process(proc)


@pytest.fixture
def no_ca_bundle(monkeypatch: pytest.MonkeyPatch) -> None:
    """REQUESTS_CA_BUNDLE would override verify=False in plain requests Sessions."""
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
