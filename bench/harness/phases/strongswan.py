"""7: strongSwan: from the REST answer to the authority in a real charon; full reconciliations.

a) `ontap-ipsec serve` as it starts (its default server and workers, TLS) with
   `--strongswan cluster1=unix://.../charon.vici`: for each of `changes` changes (a POST
   of a cluster-scope entry, then its DELETE, alternately), the time from the moment
   the response has been read to the moment `list-authorities` (polled without pause
   on a VICI session of the bench's own) shows the authority loaded, or gone. The path
   measured is the whole one: the worker's commit, the agent noticing it
   (`PRAGMA data_version`, then the trust generation), its pass, `load-authority`.
   The bench asks for the one authority by name (`list-authorities name=...`), which
   costs charon and the machine little however many are loaded.
   Once with the list otherwise empty, once with `entries` other entries listed (and
   loaded), since each pass reads the whole scope and lists the daemon's authorities.
b) In this process, a `Reconciler` over the store's own desired list (`TrustList`) and
   the same daemon: one pass loading `entries` entries (distinct CA certificates) into
   a daemon holding none of ours, one full pass finding nothing to do (what every
   resync costs: it lists the daemon's authorities), one pass unloading them all; best
   of rounds.

Skipped, with the reason on a line of its own and in the table, without root, charon,
unshare or vici.
"""

from __future__ import annotations

import statistics
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ..charon import authority_names, problem, running, session
from ..constants import AUTH, IPSEC, PASSWORD
from ..context import Ctx, log
from ..data import make_data_dir
from ..servers import running as serving

STATUS = "/_ontap-ipsec/strongswan"
PREFIX = "ontap-ipsec-ca-"


def run(c: Ctx, changes: int, entries: int) -> None:
    why = problem()
    if why:
        log(f"strongswan: skipped ({why})")
        c.results["strongswan"] = {"skipped": why}
        return
    with running(c.work / "charon", c.logs / "charon-daemon.log") as sock:
        uri = f"unix://{sock}"
        result = latency(c, sock, uri, changes, listed=0)
        result["with_listed"] = latency(c, sock, uri, changes, listed=entries)
        result.update(reconciliation(c, sock, uri, entries, rounds=1 if c.quick else 3))
    c.results["strongswan"] = result


