"""Abusive clients do not starve the others, and leave nothing behind once cut off.

Against the real served server (uvicorn with its 2 workers, and granian), all at once: silent
TCP connections that never start TLS, TLS connections that never send a byte, clients
sending their headers a byte a second, authenticated clients declaring a 1 MiB body and
sending a byte every two seconds, unauthenticated ones doing the same, and clients that
pipeline large collection GETs and never read an answer (under granian, which has no write
deadline, those stay open: the others must be cut all the same). Meanwhile a well-behaved client,
a process of its own (normal_client.py), does GETs on its keep-alive connection: its p99 must
stay under 100 ms throughout. The
deadlines (--header-timeout, --body-timeout) must then cut every abuser, and the server's
memory (Pss of its processes) come back near where it started.

Full sizes under `make reliability` (1,000 idle connections); the short variant opens fewer.
Every connection is to 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import resource
import ssl
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.reliability.sizes import size
from tests.server.process import Server, run_server

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from harness.phases.scale import memory_mib  # noqa: E402 - the bench's one measure of it

PASSWORD = "abuse-pw"
AUTH = ("admin", PASSWORD)
GOOD = base64.b64encode(f"admin:{PASSWORD}".encode()).decode()
DEADLINE = size(3, 10)  # seconds: --header-timeout and --body-timeout of the server
IDLE = size(150, 1000)  # silent connections, half of them TLS-established
SLOW_HEADERS = size(20, 100)
SLOW_BODIES = size(20, 100)  # authenticated; as many again without credentials
NON_READERS = size(4, 20)
PIPELINED = size(30, 60)  # large GETs each non-reader sends
SVMS = size(150, 500)  # the collection the non-readers ask for whole
P99_MS = 100.0
ROUNDS = size(1, 2)
# "Back near its start": the allocators keep part of what the abuse took (measured at full
# size, 1,220 connections: 17-56 MiB after the first round, uvicorn's workers trimmed by
# uvicorn_limits._Release), but a second round must take no more: nothing is kept per
# connection.
MEMORY_SLACK_MIB = float(size(25, 60))
MEMORY_GROWTH_MIB = 5.0

_TLS = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
_TLS.check_hostname = False
_TLS.verify_mode = ssl.CERT_NONE


# --- the server's side, from /proc ------------------------------------------------------


def pss_mib(pid: int) -> float:
    """Pss summed over the server's process and its descendants: what it holds (measured
    as the bench measures it)."""
    return float(memory_mib(pid)["Pss"])


def established(port: int) -> int:
    """TCP connections of the server's port that are established (its side of them)."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if fields[3] == "01" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                    count += 1
    return count


# --- the abusers ------------------------------------------------------------------------------


