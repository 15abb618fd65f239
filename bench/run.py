"""ontap-ipsec's benchmark suite: every figure a ratio to a floor measured in the same run.

    .venv/bin/python bench/run.py            # the full suite (make bench), < 10 min
    .venv/bin/python bench/run.py --quick    # the development variant (make bench-quick), < 60 s

Servers run as subprocesses on free loopback ports (127.0.0.1 only), each in
its own session, and are always stopped (SIGTERM, then SIGKILL) by this
process, whatever happens. Load comes from wrk (keep-alive, bounded by -d);
TLS on uses the server's self-signed certificate, TLS off runs with --no-tls.
Results go to bench/results/ (JSON and a Markdown table); the full run also
rewrites the results section of bench/README.md.
"""

from __future__ import annotations

import argparse
import atexit
import base64
import contextlib
import json
import os
import platform
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
VENV_BIN = Path(sys.executable).parent
PASSWORD = "bench-admin-pw"
AUTH_HEADER = "Basic " + base64.b64encode(f"admin:{PASSWORD}".encode()).decode()
GRANIAN_PIN = "2.8.9"
PRISM_PIN = "5.14.2"
PRISM_BIN = BENCH / ".node" / "node_modules" / ".bin" / "prism"
IPSEC = "/api/security/ipsec/ca-certificates"
HOST = "127.0.0.1"  # loopback only, always


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- processes


class Processes:
    """Every process this harness starts, so that each is stopped, by its own id."""

    def __init__(self) -> None:
        self.live: list[subprocess.Popen[bytes]] = []

    def start(
        self, cmd: Sequence[str], *, env: dict[str, str] | None = None, logfile: Path
    ) -> subprocess.Popen[bytes]:
        out = open(logfile, "ab")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(
            list(cmd),
            env=env,
            cwd=BENCH,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        out.close()
        self.live.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen[bytes]) -> None:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        # workers of a multi-process server live in the same session: sweep it
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        if proc in self.live:
            self.live.remove(proc)

    def stop_all(self) -> None:
        for proc in list(self.live):
            self.stop(proc)


PROCS = Processes()
atexit.register(PROCS.stop_all)


def _on_signal(signum: int, _frame: Any) -> None:
    PROCS.stop_all()
    raise SystemExit(128 + signum)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


# --------------------------------------------------------------------------- tools


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        sys.exit("bench: wrk is missing; install it (apt-get install -y wrk) or run as root")
    log("installing wrk from Debian (apt-get)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "wrk"], check=True, env=env, stdout=subprocess.DEVNULL
    )
    found = shutil.which("wrk")
    if not found:
        sys.exit("bench: wrk did not install")
    return found


def ensure_granian() -> str:
    try:
        import granian  # noqa: F401
    except ImportError:
        log(f"installing granian=={GRANIAN_PIN} into the venv")
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", f"granian=={GRANIAN_PIN}"],
            check=True,
        )
    from importlib.metadata import version

    return version("granian")


def ensure_prism() -> str | None:
    """Install Prism into bench/.node (ignored by git); None when npm is not there."""
    if not PRISM_BIN.exists():
        npm = shutil.which("npm")
        if npm is None:
            return None
        log(f"installing @stoplight/prism-cli@{PRISM_PIN} into bench/.node (npm)")
        (BENCH / ".node").mkdir(exist_ok=True)
        done = subprocess.run(
            [
                npm,
                "install",
                "--prefix",
                str(BENCH / ".node"),
                "--no-audit",
                "--no-fund",
                "--loglevel=error",
                f"@stoplight/prism-cli@{PRISM_PIN}",
            ],
            stdout=subprocess.DEVNULL,
            timeout=300,
        )
        if done.returncode != 0 or not PRISM_BIN.exists():
            return None
    pkg = BENCH / ".node" / "node_modules" / "@stoplight" / "prism-cli" / "package.json"
    return str(json.loads(pkg.read_text())["version"])


# --------------------------------------------------------------------------- servers


@dataclass
class Server:
    label: str
    proc: subprocess.Popen[bytes]
    base: str
    tls: bool

    @property
    def pid(self) -> int:
        return self.proc.pid


@dataclass
class Ctx:
    quick: bool
    work: Path
    wrk: str
    duration: float
    warmup: float
    conns: int
    logs: Path
    rounds: int = 1
    results: dict[str, Any] = field(default_factory=dict)


def wait_ready(
    proc: subprocess.Popen[bytes], url: str, timeout: float, headers: dict[str, str] | None = None
) -> float:
    """Seconds until `url` answers 200; the process dying or the timeout is an error."""
    import httpx

    start = time.perf_counter()
    deadline = start + timeout
    while time.perf_counter() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before answering {url}")
        try:
            r = httpx.get(url, headers=headers, verify=False, timeout=2.0)
            if r.status_code == 200:
                return time.perf_counter() - start
        except httpx.TransportError:
            pass
        time.sleep(0.005)
    raise RuntimeError(f"no 200 from {url} within {timeout}s")


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