def ca_pems(n: int, label: str) -> list[str]:
    """`n` distinct self-signed P-256 CA certificates (a millisecond or so each)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.now(UTC)
    key = ec.generate_private_key(ec.SECP256R1())  # one key: the subjects differ
    pems = []
    for i in range(n):
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"bench {label} CA {i}")])
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256())
        )
        pems.append(cert.public_bytes(serialization.Encoding.PEM).decode())
    return pems


def _percentile(sorted_ms: list[float], p: float) -> float:
    return sorted_ms[min(len(sorted_ms) - 1, round(p / 100 * (len(sorted_ms) - 1)))]


def listed_entries(data_dir: Path, entries: int, label: str) -> None:
    """`entries` cluster-scope entries of distinct CAs, made through the API in-process."""
    from ontap_ipsec.app import create_app
    from ontap_ipsec.config import Settings
    from ontap_ipsec.inprocess import client
    from ontap_ipsec.seeding import seed

    app = create_app(Settings(data_dir=data_dir, admin_password=PASSWORD), announce=lambda _m: None)
    t0 = time.perf_counter()
    spec = {
        "certificates": [
            {"name": f"{label}{i}", "type": "server_ca", "pem": pem}
            for i, pem in enumerate(ca_pems(entries, label))
        ],
        "ipsec_ca_certificates": [{"certificate": f"{label}{i}"} for i in range(entries)],
    }
    try:
        with client(app, auth=("admin", PASSWORD)) as http:
            seed(http, spec)
    finally:
        app.close()
    log(f"strongswan: {entries} entries made in {time.perf_counter() - t0:.1f} s")


def latency(c: Ctx, sock: Path, uri: str, changes: int, listed: int) -> dict[str, Any]:
    """a), with `listed` other entries in the list (and in the daemon) throughout."""
    import httpx

    data_dir = c.work / f"strongswan-latency-{listed}"
    make_data_dir(data_dir).dispose()
    if listed:
        listed_entries(data_dir, listed, "listed")
    pool = max(1, changes // 2)
    extra = ("--strongswan", f"cluster1={uri}")
    with (
        serving(c, kind="cli", app="ours", data_dir=data_dir, tls=True, extra=extra) as server,
        httpx.Client(base_url=server.base, headers=AUTH, verify=False, timeout=30) as http,
    ):
        for i, pem in enumerate(ca_pems(pool, "latency")):
            body = {"type": "server_ca", "public_certificate": pem, "name": f"lat{i}"}
            assert http.post("/api/security/certificates", json=body).status_code == 201
        found = http.get("/api/security/certificates", params={"fields": "uuid", "name": "lat*"})
        uuids = [record["uuid"] for record in found.json()["records"]]
        _wait_reachable(http, listed)
        samples: dict[str, list[float]] = {"post": [], "delete": []}
        with session(sock) as vici:
            for cert_uuid in uuids:
                name = PREFIX + cert_uuid
                answer = http.post(IPSEC, json={"certificate": {"uuid": cert_uuid}})
                samples["post"].append(_until(vici, name, True, answer))
                answer = http.delete(f"{IPSEC}/{cert_uuid}")
                samples["delete"].append(_until(vici, name, False, answer))
    every = sorted(samples["post"] + samples["delete"])
    log(f"strongswan: {len(every)} changes, {listed} listed: p50 {_percentile(every, 50):.1f} "
        f"ms, p99 {_percentile(every, 99):.1f} ms")  # fmt: skip
    return {
        "changes": len(every),
        "listed": listed,
        "p50_ms": _percentile(every, 50),
        "p90_ms": _percentile(every, 90),
        "p99_ms": _percentile(every, 99),
        "max_ms": every[-1],
        "post_p50_ms": statistics.median(samples["post"]),
        "delete_p50_ms": statistics.median(samples["delete"]),
        "all_ms": [round(x, 2) for x in every],
    }


def _wait_reachable(http: Any, listed: int, timeout: float = 60.0) -> None:
    """Until the agent has the daemon in sync with the `listed` entries."""
    deadline = time.monotonic() + timeout
    while True:
        doc = http.get(STATUS).json()
        [daemon] = doc["daemons"]
        if doc["agent"].get("running") and daemon["in_sync"] and daemon["entries"] == listed:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"the agent did not reach the daemon: {doc}")
        time.sleep(0.05)


def _until(vici: Any, name: str, present: bool, answer: Any, timeout: float = 10.0) -> float:
    """ms from now (the answer read) until `name` is (or is no longer) an authority."""
    if answer.status_code not in (200, 201):
        raise RuntimeError(f"{answer.request.method} answered {answer.status_code}: {answer.text}")
    start = time.perf_counter()
    while (name in authority_names(vici, name)) != present:
        if time.perf_counter() - start > timeout:
            raise RuntimeError(f"{name} not {'loaded' if present else 'unloaded'} in {timeout} s")
    return (time.perf_counter() - start) * 1000


def reconciliation(c: Ctx, sock: Path, uri: str, entries: int, rounds: int) -> dict[str, Any]:
    from ontap_ipsec.app import create_app
    from ontap_ipsec.config import Settings
    from ontap_ipsec.ipsec.daemons import DaemonSpec
    from ontap_ipsec.ipsec.reconciler import Reconciler
    from ontap_ipsec.ipsec.trust_list import TrustList

    data_dir = c.work / "strongswan-full"
    listed_entries(data_dir, entries, "full")
    app = create_app(Settings(data_dir=data_dir, admin_password=PASSWORD), announce=lambda _m: None)
    trust = TrustList(app.ctx.store, app.ctx.backends.ipsec_ca, [DaemonSpec("cluster1", uri)])
    armed = threading.Event()
    reconciler = Reconciler(
        {"cluster1": uri}, lambda: trust() if armed.is_set() else {}, resync=3600.0
    ).start()
    passes: dict[str, list[float]] = {"load": [], "resync": [], "unload": []}
    try:
        if not reconciler.converge(30):
            raise RuntimeError(f"the daemon is not in sync: {reconciler.status()}")
        for _ in range(rounds):
            for step, arm in (("load", True), ("resync", True), ("unload", False)):
                (armed.set if arm else armed.clear)()
                start = time.perf_counter()
                if not reconciler.converge(60, full=step == "resync"):
                    raise RuntimeError(f"{step}: not in sync: {reconciler.status()}")
                passes[step].append((time.perf_counter() - start) * 1000)
                with session(sock) as vici:
                    ours = {n for n in authority_names(vici) if n.startswith(PREFIX)}
                if len(ours) != (entries if arm else 0):
                    raise RuntimeError(f"{step}: the daemon holds {len(ours)} of ours")
    finally:
        reconciler.stop()
        app.close()
    best = {step: min(ms) for step, ms in passes.items()}
    log(f"strongswan: {entries} entries: load {best['load']:.0f} ms, resync "
        f"{best['resync']:.1f} ms, unload {best['unload']:.0f} ms")  # fmt: skip
    return {
        "entries": entries,
        "full_ms": best["load"],
        "resync_ms": best["resync"],
        "unload_ms": best["unload"],
        "passes_ms": {step: [round(x, 1) for x in ms] for step, ms in passes.items()},
    }
