"""SIGTERM: no new connection, the requests in flight finish, the database is closed, exit 0.

A request is slowed by the toolkit's delay fault (in the app, so the server sees it in
flight); once /metrics counts it in flight the server gets SIGTERM. Then a new connection
must be refused while that request is still running, its answer must arrive whole, and
the server must exit 0 with its database closed: no `-wal` file left behind (SQLite
removes it when the last connection closes), the workers saying so in the log. Past
--shutdown-timeout a request is cut and the server goes anyway.
"""

from __future__ import annotations

import signal
import socket
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.metrics_text import parse, value
from tests.server.conftest import ServerFactory
from tests.server.process import Server

PASSWORD = "graceful-pw"
SLOW = 4.0  # seconds the slow request takes
SERVERS = {
    "granian-2": ("--server", "granian", "--workers", "2"),
    "uvicorn-1": ("--server", "uvicorn", "--workers", "1"),
    "uvicorn-2": ("--server", "uvicorn", "--workers", "2"),
}


def _slow_down(server: Server, seconds: float) -> None:
    rule = {
        "method": "GET",
        "path": "/api/cluster",
        "times": None,
        "effect": {"type": "delay", "seconds": seconds},
    }
    with server.client(server.auth) as api:
        assert api.post("/_ontap-ipsec/faults", json=rule).status_code == 201


def _start_slow_request(server: Server) -> tuple[threading.Thread, dict[str, object]]:
    outcome: dict[str, object] = {}

    def ask() -> None:
        try:
            with server.client(server.auth) as api:
                outcome["response"] = api.get("/api/cluster", timeout=60.0)
        except httpx.HTTPError as exc:
            outcome["error"] = exc
        outcome["at"] = time.monotonic()

    thread = threading.Thread(target=ask)
    thread.start()
    return thread, outcome


def _wait_in_flight(server: Server, timeout: float = 10.0) -> None:
    """Until the slow request is in the app: its delay has fired, and a scrape counts it."""
    deadline = time.monotonic() + timeout
    while True:
        with server.client(server.auth) as api:
            fired = [f["fired"] for f in api.get("/_ontap-ipsec/faults").json()["records"]]
            scraped = parse(api.get("/metrics").text)
        in_flight = value(scraped, "ontap_ipsec_http_requests_in_flight")
        if fired == [1] and in_flight == 1:
            return
        assert time.monotonic() < deadline, f"not in flight: fired {fired}, in flight {in_flight}"
        time.sleep(0.1)


def _refused(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        try:
            sock.connect(("127.0.0.1", port))
        except ConnectionRefusedError:
            return True
        except TimeoutError:
            return False
        return False


@pytest.mark.parametrize("args", SERVERS.values(), ids=SERVERS.keys())
def test_sigterm_lets_the_request_in_flight_finish_and_refuses_new_connections(
    start_server: ServerFactory, tmp_path: Path, args: tuple[str, ...]
) -> None:
    data = tmp_path / "data"
    server = start_server(data, admin_password=PASSWORD, extra_args=args, log_level="info")
    _slow_down(server, SLOW)
    thread, outcome = _start_slow_request(server)
    _wait_in_flight(server)
    server.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 2.0
    while not _refused(server.port):
        assert time.monotonic() < deadline, "still accepting connections after SIGTERM"
        time.sleep(0.05)
    refused_at = time.monotonic()
    thread.join(timeout=SLOW + 10)
    assert not thread.is_alive()
    assert "error" not in outcome, outcome.get("error")
    response = outcome["response"]
    assert isinstance(response, httpx.Response)
    assert response.status_code == 200
    assert response.json()["name"] == "cluster1"  # the whole body
    assert refused_at < outcome["at"]  # type: ignore[operator]  # refused while it ran
    assert server.process.wait(timeout=15) == 0
    assert not (data / "ontap-ipsec.db-wal").exists(), "the database was not closed"
    assert "database closed" in server.output()


@pytest.mark.parametrize(
    "args", [SERVERS["granian-2"], SERVERS["uvicorn-1"]], ids=["granian-2", "uvicorn-1"]
)
def test_past_the_shutdown_timeout_a_request_is_cut_and_the_server_goes(
    start_server: ServerFactory, tmp_path: Path, args: tuple[str, ...]
) -> None:
    server = start_server(
        tmp_path / "data", admin_password=PASSWORD, extra_args=(*args, "--shutdown-timeout", "1")
    )
    _slow_down(server, 30)
    thread, outcome = _start_slow_request(server)
    _wait_in_flight(server)
    sent = time.monotonic()
    server.process.send_signal(signal.SIGTERM)
    server.process.wait(timeout=15)
    assert time.monotonic() - sent < 8  # not the 30 s the request wanted
    thread.join(timeout=10)
    assert "response" not in outcome or outcome["response"].status_code != 200  # type: ignore[attr-defined]