def start_server(
    c: Ctx, *, kind: str, app: str, data_dir: Path, tls: bool, workers: int = 1
) -> Server:
    """kind: 'cli' (ontap-ipsec serve), 'uvicorn' or 'granian'; app: 'ours' or 'floor'."""
    port = free_port()
    scheme = "https" if tls else "http"
    cert, key = tls_files(data_dir)
    env = server_env(data_dir)
    if kind == "cli":
        assert app == "ours" and workers == 1
        cmd = [str(VENV_BIN / "ontap-ipsec"), "serve", "--port", str(port)]
        if not tls:
            cmd.append("--no-tls")
    elif kind == "uvicorn":
        target = "bench_apps:ours" if app == "ours" else "bench_apps:floor"
        cmd = [
            sys.executable,
            "-m",
            "uvicorn",
            target,
            "--host",
            HOST,
            "--port",
            str(port),
            "--loop",
            "uvloop",
            "--http",
            "httptools",
            "--log-level",
            "warning",
            "--no-access-log",
            "--no-server-header",
            "--workers",
            str(workers),
        ]
        if app == "ours":
            cmd.append("--factory")
        if tls:
            cmd += ["--ssl-certfile", str(cert), "--ssl-keyfile", str(key)]
    elif kind == "granian":
        target = "bench_apps:ours" if app == "ours" else "bench_apps:floor"
        cmd = [
            str(VENV_BIN / "granian"),
            "--interface",
            "asgi",
            "--host",
            HOST,
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--loop",
            "uvloop",
            "--log-level",
            "warning",
            "--no-access-log",
            "--no-ws",
            "--http",
            "1",
            target,
        ]
        if app == "ours":
            cmd.append("--factory")
        if tls:
            cmd += ["--ssl-certificate", str(cert), "--ssl-keyfile", str(key)]
    else:
        raise ValueError(kind)
    label = f"{app}/{kind}/w{workers}/{'tls' if tls else 'plain'}"
    proc = PROCS.start(cmd, env=env, logfile=c.logs / f"{label.replace('/', '_')}.log")
    base = f"{scheme}://{HOST}:{port}"
    probe = f"{base}/api/cluster"
    try:
        wait_ready(proc, probe, 60, {"authorization": AUTH_HEADER})
    except Exception:
        PROCS.stop(proc)
        raise
    return Server(label, proc, base, tls)


@contextlib.contextmanager
def running(c: Ctx, **kwargs: Any) -> Iterator[Server]:
    server = start_server(c, **kwargs)
    try:
        yield server
    finally:
        PROCS.stop(server.proc)


# --------------------------------------------------------------------------- wrk


