"""What the durability tests share: servers in a process group of their own, clients that
record every answer, the CA certificates they install, and the state read back.

A server started here is the real `ontap-ipsec serve` (tests/server/process.py's program
and environment) but in a session of its own, so that `kill_group` sends SIGKILL to the
server and every worker at once, as a crash of the whole service would. Clients record an
operation as acknowledged only when a 2xx answer was read completely (httpx reads the
whole body before returning, and raises when the connection ends early).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from ontap_ipsec.seeding import generate_ca
from tests.reliability.sizes import FULL
from tests.server.process import EXECUTABLE, START_TIMEOUT, Server, clean_environment, free_port

PASSWORD = "reliability-pw"
AUTH = ("admin", PASSWORD)
IPSEC = "/api/security/ipsec/ca-certificates"
CERTS = "/api/security/certificates"
SVMS = "/api/svm/svms"
TIMEOUT = 30.0  # a request not answered by then counts as a hang
RESULTS = Path(__file__).with_name("results") / "latest.jsonl"


# -- servers ---------------------------------------------------------------------------


def start_group(
    data_dir: Path,
    log_dir: Path,
    *,
    database: str | None = None,
    extra_args: tuple[str, ...] = (),
) -> Server:
    """`ontap-ipsec serve` (no TLS: durability does not depend on it, and the CPU is
    better spent on requests) in a process group of its own, answering on a free port."""
    port = free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"server-{port}-{time.monotonic_ns()}.log"
    args = [str(EXECUTABLE), "serve", "--port", str(port), "--data-dir", str(data_dir)]
    args += ["--host", "127.0.0.1", "--log-level", "warning", "--no-tls", *extra_args]
    if database is not None:
        args += ["--database", database]
    with open(log, "wb") as out:
        process = subprocess.Popen(
            args,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=clean_environment(PASSWORD),
            start_new_session=True,
        )
    server = Server(process, port, data_dir, log, False, PASSWORD)
    try:
        server.wait_ready(START_TIMEOUT)
    except BaseException:
        kill_group(server)
        raise
    return server


def kill_group(server: Server) -> None:
    """SIGKILL to the server's whole process group (server and workers), then wait until
    none of them runs any more (a zombie waiting for its parent runs nothing)."""
    pgid = server.process.pid
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)
    server.process.wait(timeout=10)
    deadline = time.monotonic() + 10
    while _living(pgid):
        if time.monotonic() > deadline:
            raise AssertionError(f"processes of group {pgid} outlived SIGKILL")
        time.sleep(0.01)


def _living(pgid: int) -> list[int]:
    """The processes of group `pgid` that are not zombies (from /proc)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split()  # after "pid (comm) "
        if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            out.append(int(stat.parent.name))
    return out


@contextmanager
def group(data_dir: Path, log_dir: Path, **kw: Any) -> Iterator[Server]:
    """`start_group(...)`, stopped in order (SIGTERM), and killed if that fails."""
    server = start_group(data_dir, log_dir, **kw)
    try:
        yield server
    finally:
        server.stop()
        kill_group(server)


def client(server: Server) -> httpx.Client:
    return httpx.Client(base_url=server.base_url, auth=AUTH, verify=False, timeout=TIMEOUT)


# -- operations ------------------------------------------------------------------------


