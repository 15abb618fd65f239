"""GET /metrics through the real server: every worker's requests counted, whichever answers.

Which worker answered a request shows in its made X-Request-Id (a random prefix per
process). Requests go on new connections until two workers have answered; then every
scrape, from either worker, must count all of them. A worker killed outright leaves its
counts counted and its in-flight requests not.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import httpx
import pytest

from ontap_ipsec.telemetry.metrics import FLUSH_SECONDS
from tests.metrics_text import parse, value
from tests.server.conftest import ServerFactory
from tests.server.process import Server

PASSWORD = "metrics-pw"
CLUSTER = "/api/cluster"
REQUESTS = "ontap_ipsec_http_requests_total"
SERVERS = {
    "granian-2": ("--server", "granian", "--workers", "2"),
    "uvicorn-2": ("--server", "uvicorn", "--workers", "2"),
}


def _worker(response: httpx.Response) -> str:
    return response.headers["x-request-id"].rsplit("-", 1)[0]


def _one_request(server: Server, path: str) -> httpx.Response:
    with server.client(server.auth) as api:  # a new connection: any worker may take it
        return api.get(path)


def _requests_of_two_workers(server: Server) -> int:
    """GET /api/cluster on new connections until two workers have answered; how many."""
    workers: set[str] = set()
    sent = 0
    while len(workers) < 2:
        assert sent < 300, "one worker answered every connection"
        response = _one_request(server, CLUSTER)
        assert response.status_code == 200
        workers.add(_worker(response))
        sent += 1
    return sent


def _scrapes_until(server: Server, expected: float, timeout: float = 10.0) -> set[str]:
    """Scrape on new connections until two workers have answered; each scrape, the first
    included, must count `expected` GETs of /api/cluster: every worker has flushed its
    figures within FLUSH_SECONDS, scraped or not. The workers that answered."""
    time.sleep(FLUSH_SECONDS + 1.0)
    deadline = time.monotonic() + timeout
    answered: set[str] = set()
    while len(answered) < 2:
        response = _one_request(server, "/metrics")
        assert response.status_code == 200
        counted = value(parse(response.text), REQUESTS, method="GET", route=CLUSTER, status="200")
        assert counted == expected, f"worker {_worker(response)} counted {counted}"
        answered.add(_worker(response))
        assert time.monotonic() < deadline, f"only {answered} answered the scrapes"
    return answered


@pytest.mark.parametrize("args", SERVERS.values(), ids=SERVERS.keys())
def test_every_workers_requests_are_counted_whichever_worker_is_scraped(
    start_server: ServerFactory, tmp_path: Path, args: tuple[str, ...]
) -> None:
    data = tmp_path / "data"
    server = start_server(data, admin_password=PASSWORD, extra_args=args)
    with server.client() as anon:
        refused = anon.get("/metrics")
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "6"
    # the server's wait_ready polled /api/cluster unauthenticated: 401s, not these 200s
    sent = _requests_of_two_workers(server)
    assert len(_scrapes_until(server, sent)) == 2
    shared = data / "metrics" / f"server-{server.process.pid}"
    assert {p.name.split("_")[0] for p in shared.iterdir()} >= {"counter", "histogram", "gauge"}
    server.stop()
    assert not shared.exists()  # the server's figures go with it


def _in_flight(server: Server) -> float | None:
    scraped = parse(_one_request(server, "/metrics").text)
    return value(scraped, "ontap_ipsec_http_requests_in_flight")


def _uvicorn_workers(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if parent == pid and "/httptools/" in (entry / "maps").read_text():
                found.append(int(entry.name))
        except (OSError, IndexError, ValueError):
            continue
    return found


def test_a_killed_workers_counts_stay_and_its_requests_in_flight_go(
    start_server: ServerFactory, tmp_path: Path
) -> None:
    server = start_server(
        tmp_path / "data", admin_password=PASSWORD, extra_args=SERVERS["uvicorn-2"]
    )
    sent = _requests_of_two_workers(server)
    _scrapes_until(server, sent)
    rule = {"method": "GET", "path": CLUSTER, "effect": {"type": "delay", "seconds": 30}}
    with server.client(server.auth) as api:
        assert api.post("/_ontap-ipsec/faults", json=rule).status_code == 201
    outcome: list[BaseException] = []

    def slow() -> None:
        try:
            _one_request(server, CLUSTER)
        except httpx.HTTPError as exc:  # its worker is killed under it
            outcome.append(exc)

    cut = threading.Thread(target=slow)
    cut.start()
    deadline = time.monotonic() + 10
    while _in_flight(server) != 1:
        assert time.monotonic() < deadline, "the slow request never showed in flight"
        time.sleep(0.1)
    workers = _uvicorn_workers(server.process.pid)
    assert len(workers) == 2
    for pid in workers:
        os.kill(pid, signal.SIGKILL)
    cut.join(timeout=20)
    assert outcome, "the slow request was answered: its worker was not the one killed"
    deadline = time.monotonic() + 30
    while set(_uvicorn_workers(server.process.pid)) & set(workers) or len(
        _uvicorn_workers(server.process.pid)
    ) < 2:
        assert time.monotonic() < deadline, "uvicorn did not replace its workers"
        time.sleep(0.1)
    server.wait_ready()
    samples = parse(_one_request(server, "/metrics").text)
    assert value(samples, "ontap_ipsec_http_requests_in_flight") == 0  # the dead one's: gone
    counted = value(samples, REQUESTS, method="GET", route=CLUSTER, status="200")
    assert counted == sent  # the dead workers' counts: kept
