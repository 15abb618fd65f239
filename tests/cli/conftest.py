"""A live HTTPS ontap-ipsec for the CLI tests, and a way to run the real CLI against it.

The server is the real app under uvicorn with TLS (a self-signed certificate),
on a free port, in a background thread for the whole session; each test starts
from an empty state (the store's reset), so the printed tables are exact. The
CLI runs through `ontap_ipsec.cli.main.main(argv)` with its output captured.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn

from ontap_ipsec.app import OntapApp
from ontap_ipsec.cli.main import main
from ontap_ipsec.tls import ensure_self_signed
from tests.conftest import ADMIN_PASSWORD, new_app
from tests.server.process import free_port

BIN = Path(sys.executable).parent
CLUSTER = "cluster1"


@dataclass
class Live:
    app: OntapApp
    port: int
    tls_cert: Path

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    data = tmp_path_factory.mktemp("cli-server") / "data"
    app = new_app(data, cluster_name=CLUSTER)
    cert, key = ensure_self_signed(data / "tls")
    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        ssl_certfile=str(cert),
        ssl_keyfile=str(key),
        log_level="warning",
        lifespan="on",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the HTTPS server did not start")
        time.sleep(0.02)
    try:
        yield Live(app, port, cert)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        app.ctx.store.dispose()


@dataclass
class Result:
    rc: int
    out: str
    err: str


class TTY(io.StringIO):
    """Standard input that says it is a terminal (for ONTAP's paste dialogue)."""

    def isatty(self) -> bool:
        return True


class Cli:
    """Runs `ontap-ipsec <connection options> <argv>` in-process against the live server."""

    def __init__(
        self, live: Live, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ):
        self.live = live
        self.capsys = capsys
        self.monkeypatch = monkeypatch
        self.connection = ["--host", "127.0.0.1", "--port", str(live.port), "--insecure"]

    def __call__(self, *argv: str, stdin: str | io.StringIO = "", connect: bool = True) -> Result:
        self.capsys.readouterr()
        stream = stdin if isinstance(stdin, io.StringIO) else io.StringIO(stdin)
        self.monkeypatch.setattr(sys, "stdin", stream)
        rc = main([*(self.connection if connect else []), *argv])
        captured = self.capsys.readouterr()
        return Result(rc, captured.out, captured.err)

    def ok(self, *argv: str, stdin: str | io.StringIO = "") -> str:
        result = self(*argv, stdin=stdin)
        assert (result.rc, result.err) == (0, ""), result
        return result.out


@pytest.fixture
def cli(live: Live, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    live.app.ctx.backends.reset()
    monkeypatch.setenv("ONTAP_PASSWORD", ADMIN_PASSWORD)
    monkeypatch.setenv("ONTAP_IPSEC_PROFILES", "/nonexistent/profiles.toml")
    return Cli(live, capsys, monkeypatch)


def lines(text: str) -> str:
    """Expected output written as an indented block in a test."""
    import textwrap

    text = textwrap.dedent(text)
    return text[1:] if text.startswith("\n") else text


def run_cli(
    *argv: str, env: dict[str, str] | None = None, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """The installed `ontap-ipsec` program, as a user runs it."""
    full_env = {**os.environ, "ONTAP_IPSEC_PROFILES": "/nonexistent/profiles.toml", **(env or {})}
    return subprocess.run(
        [str(BIN / "ontap-ipsec"), *argv],
        input=stdin,
        capture_output=True,
        text=True,
        env=full_env,
        timeout=60,
    )