def wrk(
    c: Ctx,
    url: str,
    *,
    duration: float | None = None,
    conns: int | None = None,
    threads: int = 1,
    auth: bool = True,
    script: str = "report.lua",
    script_args: Sequence[str] = (),
    warmup: bool = True,
) -> dict[str, Any]:
    """One wrk run (after a short warm-up run); throughput, latency, errors."""
    conns = conns or c.conns
    duration = duration or c.duration

    def once(seconds: float) -> dict[str, Any]:
        cmd = [
            c.wrk,
            "-t",
            str(threads),
            "-c",
            str(conns),
            "-d",
            f"{max(1, round(seconds))}s",
            "--timeout",
            "10s",
            "-s",
            str(BENCH / "wrk" / script),
        ]
        if auth:
            cmd += ["-H", f"Authorization: {AUTH_HEADER}"]
        cmd.append(url)
        if script_args:
            cmd += ["--", *script_args]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
        first_errors = [
            line[len("WRKERROR ") :]
            for line in done.stdout.splitlines()
            if line.startswith("WRKERROR ")
        ]
        for line in done.stdout.splitlines():
            if line.startswith("WRKJSON "):
                return {**json.loads(line[len("WRKJSON ") :]), "first_errors": first_errors}
        raise RuntimeError(f"wrk printed no summary: {done.stdout[-500:]} {done.stderr[-500:]}")

    if warmup and c.warmup > 0:
        once(c.warmup)
    raw = once(duration)
    seconds = raw["duration_us"] / 1e6
    errors = sum(raw["errors"].values())
    return {
        "rps": raw["requests"] / seconds,
        "bytes_per_s": raw["bytes"] / seconds,
        "p50_ms": raw["p50_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "requests": raw["requests"],
        "errors": errors,
        "error_detail": raw["errors"],
        "first_errors": raw["first_errors"],
        "conns": conns,
        "threads": threads,
        "seconds": round(seconds, 2),
    }


def body_size(url: str, headers: dict[str, str] | None = None) -> int:
    import httpx

    r = httpx.get(url, headers=headers, verify=False, timeout=30)
    if r.status_code != 200:
        raise RuntimeError(f"{url}: {r.status_code} {r.text[:300]}")
    return len(r.content)


# --------------------------------------------------------------------------- data


def make_data_dir(path: Path) -> Any:
    """Create a data dir as a first start would (schema, cluster, admin, TLS cert)."""
    from ontap_ipsec.config import Settings
    from ontap_ipsec.store.bootstrap import open_store
    from ontap_ipsec.tls import ensure_self_signed

    ctx = open_store(Settings(data_dir=path, admin_password=PASSWORD), announce=lambda _: None)
    ensure_self_signed(path / "tls")
    return ctx.store.engine


# --------------------------------------------------------------------------- phases


READ_ENDPOINTS = ("instance", "collection20", "collection1000")


def read_urls(instance_uuid: str) -> dict[str, str]:
    return {
        "instance": f"{IPSEC}/{instance_uuid}?fields=*",
        "collection20": f"{IPSEC}?max_records=20",
        "collection1000": f"{IPSEC}?fields=*&max_records=1000",
    }


def interleaved(c: Ctx, targets: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """wrk on each target in turn, `c.rounds` times; each keeps its best (fastest) run.

    The machine is shared: other load only ever slows a run down, so the best
    of interleaved rounds is the least disturbed figure of each, and the rounds
    spread any disturbance over every target alike.
    """
    best: dict[str, dict[str, Any]] = {}
    for round_no in range(c.rounds):
        for key, kwargs in targets.items():
            run = wrk(c, warmup=round_no == 0, **kwargs)
            runs = [*best.get(key, {}).get("runs_rps", []), round(run["rps"], 1)]
            if key not in best or run["rps"] > best[key]["rps"]:
                best[key] = run
            best[key]["runs_rps"] = runs
    return best


def phase_reads(c: Ctx, data_dir: Path, instance_uuid: str, tls_modes: Sequence[bool]) -> None:
    """2 (and 1): each read against the floor app serving a body of the same size."""
    urls = read_urls(instance_uuid)
    out = c.results.setdefault("reads", {})
    for tls in tls_modes:
        mode = "tls" if tls else "plain"
        res: dict[str, Any] = out.setdefault(mode, {})
        with (
            running(c, kind="cli", app="ours", data_dir=data_dir, tls=tls) as ours,
            running(c, kind="uvicorn", app="floor", data_dir=data_dir, tls=tls) as f_uv,
            running(c, kind="granian", app="floor", data_dir=data_dir, tls=tls) as f_gr,
        ):
            for name, url in urls.items():
                size = body_size(ours.base + url, {"authorization": AUTH_HEADER})
                log(f"reads {mode}: {name} ({size} B): ours, floor uvicorn, floor granian")
                floor_path = f"/floor/{size}"
                entry = interleaved(
                    c,
                    {
                        "ours": {"url": ours.base + url},
                        "floor_uvicorn": {"url": f_uv.base + floor_path, "auth": False},
                        "floor_granian": {"url": f_gr.base + floor_path, "auth": False},
                    },
                )
                best = max(("uvicorn", "granian"), key=lambda k: entry[f"floor_{k}"]["rps"])
                floor = entry[f"floor_{best}"]
                res[name] = {
                    **entry,
                    "url": url,
                    "body_bytes": size,
                    "floor_server": best,
                    "ratio_rps": entry["ours"]["rps"] / floor["rps"],
                    "ratio_bytes": entry["ours"]["bytes_per_s"] / floor["bytes_per_s"],
                }


def phase_servers(c: Ctx, data_dir: Path, instance_uuid: str) -> None:
    """Which server and worker count: ours and the floor under each, instance GET, TLS on.

    All eight servers run at once (idle ones cost nothing) and wrk visits them
    in turn, round after round, so that the configurations are compared on the
    same minutes of a shared machine.
    """
    url = read_urls(instance_uuid)["instance"]
    size = c.results["reads"]["tls"]["instance"]["body_bytes"]
    configs = [(kind, workers) for kind in ("uvicorn", "granian") for workers in (1, 2)]
    with contextlib.ExitStack() as stack:
        targets: dict[str, dict[str, Any]] = {}
        for kind, workers in configs:
            for app in ("ours", "floor"):
                srv = stack.enter_context(
                    running(c, kind=kind, app=app, data_dir=data_dir, tls=True, workers=workers)
                )
                path = url if app == "ours" else f"/floor/{size}"
                targets[f"{kind}/w{workers}/{app}"] = {
                    "url": srv.base + path,
                    "auth": app == "ours",
                }
        log("servers: ours and the floor under uvicorn and granian, 1 and 2 workers")
        measured = interleaved(c, targets)
    out: dict[str, Any] = c.results.setdefault("servers", {})
    for kind, workers in configs:
        key = f"{kind}/w{workers}"
        ours, floor = measured[f"{key}/ours"], measured[f"{key}/floor"]
        out[key] = {"ours": ours, "floor": floor, "ratio_rps": ours["rps"] / floor["rps"]}


def bare_sqlite_pairs(db: Path, pool: Sequence[tuple[str, str]], seconds: float) -> dict[str, Any]:
    """The same write transactions as POST + DELETE, by a bare sqlite3 loop, same pragmas."""
    conn = sqlite3.connect(str(db), isolation_level=None, check_same_thread=False)
    for pragma in (
        "PRAGMA foreign_keys=ON",
        "PRAGMA journal_mode=WAL",
        "PRAGMA synchronous=NORMAL",
        "PRAGMA busy_timeout=10000",
        "PRAGMA case_sensitive_like=ON",
    ):
        conn.execute(pragma)
    conn.executemany(
        "DELETE FROM ipsec_ca_certificates WHERE certificate_uuid = ?", [(u,) for _, u in pool]
    )
    pairs = 0
    i = 0
    start = time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        svm_name, cert_uuid = pool[i % len(pool)]
        i += 1
        conn.execute("BEGIN IMMEDIATE")
        svm_uuid = conn.execute(
            "SELECT svms.uuid, svms.name FROM svms WHERE svms.name = ?", (svm_name,)
        ).fetchone()[0]
        row = conn.execute(
            "SELECT certificates.is_ca FROM certificates "
            "WHERE certificates.uuid = ? AND certificates.scope_key = ?",
            (cert_uuid, svm_uuid),
        ).fetchone()
        assert row is not None and row[0]
        listed = conn.execute(
            "SELECT ipsec_ca_certificates.certificate_uuid FROM ipsec_ca_certificates "
            "WHERE ipsec_ca_certificates.certificate_uuid = ?",
            (cert_uuid,),
        ).fetchone()
        if listed is not None:  # a request wrk left in flight landed late: clear, go on
            conn.execute("ROLLBACK")
            conn.execute(
                "DELETE FROM ipsec_ca_certificates WHERE certificate_uuid = ?", (cert_uuid,)
            )
            continue
        conn.execute(
            "INSERT INTO ipsec_ca_certificates (certificate_uuid, svm_uuid, scope_key, is_ca, "
            "created) VALUES (?, ?, ?, 1, ?)",
            (cert_uuid, svm_uuid, svm_uuid, datetime.now(UTC).replace(tzinfo=None).isoformat()),
        )
        conn.execute("COMMIT")
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("DELETE FROM ipsec_ca_certificates WHERE certificate_uuid = ?", (cert_uuid,))
        conn.execute("COMMIT")
        pairs += 1
    elapsed = time.perf_counter() - start
    conn.close()
    return {"pairs_per_s": pairs / elapsed, "pairs": pairs, "seconds": round(elapsed, 2)}


def phase_writes(
    c: Ctx, data_dir: Path, pools: dict[bool, list[tuple[str, str]]], tls_modes: Sequence[bool]
) -> None:
    """3: POST + DELETE pairs (wrk, writes.lua) against the bare sqlite3 loop, interleaved."""
    out = c.results.setdefault("writes", {})
    threads = 2
    for tls in tls_modes:
        mode = "tls" if tls else "plain"
        pool = pools[tls]
        pool_file = c.work / f"pool-{mode}.txt"
        pool_file.write_text("".join(f"{svm} {uuid}\n" for svm, uuid in pool))
        best_ours: dict[str, Any] | None = None
        best_bare: dict[str, Any] | None = None
        runs: dict[str, list[float]] = {"ours": [], "bare": []}
        with running(c, kind="cli", app="ours", data_dir=data_dir, tls=tls) as ours:
            for _ in range(c.rounds):
                log(f"writes {mode}: ours (wrk, POST+DELETE pairs), then the bare sqlite3 loop")
                # the bare loop first: it also clears what a wrk run ended mid-pair left
                bare = bare_sqlite_pairs(data_dir / "ontap-ipsec.db", pool, c.duration)
                res = wrk(
                    c,
                    ours.base + IPSEC,
                    conns=threads,
                    threads=threads,
                    script="writes.lua",
                    script_args=[str(pool_file), str(threads)],
                    warmup=False,
                )
                res["pairs_per_s"] = res["rps"] / 2
                runs["ours"].append(round(res["pairs_per_s"], 1))
                runs["bare"].append(round(bare["pairs_per_s"], 1))
                if best_ours is None or res["pairs_per_s"] > best_ours["pairs_per_s"]:
                    best_ours = res
                if best_bare is None or bare["pairs_per_s"] > best_bare["pairs_per_s"]:
                    best_bare = bare
        assert best_ours is not None and best_bare is not None
        out[mode] = {
            "ours": best_ours,
            "floor": best_bare,
            "runs_pairs_per_s": runs,
            "ratio": best_ours["pairs_per_s"] / best_bare["pairs_per_s"],
        }


def phase_scale(c: Ctx, n_svms: int, per_svm: int) -> None:
    """4: 100,000 entries across 1,000 SVMs: paging, filter, count, peak RSS."""
    import httpx

    data_dir = c.work / "scale"
    engine = make_data_dir(data_dir)
    from seed import seed

    log(f"scale: seeding {n_svms * per_svm} entries across {n_svms} SVMs (SQLAlchemy Core)")
    t0 = time.perf_counter()
    seeded = seed(engine, n_svms=n_svms, listed_per_svm=per_svm)
    engine.dispose()
    out: dict[str, Any] = {
        "entries": len(seeded.listed),
        "svms": n_svms,
        "seed_seconds": round(time.perf_counter() - t0, 1),
    }
    c.results["scale"] = out
    filter_svm = f"svm{min(421, n_svms - 1):04d}"
    with running(c, kind="cli", app="ours", data_dir=data_dir, tls=True) as ours:
        first = f"{IPSEC}?max_records=100"
        headers = {"authorization": AUTH_HEADER}
        log("scale: following next links from the first page to the last")
        pages = 0
        records = 0
        last = first
        t0 = time.perf_counter()
        with httpx.Client(base_url=ours.base, verify=False, headers=headers, timeout=60) as client:
            url: str | None = first
            while url is not None:
                r = client.get(url)
                r.raise_for_status()
                body = r.json()
                pages += 1
                records += len(body["records"])
                last = url
                url = body.get("_links", {}).get("next", {}).get("href")
                if pages > n_svms * per_svm:  # bounded whatever the server says
                    raise RuntimeError("next links do not end")
        out["walk"] = {
            "pages": pages,
            "records": records,
            "seconds": round(time.perf_counter() - t0, 2),
        }
        urls = {
            "first_page": first,
            "last_page": last,
            "filtered": f"{IPSEC}?svm.name={filter_svm}",
            "count": f"{IPSEC}?return_records=false",
        }
        log("scale: first page, last page, filtered, count (1 connection each, interleaved)")
        measured = interleaved(
            c, {name: {"url": ours.base + path, "conns": 1} for name, path in urls.items()}
        )
        for name, path in urls.items():
            out[name] = {**measured[name], "url": path}
        out["ratio_last_first"] = out["last_page"]["p50_ms"] / out["first_page"]["p50_ms"]
        out["ratio_filtered_first"] = out["filtered"]["p50_ms"] / out["first_page"]["p50_ms"]
        out["ratio_count_first"] = out["count"]["p50_ms"] / out["first_page"]["p50_ms"]
        status = Path(f"/proc/{ours.pid}/status").read_text()
        for line in status.splitlines():
            if line.startswith(("VmHWM:", "VmRSS:")):
                key, value = line.split(":", 1)
                out[key] = int(value.split()[0]) / 1024  # MiB
    out["db_mib"] = (data_dir / "ontap-ipsec.db").stat().st_size / 2**20


def phase_startup(c: Ctx, data_dir: Path, reps: int) -> None:
    """5a: process start to the first 200 from /api/cluster, ours against the floor app."""
    headers = {"authorization": AUTH_HEADER}
    cert, key = tls_files(data_dir)
    times: dict[str, list[float]] = {"ours": [], "floor": []}
    for _ in range(reps):
        for app in ("ours", "floor"):
            port = free_port()
            if app == "ours":
                cmd = [str(VENV_BIN / "ontap-ipsec"), "serve", "--port", str(port)]
            else:
                cmd = [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "bench_apps:floor",
                    "--host",
                    HOST,
                    "--port",
                    str(port),
                    "--loop",
                    "uvloop",
                    "--http",
                    "httptools",
                    "--log-level",
                    "warning",
                    "--ssl-certfile",
                    str(cert),
                    "--ssl-keyfile",
                    str(key),
                ]
            t0 = time.perf_counter()
            proc = PROCS.start(cmd, env=server_env(data_dir), logfile=c.logs / f"startup-{app}.log")
            try:
                wait_ready(proc, f"https://{HOST}:{port}/api/cluster", 60, headers)
                times[app].append(time.perf_counter() - t0)
            finally:
                PROCS.stop(proc)
    ours, floor = statistics.median(times["ours"]), statistics.median(times["floor"])
    c.results["startup"] = {
        "ours_s": ours,
        "floor_s": floor,
        "ratio": ours / floor,
        "reps": reps,
        "all_ours_s": [round(t, 3) for t in times["ours"]],
        "all_floor_s": [round(t, 3) for t in times["floor"]],
    }


def phase_inprocess(c: Ctx, data_dir: Path, resets: int) -> None:
    """5b/5c: create_app + one in-process request; reset(app.ctx) on a populated store."""
    fresh = c.work / "inproc"
    make_data_dir(fresh).dispose()
    done = subprocess.run(
        [sys.executable, str(BENCH / "inproc.py"), str(data_dir), str(fresh), str(resets)],
        capture_output=True,
        text=True,
        timeout=300,
        env=server_env(data_dir, ONTAP_IPSEC_ADMIN_PASSWORD=PASSWORD),
        cwd=BENCH,
    )
    if done.returncode != 0:
        raise RuntimeError(f"inproc.py failed: {done.stderr[-2000:]}")
    c.results["inprocess"] = json.loads(done.stdout.strip().splitlines()[-1])


def phase_prism(c: Ctx, data_dir: Path, version: str | None) -> None:
    """6: Prism mocking our own OpenAPI document; the same collection GET, TLS off."""
    if version is None:
        c.results["prism"] = {"skipped": "npm is not available"}
        return
    import httpx

    spec = c.work / "openapi.json"
    url = read_urls("")["collection20"]
    headers = {"authorization": AUTH_HEADER}
    with running(c, kind="cli", app="ours", data_dir=data_dir, tls=False) as ours:
        spec.write_bytes(httpx.get(ours.base + "/docs/api/openapi.json", timeout=30).content)
        (RESULTS / "openapi.json").write_bytes(spec.read_bytes())
        port = free_port()
        proc = PROCS.start(
            [str(PRISM_BIN), "mock", "-h", HOST, "-p", str(port), str(spec)],
            env={**os.environ, "NO_COLOR": "1"},
            logfile=c.logs / "prism.log",
        )
        try:
            base = f"http://{HOST}:{port}"
            wait_ready(proc, base + url, 90, headers)
            prism_size = body_size(base + url, headers)
            log("prism: ours and Prism, collection GET, interleaved")
            measured = interleaved(
                c, {"ours": {"url": ours.base + url}, "prism": {"url": base + url}}
            )
        finally:
            PROCS.stop(proc)
    c.results["prism"] = {
        "version": version,
        "url": url,
        "ours": measured["ours"],
        "prism": measured["prism"],
        "prism_body_bytes": prism_size,
        "ratio": measured["ours"]["rps"] / measured["prism"]["rps"],
    }


# --------------------------------------------------------------------------- report


def machine() -> dict[str, Any]:
    model = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    mem_kib = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kib = int(line.split()[1])
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "memory_gib": round(mem_kib / 2**20, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
    }


def versions() -> dict[str, str]:
    from importlib.metadata import version

    out = {}
    for pkg in ("ontap-ipsec", "uvicorn", "uvloop", "httptools", "granian", "sqlalchemy"):
        with contextlib.suppress(Exception):
            out[pkg] = version(pkg)
    with contextlib.suppress(Exception):
        head = subprocess.run([shutil.which("wrk") or "wrk", "-v"], capture_output=True, text=True)
        out["wrk"] = (head.stdout + head.stderr).split()[1]
    out["sqlite"] = sqlite3.sqlite_version
    return out


@dataclass
class Row:
    section: str
    measure: str
    ours: str
    floor: str
    ratio: float | None
    target: str
    met: bool | None


def rows(r: dict[str, Any]) -> list[Row]:
    out: list[Row] = []

    def rps(x: dict[str, Any]) -> str:
        return f"{x['rps']:,.0f} req/s, p50 {x['p50_ms']:.2f} ms, p99 {x['p99_ms']:.2f} ms"

    names = {
        "instance": "instance GET `fields=*`",
        "collection20": "collection GET, default fields, 20 records",
        "collection1000": "collection GET `fields=*`, 1,000 records",
    }
    for mode, reads in r.get("reads", {}).items():
        for name, e in reads.items():
            floor = e[f"floor_{e['floor_server']}"]
            label = f"{names[name]} ({e['body_bytes']:,} B), TLS {'on' if mode == 'tls' else 'off'}"
            if name == "collection1000":
                out.append(
                    Row(
                        "reads",
                        label + " — bytes/s",
                        f"{e['ours']['bytes_per_s'] / 2**20:,.1f} MiB/s ({rps(e['ours'])})",
                        f"{floor['bytes_per_s'] / 2**20:,.1f} MiB/s ({e['floor_server']})",
                        e["ratio_bytes"],
                        ">= 0.6x",
                        e["ratio_bytes"] >= 0.6,
                    )
                )
            else:
                out.append(
                    Row(
                        "reads",
                        label,
                        rps(e["ours"]),
                        f"{rps(floor)} ({e['floor_server']})",
                        e["ratio_rps"],
                        ">= 0.6x",
                        e["ratio_rps"] >= 0.6,
                    )
                )
    for mode, w in r.get("writes", {}).items():
        out.append(
            Row(
                "writes",
                "POST + DELETE pairs, SQLite WAL/NORMAL, TLS " + ("on" if mode == "tls" else "off"),
                f"{w['ours']['pairs_per_s']:,.0f} pairs/s (p50 {w['ours']['p50_ms']:.2f} ms, "
                f"{w['ours']['errors']} errors)",
                f"{w['floor']['pairs_per_s']:,.0f} pairs/s (bare sqlite3 loop)",
                w["ratio"],
                ">= 0.5x",
                w["ratio"] >= 0.5,
            )
        )
    s = r.get("scale")
    if s:
        n = f"{s['entries']:,} entries / {s['svms']:,} SVMs"
        fp = s["first_page"]
        out.append(
            Row(
                "scale",
                f"last page / first page of 100 (p50), {n}",
                f"last {s['last_page']['p50_ms']:.2f} ms",
                f"first {fp['p50_ms']:.2f} ms",
                s["ratio_last_first"],
                "<= 1.5",
                s["ratio_last_first"] <= 1.5,
            )
        )
        out.append(
            Row(
                "scale",
                "filtered GET `svm.name=...` (100 records) / first page (p50)",
                f"{s['filtered']['p50_ms']:.2f} ms",
                f"first {fp['p50_ms']:.2f} ms",
                s["ratio_filtered_first"],
                "<= 1.5",
                s["ratio_filtered_first"] <= 1.5,
            )
        )
        out.append(
            Row(
                "scale",
                "`return_records=false` count / first page (p50)",
                f"{s['count']['p50_ms']:.2f} ms",
                f"first {fp['p50_ms']:.2f} ms",
                s["ratio_count_first"],
                "(no target)",
                None,
            )
        )
        out.append(
            Row(
                "scale",
                f"peak RSS (VmHWM) serving all of the above, {n}",
                f"{s['VmHWM']:.0f} MiB",
                "",
                None,
                "< 200 MB",
                s["VmHWM"] * 2**20 < 200e6,
            )
        )
    st = r.get("startup")
    if st:
        out.append(
            Row(
                "start-up",
                "process start to first 200 from /api/cluster, TLS on (median)",
                f"{st['ours_s'] * 1000:.0f} ms",
                f"{st['floor_s'] * 1000:.0f} ms (floor app, uvicorn)",
                st["ratio"],
                "<= 1.5x",
                st["ratio"] <= 1.5,
            )
        )
    ip = r.get("inprocess")
    if ip:
        out.append(
            Row(
                "start-up",
                "in-process create_app + one request (median; first in process)",
                f"{ip['create_and_request_ms_median']:.1f} ms "
                f"(first {ip['first_create_and_request_ms']:.0f} ms)",
                "",
                None,
                "(no target)",
                None,
            )
        )
        out.append(
            Row(
                "reset",
                f"reset(app.ctx) on a populated store (median of {ip['resets']})",
                f"{ip['reset_ms_median']:.2f} ms (p90 {ip['reset_ms_p90']:.2f} ms)",
                "",
                None,
                "< 5 ms",
                ip["reset_ms_median"] < 5,
            )
        )
    p = r.get("prism")
    if p and "ratio" in p:
        out.append(
            Row(
                "peer",
                f"collection GET `{p['url']}`, TLS off, ours / Prism {p['version']}",
                rps(p["ours"]),
                rps(p["prism"]),
                p["ratio"],
                ">= 5x",
                p["ratio"] >= 5,
            )
        )
    return out


def table(r: dict[str, Any]) -> str:
    lines = [
        "| area | measure | ours | floor / peer | ratio | target | met |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows(r):
        ratio = "" if row.ratio is None else f"{row.ratio:.2f}"
        met = "" if row.met is None else ("yes" if row.met else "**no**")
        lines.append(
            f"| {row.section} | {row.measure} | {row.ours} | {row.floor} | {ratio} | "
            f"{row.target} | {met} |"
        )
    return "\n".join(lines)


def servers_table(r: dict[str, Any]) -> str:
    s = r.get("servers")
    if not s:
        return ""
    lines = [
        "| server / workers | ours req/s | floor req/s | ours / floor |",
        "|---|---|---|---|",
    ]
    for key, e in s.items():
        lines.append(
            f"| {key} | {e['ours']['rps']:,.0f} | {e['floor']['rps']:,.0f} | {e['ratio_rps']:.2f} |"
        )
    return "\n".join(lines)


def commands(c: Ctx) -> list[str]:
    d = f"{c.duration:g}s"
    wrk_read = f"wrk -t1 -c{c.conns} -d{d} --timeout 10s -s bench/wrk/report.lua"
    return [
        f"make {'bench-quick' if c.quick else 'bench'}   # = .venv/bin/python bench/run.py"
        + (" --quick" if c.quick else ""),
        "ontap-ipsec serve --port $P [--no-tls]          # ours, ONTAP_IPSEC_DATA_DIR=<seeded>",
        "python -m uvicorn bench_apps:floor --loop uvloop --http httptools "
        "[--ssl-certfile crt --ssl-keyfile key] --port $P",
        "granian --interface asgi --loop uvloop --http 1 --no-ws [--ssl-certificate crt "
        "--ssl-keyfile key] --port $P bench_apps:floor",
        f'{wrk_read} -H "Authorization: $AUTH" "https://127.0.0.1:$P{IPSEC}/$UUID?fields=*"',
        f'{wrk_read} -H "Authorization: $AUTH" "https://127.0.0.1:$P{IPSEC}?max_records=20"',
        f'{wrk_read} -H "Authorization: $AUTH" '
        f'"https://127.0.0.1:$P{IPSEC}?fields=*&max_records=1000"',
        f"{wrk_read} https://127.0.0.1:$P/floor/<same size as ours>",
        f'wrk -t2 -c2 -d{d} -s bench/wrk/writes.lua -H "Authorization: $AUTH" '
        f'"https://127.0.0.1:$P{IPSEC}" -- pool.txt 2',
        f'wrk -t1 -c1 -d{d} -s bench/wrk/report.lua -H "Authorization: $AUTH" '
        f'"https://127.0.0.1:$P{IPSEC}?max_records=100"   # and the last page, filter, count',
        "prism mock -h 127.0.0.1 -p $P bench/results/openapi.json",
    ]


def markdown(r: dict[str, Any]) -> str:
    m = r["machine"]
    v = r["versions"]
    parts = [
        f"Run of {r['date']} ({'quick' if r['quick'] else 'full'}, {r['seconds']:.0f} s): "
        f"`{r['command']}`.",
        "",
        f"Machine: {m['nproc']} cores ({m['cpu']}), {m['memory_gib']} GiB, Linux {m['kernel']}, "
        f"Python {m['python']}. Versions: " + ", ".join(f"{k} {val}" for k, val in v.items()) + ".",
        "",
        f"wrk: {r['settings']['conns']} keep-alive connections on 1 thread (writes: 2 threads, "
        f"2 connections; scale: 1 connection), {r['settings']['duration']} s per run, "
        f"best of {r['settings']['rounds']} interleaved round(s) per figure, after a "
        f"{r['settings']['warmup']} s warm-up. Ours is `ontap-ipsec serve` (uvicorn, uvloop, "
        "httptools, 1 worker) unless named; every floor runs 1 worker, same TLS setting. "
        "Phase times (s): " + ", ".join(f"{k} {v}" for k, v in r["phase_seconds"].items()) + ".",
        "",
        table(r),
        "",
        "Commands behind the figures (URLs on free loopback ports; `$AUTH` is the admin's Basic "
        "credential; the floor app answers `/floor/<bytes>` with a constant JSON body):",
        "",
        "```sh",
        *r["commands"],
        "```",
    ]
    st = servers_table(r)
    if st:
        parts += [
            "",
            "Server and worker count (instance GET `fields=*`, TLS on, same wrk settings; "
            "the floor app under the same server and workers):",
            "",
            st,
        ]
    return "\n".join(parts) + "\n"


def update_readme(md: str) -> None:
    readme = BENCH / "README.md"
    start, end = "<!-- results -->", "<!-- /results -->"
    text = readme.read_text() if readme.exists() else f"# Benchmarks\n\n{start}\n{end}\n"
    if start not in text or end not in text:
        text += f"\n{start}\n{end}\n"
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    readme.write_text(f"{head}{start}\n{md}{end}{tail}")


# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="the < 60 s development variant")
    parser.add_argument(
        "--only",
        help="comma-separated phases: reads,servers,writes,scale,startup,inprocess,prism",
    )
    parser.add_argument("--no-readme", action="store_true", help="leave bench/README.md alone")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGHUP, _on_signal)
    sys.path.insert(0, str(BENCH))

    t_start = time.perf_counter()
    wrk_bin = ensure_wrk()
    granian_version = ensure_granian()
    quick = args.quick
    all_phases = ["reads", "servers", "writes", "scale", "startup", "inprocess", "prism"]
    if quick:
        all_phases = ["reads", "writes", "scale", "startup", "inprocess"]
    phases = args.only.split(",") if args.only else all_phases
    prism_version = ensure_prism() if "prism" in phases else None

    RESULTS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ontap-bench-") as tmp:
        work = Path(tmp)
        logs = work / "logs"
        logs.mkdir()
        c = Ctx(
            quick=quick,
            work=work,
            wrk=wrk_bin,
            duration=1 if quick else 2,
            warmup=0 if quick else 1,
            conns=16,
            logs=logs,
            rounds=1 if quick else 4,
        )
        try:
            run_phases(c, phases, prism_version)
        except BaseException:
            PROCS.stop_all()
            for f in sorted(logs.glob("*.log")):
                tail = f.read_text(errors="replace")[-1500:]
                if tail.strip():
                    print(f"--- {f.name}\n{tail}", file=sys.stderr)
            raise
        finally:
            PROCS.stop_all()

    r = c.results
    r.update(
        date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        quick=quick,
        seconds=time.perf_counter() - t_start,
        command="make bench-quick" if quick else "make bench",
        machine=machine(),
        versions={**versions(), "granian": granian_version, "prism": prism_version or "-"},
        settings={
            "duration": c.duration,
            "warmup": c.warmup,
            "conns": c.conns,
            "rounds": c.rounds,
        },
        commands=commands(c),
    )
    stem = "quick" if quick else "full"
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    md = markdown(r)
    (RESULTS / f"{stem}-latest.json").write_text(json.dumps(r, indent=2) + "\n")
    (RESULTS / f"{stem}-latest.md").write_text(md)
    if not quick:
        (RESULTS / f"full-{stamp}.json").write_text(json.dumps(r, indent=2) + "\n")
        if not args.no_readme and not args.only:
            update_readme(md)
    print(md)
    return 0


def run_phases(c: Ctx, phases: Sequence[str], prism_version: str | None) -> None:
    read_dir = c.work / "reads"
    engine = make_data_dir(read_dir)
    from seed import seed

    # 1,000 entries in 50 SVMs, and 400 installed CAs outside the list for the writes
    seeded = seed(engine, n_svms=50, listed_per_svm=20, unlisted_per_svm=8)
    engine.dispose()
    instance_uuid = seeded.listed[len(seeded.listed) // 2][1]
    half = len(seeded.unlisted) // 2
    pools = {True: seeded.unlisted[:half], False: seeded.unlisted[half:]}
    tls_modes: tuple[bool, ...] = (True,) if c.quick else (True, False)
    steps: dict[str, Callable[[], None]] = {
        "reads": lambda: phase_reads(c, read_dir, instance_uuid, tls_modes),
        "servers": lambda: phase_servers(c, read_dir, instance_uuid),
        "writes": lambda: phase_writes(c, read_dir, pools, tls_modes),
        "scale": lambda: phase_scale(c, 50 if c.quick else 1000, 100),
        "startup": lambda: phase_startup(c, read_dir, 1 if c.quick else 5),
        "inprocess": lambda: phase_inprocess(c, read_dir, 50 if c.quick else 200),
        "prism": lambda: phase_prism(c, read_dir, prism_version),
    }
    for name in phases:
        if name == "servers" and "reads" not in c.results:
            phase_reads(c, read_dir, instance_uuid, (True,))
        log(f"phase {name}")
        t0 = time.perf_counter()
        steps[name]()
        c.results.setdefault("phase_seconds", {})[name] = round(time.perf_counter() - t0, 1)


if __name__ == "__main__":
    raise SystemExit(main())