@dataclass
class Abuse:
    port: int
    opened: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    writers: list[asyncio.StreamWriter] = field(default_factory=list)

    async def _open(self, kind: str, tls: bool = True) -> tuple[asyncio.StreamReader,
                                                               asyncio.StreamWriter]:
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", self.port, ssl=_TLS if tls else None
        )
        self.opened[kind] = self.opened.get(kind, 0) + 1
        self.writers.append(writer)
        return reader, writer

    async def idle(self, tls: bool) -> None:
        await self._open("idle-tls" if tls else "idle-tcp", tls)

    async def slow_headers(self) -> None:
        _, writer = await self._open("slow-headers")
        with contextlib.suppress(OSError, ssl.SSLError, RuntimeError):
            for byte in b"GET /api/cluster HTTP/1.1\r\nHost: 127.0.0.1\r\n" * 10:
                writer.write(bytes([byte]))
                await writer.drain()
                await asyncio.sleep(1.0)

    async def slow_body(self, authenticated: bool) -> None:
        _, writer = await self._open("slow-body" if authenticated else "slow-body-401")
        auth = f"Authorization: Basic {GOOD}\r\n" if authenticated else ""
        writer.write(
            f"POST /api/svm/svms HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}"
            "Content-Type: application/json\r\nContent-Length: 1048576\r\n\r\n".encode()
        )
        with contextlib.suppress(OSError, ssl.SSLError, RuntimeError):
            await writer.drain()
            for _ in range(1000):
                writer.write(b" ")
                await writer.drain()
                await asyncio.sleep(2.0)

    async def non_reader(self) -> None:
        _, writer = await self._open("non-reader")
        request = (
            f"GET /api/svm/svms?fields=*&max_records=10000 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Basic {GOOD}\r\n\r\n"
        ).encode()
        writer.write(request * PIPELINED)  # and never a read
        with contextlib.suppress(OSError, ssl.SSLError, RuntimeError):
            await writer.drain()

    async def run(self, until: threading.Event) -> None:
        async def guarded(coro: object) -> None:
            try:
                await coro  # type: ignore[misc]
            except (OSError, ssl.SSLError) as exc:
                self.errors.append(repr(exc))

        tasks = [asyncio.create_task(guarded(self.non_reader())) for _ in range(NON_READERS)]
        tasks += [asyncio.create_task(guarded(self.slow_body(a)))
                  for a in (True, False) for _ in range(SLOW_BODIES)]
        tasks += [asyncio.create_task(guarded(self.slow_headers())) for _ in range(SLOW_HEADERS)]
        for i in range(IDLE):  # paced: a burst of handshakes is a CPU test, not this one
            tasks.append(asyncio.create_task(guarded(self.idle(tls=i % 2 == 0))))
            if i % 50 == 49:
                await asyncio.sleep(0.1)
        while not until.is_set():
            await asyncio.sleep(0.1)
        for task in tasks:
            task.cancel()
        for writer in self.writers:
            writer.transport.abort()
        await asyncio.gather(*tasks, return_exceptions=True)


# --- the well-behaved client ------------------------------------------------------------------


