"""`serve --workers N` under granian and uvicorn: processes sharing one port and one database."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from tests.server.conftest import ServerFactory
from tests.server.process import EXECUTABLE, clean_environment

PASSWORD = "workers-pw"


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(entry.name))
    return found


# What shows which HTTP server a worker runs: the native library it has loaded (a uvicorn
# worker parses HTTP with httptools; granian's workers are its Rust extension). Read from
# /proc/<pid>/maps, as loading one is not something either server can hide.
LIBRARY = {"uvicorn": "/httptools/", "granian": "/granian/_granian"}
WORKER_START = 30.0


def _loaded(pid: int, library: str) -> bool:
    try:
        return library in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


def _serving(pid: int, server: str, expected: int) -> set[int]:
    """The children of `pid` running `server`'s workers, once `expected` have started (the
    server answers as soon as one has) or the wait is over."""
    deadline = time.monotonic() + WORKER_START
    while True:
        found = {c for c in _children(pid) if _loaded(c, LIBRARY[server])}
        if len(found) >= expected or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


@pytest.mark.parametrize(
    ("args", "server_name", "processes"),
    [
        (("--server", "uvicorn", "--workers", "2"), "uvicorn", 2),
        (("--server", "granian"), "granian", 1),
        (("--server", "granian", "--workers", "2"), "granian", 2),
    ],
    ids=["uvicorn-2", "granian-1", "granian-2"],
)
def test_workers_share_one_state_and_all_stop_with_the_server(
    start_server: ServerFactory,
    tmp_path: Path,
    args: tuple[str, ...],
    server_name: str,
    processes: int,
) -> None:
    server = start_server(tmp_path / "data", admin_password=PASSWORD, extra_args=args)
    serving = _serving(server.process.pid, server_name, processes)
    assert len(serving) >= processes, (server_name, serving, _children(server.process.pid))
    other = next(name for name in LIBRARY if name != server_name)
    assert not [p for p in {server.process.pid, *serving} if _loaded(p, LIBRARY[other])]
    workers = _children(server.process.pid)
    assert len(workers) >= processes, workers
    with server.client(auth=("admin", PASSWORD)) as client:
        too_big = client.post("/api/svm/svms", content=b"x" * (1024 * 1024 + 10))
        assert too_big.status_code == 413
        assert too_big.json()["error"]["code"] == "2"
    # New connections land on either worker; every one sees every write at once, also
    # where it answered the same GET before (each worker keeps rendered GETs).
    for i in range(8):
        with server.client(auth=("admin", PASSWORD)) as client:
            response = client.post("/api/svm/svms", json={"name": f"w{i}"})
            assert response.status_code == 202, response.text
        for _ in range(3):
            with server.client(auth=("admin", PASSWORD)) as client:
                body = client.get("/api/svm/svms?return_records=false").json()
                assert body["num_records"] == i + 1
    for _ in range(6):
        with server.client(auth=("admin", PASSWORD)) as client:
            body = client.get("/api/svm/svms?return_records=false").json()
            assert body["num_records"] == 8
    server.stop()
    # Children (the workers, and multiprocessing's helper) go with the server: they may
    # take a moment to notice, but none may stay.
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(_alive(pid) for pid in workers):
        time.sleep(0.1)
    assert not [pid for pid in workers if _alive(pid)], "a worker outlived the server"


@pytest.mark.parametrize("args", [(), ("--workers", "2")], ids=["default", "granian-2"])
def test_workers_die_with_a_server_killed_outright(
    start_server: ServerFactory, tmp_path: Path, args: tuple[str, ...]
) -> None:
    server = start_server(tmp_path / "data", admin_password=PASSWORD, extra_args=args)
    workers = _children(server.process.pid)
    assert workers
    server.kill()  # SIGKILL: no shutdown code of the server runs
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(_alive(pid) for pid in workers):
        time.sleep(0.1)
    assert not [pid for pid in workers if _alive(pid)], "a worker outlived its killed server"


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_workers_below_one_are_refused(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(EXECUTABLE), "serve", "--data-dir", str(tmp_path / "d"), "--workers", "0"],
        env=clean_environment(PASSWORD),
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert b"workers must be at least 1" in result.stderr
    assert not (tmp_path / "d").exists() or not os.listdir(tmp_path / "d")