@dataclass
class Op:
    """One request and what came back: `status` None when no complete answer came."""

    worker: int
    kind: str
    key: str
    start: float
    end: float
    status: int | None
    code: str | None = None
    body: Any = None
    error: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    location: str | None = None

    @property
    def acked(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def answered(self) -> bool:
        return self.status is not None


def call(
    http: httpx.Client, worker: int, kind: str, key: str, method: str, url: str, **kw: Any
) -> Op:
    """Send one request; the Op records when it was sent, when its answer was read, and
    the answer (or the transport error that took its place)."""
    start = time.monotonic()
    try:
        response = http.request(method, url, **kw)
    except httpx.TransportError as exc:
        return Op(worker, kind, key, start, time.monotonic(), None, error=type(exc).__name__)
    end = time.monotonic()
    body: Any = None
    code = None
    if response.content:
        try:
            body = response.json()
        except ValueError:
            body = response.text[:200]
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        code = body["error"].get("code")
    location = response.headers.get("location")
    return Op(worker, kind, key, start, end, response.status_code, code, body, location=location)


def record_of(op: Op) -> dict[str, Any]:
    """The record a 201 with return_records=true holds."""
    return dict(op.body["records"][0])


# -- set-up ----------------------------------------------------------------------------


def ca_pems(count: int, prefix: str = "rel-ca") -> list[str]:
    """`count` self-signed CA certificates (P-256, quick to make), PEM."""
    return [generate_ca(f"{prefix}-{i}")[0] for i in range(count)]


def create_svm(http: httpx.Client, name: str) -> str:
    r = http.post(f"{SVMS}?return_timeout=30&return_records=true", json={"name": name})
    assert r.status_code == 201, r.text
    return str(r.json()["records"][0]["uuid"])


def install_ca(http: httpx.Client, pem: str, name: str, svm: str | None = None) -> str:
    body: dict[str, Any] = {"type": "server_ca", "public_certificate": pem, "name": name}
    if svm is not None:
        body["svm"] = {"name": svm}
    r = http.post(f"{CERTS}?return_records=true", json=body)
    assert r.status_code == 201, r.text
    return str(r.json()["records"][0]["uuid"])


# -- the state read back ---------------------------------------------------------------


def listed_over_api(http: httpx.Client) -> list[dict[str, Any]]:
    """Every IPsec CA entry the API lists (every page)."""
    out: list[dict[str, Any]] = []
    url: str | None = f"{IPSEC}?fields=certificate.uuid,scope,svm.uuid&max_records=500"
    while url:
        r = http.get(url)
        assert r.status_code == 200, r.text
        page = r.json()
        out += page["records"]
        url = page.get("_links", {}).get("next", {}).get("href")
    return out


def certificates_over_api(http: httpx.Client) -> dict[str, dict[str, Any]]:
    r = http.get(f"{CERTS}?fields=uuid,name,svm.uuid,scope,type&max_records=10000")
    assert r.status_code == 200, r.text
    return {c["uuid"]: c for c in r.json()["records"]}


def svms_over_api(http: httpx.Client) -> dict[str, str]:
    r = http.get(f"{SVMS}?fields=uuid,name&max_records=10000")
    assert r.status_code == 200, r.text
    return {s["uuid"]: s["name"] for s in r.json()["records"]}


# What must never be in the database, whatever was killed when: each query lists the
# offending rows.
BROKEN = {
    "IPsec entry without its certificate": (
        "SELECT i.certificate_uuid FROM ipsec_ca_certificates i "
        "LEFT JOIN certificates c ON c.uuid = i.certificate_uuid WHERE c.uuid IS NULL"
    ),
    "IPsec entry of a certificate of another scope, or not a CA": (
        "SELECT i.certificate_uuid FROM ipsec_ca_certificates i "
        "JOIN certificates c ON c.uuid = i.certificate_uuid "
        "WHERE c.scope_key <> i.scope_key OR NOT c.is_ca"
    ),
    "IPsec entry of an SVM that does not exist": (
        "SELECT i.certificate_uuid FROM ipsec_ca_certificates i "
        "LEFT JOIN svms s ON s.uuid = i.svm_uuid WHERE i.svm_uuid IS NOT NULL AND s.uuid IS NULL"
    ),
    "certificate of an SVM that does not exist": (
        "SELECT c.uuid FROM certificates c "
        "LEFT JOIN svms s ON s.uuid = c.svm_uuid WHERE c.svm_uuid IS NOT NULL AND s.uuid IS NULL"
    ),
    "IPsec entry listed twice": (
        "SELECT certificate_uuid FROM ipsec_ca_certificates "
        "GROUP BY certificate_uuid HAVING COUNT(*) > 1"
    ),
}
LISTED_SQL = "SELECT certificate_uuid FROM ipsec_ca_certificates"


@dataclass
class Stored:
    """What the database itself holds: the IPsec entries, and what is broken."""

    listed: set[str]
    broken: dict[str, list[str]] = field(default_factory=dict)
    integrity: str = "ok"


def stored_sqlite(path: Path) -> Stored:
    """Read the SQLite file directly (with its WAL, as the server would find it)."""
    db = sqlite3.connect(path)
    try:
        integrity = "\n".join(r[0] for r in db.execute("PRAGMA integrity_check"))
        broken = {what: [r[0] for r in db.execute(sql)] for what, sql in BROKEN.items()}
        listed = {r[0] for r in db.execute(LISTED_SQL)}
    finally:
        db.close()
    return Stored(listed, {k: v for k, v in broken.items() if v}, integrity)


def stored_postgresql(url: str) -> Stored:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            broken = {
                what: [r[0] for r in conn.exec_driver_sql(sql)] for what, sql in BROKEN.items()
            }
            listed = {r[0] for r in conn.exec_driver_sql(LISTED_SQL)}
    finally:
        engine.dispose()
    return Stored(listed, {k: v for k, v in broken.items() if v}, "ok")


def stored(data_dir: Path, database: str | None) -> Stored:
    if database is None:
        return stored_sqlite(data_dir / "ontap-ipsec.db")
    return stored_postgresql(database)


# -- figures ---------------------------------------------------------------------------


def report(test: str, **figures: Any) -> None:
    """Print a test's figures; at full size also append them to results/latest.jsonl."""
    line = {"test": test, "full": FULL, **figures}
    print(f"\n{test}: " + ", ".join(f"{k}={v}" for k, v in figures.items()))
    if FULL:
        RESULTS.parent.mkdir(exist_ok=True)
        with RESULTS.open("a") as out:
            out.write(json.dumps(line) + "\n")


class Clock:
    """Seconds since it was made."""

    def __init__(self) -> None:
        self.started = time.monotonic()

    def __call__(self) -> float:
        return round(time.monotonic() - self.started, 1)


def run_threads(targets: list[Any]) -> None:
    """Run a thread per callable, join them all, and raise the first exception one of
    them raised (a thread that dies must fail the test, not shorten it)."""
    errors: list[BaseException] = []

    def guarded(target: Any) -> Any:
        def run() -> None:
            try:
                target()
            except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
                errors.append(exc)

        return run

    threads = [threading.Thread(target=guarded(t), daemon=True) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=TIMEOUT * 4)
        assert not t.is_alive(), "a client thread did not end"
    if errors:
        raise errors[0]