class Normal:
    """The well-behaved client, in a process of its own (normal_client.py): its latencies are
    the server's, not those of this process's GIL, shared with the abusers' event loop."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.stamps: list[tuple[float, float]] = []  # (moment a GET began, its ms)
        self.failures: list[str] = []
        self.process: subprocess.Popen[str] | None = None

    @property
    def latencies(self) -> list[float]:
        return [ms for _, ms in self.stamps]

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("normal_client.py")),
             self.server.base_url, *AUTH],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )

    def clear(self) -> None:
        """What it measured so far forgotten (its connection made, the workers warm)."""
        assert self.process is not None and self.process.stdin is not None
        self.process.stdin.write("clear\n")
        self.process.stdin.flush()

    def finish(self) -> None:
        assert self.process is not None
        out, _ = self.process.communicate(timeout=30)
        assert self.process.returncode == 0, self.process.returncode
        kept = json.loads(out)
        self.stamps = [(began, ms) for began, ms in kept["stamps"]]
        self.failures = kept["failures"]

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def figures(self) -> tuple[float, float, int]:
        ordered = sorted(self.latencies)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        return statistics.median(ordered), p99, len(ordered)

    def slowest(self, since: float, count: int = 5) -> list[tuple[float, float]]:
        """The `count` slowest GETs: (seconds after `since`, ms)."""
        worst = sorted(self.stamps, key=lambda stamp: stamp[1])[-count:]
        return sorted((round(began - since, 2), round(ms, 1)) for began, ms in worst)


def warm(server: Server) -> None:
    """The large GET, answered and rendered by every worker, several at once: the memory a
    server holds once it has served its largest answers is where it starts."""

    def some() -> None:
        with server.client(auth=AUTH) as client:
            for _ in range(6):
                client.get("/api/svm/svms?fields=*&max_records=10000&order_by=name")
                client.get("/api/svm/svms?fields=*&max_records=10000")

    threads = [threading.Thread(target=some) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)


@pytest.fixture(autouse=True)
def _open_files() -> Iterator[None]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = IDLE + 4 * (SLOW_BODIES + SLOW_HEADERS + NON_READERS) + 512
    if hard != resource.RLIM_INFINITY and hard < wanted:
        pytest.fail(f"the open-file hard limit {hard} is below the {wanted} this test needs")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, wanted), hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


@dataclass
class Round:
    opened: dict[str, int]
    peak_connections: int
    cut_at: float | None
    peak_pss: float
    after: float


def abuse_round(server: Server, left: int) -> Round:
    """Every abuser at once, until the deadlines have cut all of them but `left` (or long
    past them)."""
    until = threading.Event()
    abuse = Abuse(server.port)
    abusers = threading.Thread(target=asyncio.run, args=(abuse.run(until),), daemon=True)
    abusers.start()
    peak_connections, peak_pss, cut_at = 0, 0.0, None
    started = time.monotonic()
    while time.monotonic() - started < 4 * DEADLINE + 15:
        time.sleep(0.25)
        now = established(server.port)
        peak_connections = max(peak_connections, now)
        peak_pss = max(peak_pss, pss_mib(server.process.pid))
        if time.monotonic() - started > DEADLINE and now <= 1 + left:  # +1: the normal one
            cut_at = time.monotonic() - started
            break
    time.sleep(2.5)  # the normal client goes on after the cut; the workers settle
    after = pss_mib(server.process.pid)
    until.set()
    abusers.join(30)
    total = IDLE + 2 * SLOW_BODIES + SLOW_HEADERS + NON_READERS
    assert sum(abuse.opened.values()) == total, (abuse.opened, abuse.errors[:5])
    return Round(abuse.opened, peak_connections, cut_at, peak_pss, after)


@pytest.mark.parametrize("kind", ["uvicorn", "granian"])
def test_abusive_clients_do_not_starve_a_normal_one(kind: str, tmp_path: Path) -> None:
    args = ("--server", kind, "--workers", "2", "--header-timeout", str(DEADLINE),
            "--body-timeout", str(DEADLINE))
    with run_server(tmp_path / "data", admin_password=PASSWORD, extra_args=args) as server:
        with server.client(auth=AUTH) as client:
            for i in range(SVMS):
                assert client.post("/api/svm/svms", json={"name": f"vs{i}"}).status_code < 300
            big = client.get("/api/svm/svms?fields=*&max_records=10000")
            assert big.json()["num_records"] == SVMS
        warm(server)
        normal = Normal(server)
        normal.start()
        try:
            time.sleep(1.5)  # its connection made, both workers warm
            before = pss_mib(server.process.pid)
            normal.clear()
            started = time.monotonic()
            # granian has no write deadline: a connection whose client reads nothing while its
            # answers fill the socket stays open (docs/operations.md, "Limits")
            left = NON_READERS if kind == "granian" else 0
            rounds = [abuse_round(server, left) for _ in range(ROUNDS)]
            normal.finish()
        finally:
            normal.kill()

    p50, p99, count = normal.figures()
    print(f"\n{kind}: Pss before {before:.1f} MiB; normal GETs throughout: {count}, "
          f"p50 {p50:.1f} ms, p99 {p99:.1f} ms; slowest (s after the first round began, "
          f"ms): {normal.slowest(started)}")
    for i, r in enumerate(rounds, 1):
        print(f"  round {i}: opened {r.opened}; peak {r.peak_connections} established on the "
              f"server; all cut after {r.cut_at and round(r.cut_at, 1)} s (deadlines "
              f"{DEADLINE} s); Pss peak {r.peak_pss:.1f} MiB, after {r.after:.1f} MiB")
    assert not normal.failures, normal.failures[:5]
    assert count >= 50
    assert p99 < P99_MS
    for r in rounds:
        assert r.peak_connections >= IDLE // 2  # the abuse was there at once
        assert r.cut_at is not None, "abusers still connected long past their deadlines"
    assert rounds[0].after <= before + MEMORY_SLACK_MIB
    pairs = zip(rounds, rounds[1:], strict=False)
    grown = [round(later.after - earlier.after, 1) for earlier, later in pairs]
    if any(g > MEMORY_GROWTH_MIB for g in grown) and kind == "uvicorn":
        # Known and open: at full size uvicorn's workers keep about 10-30 MiB more after a
        # second round of 1,220 abusive TLS connections (uvloop's TLS transport suspected,
        # uvloop#565; docs/operations.md "Limits"). granian's must not grow.
        pytest.xfail(f"uvicorn's workers kept {grown} MiB more after a further round")
    assert all(g <= MEMORY_GROWTH_MIB for g in grown), grown  # nothing kept per round
