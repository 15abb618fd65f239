"""3: POST + DELETE pairs (wrk, writes.lua) against a bare sqlite3 loop, interleaved."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..constants import IPSEC
from ..context import Ctx, log, mode
from ..rounds import Best
from ..servers import running
from ..wrk import wrk

PRAGMAS = (
    "PRAGMA foreign_keys=ON",
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA busy_timeout=10000",
    "PRAGMA case_sensitive_like=ON",
)
UNLIST = "DELETE FROM ipsec_ca_certificates WHERE certificate_uuid = ?"


def bare_sqlite_pairs(
    db: Path, pool: Sequence[tuple[str, str]], seconds: float, sync: str = "NORMAL"
) -> dict[str, Any]:
    """The same write transactions as POST + DELETE, by a bare sqlite3 loop, same pragmas."""
    conn = _connect(db, sync)
    conn.executemany(UNLIST, [(u,) for _, u in pool])
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
            conn.execute(UNLIST, (cert_uuid,))
            continue
        conn.execute(
            "INSERT INTO ipsec_ca_certificates (certificate_uuid, svm_uuid, scope_key, is_ca, "
            "created) VALUES (?, ?, ?, 1, ?)",
            (cert_uuid, svm_uuid, svm_uuid, datetime.now(UTC).replace(tzinfo=None).isoformat()),
        )
        conn.execute("COMMIT")
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(UNLIST, (cert_uuid,))
        conn.execute("COMMIT")
        pairs += 1
    elapsed = time.perf_counter() - start
    conn.close()
    return {"pairs_per_s": pairs / elapsed, "pairs": pairs, "seconds": round(elapsed, 2)}


def clear_pool(db: Path, pool: Sequence[tuple[str, str]]) -> None:
    """Take the pool's certificates out of the IPsec list (what a run ended mid-pair left)."""
    conn = _connect(db)
    try:
        conn.executemany(UNLIST, [(u,) for _, u in pool])
    finally:
        conn.close()


def _connect(db: Path, sync: str = "NORMAL") -> sqlite3.Connection:
    """A connection to the service's database with the service's pragmas (`sync`: the
    synchronous setting, as `serve --sync` sets it)."""
    conn = sqlite3.connect(str(db), isolation_level=None, check_same_thread=False)
    for pragma in PRAGMAS:
        conn.execute(pragma.replace("NORMAL", sync))
    return conn


def run(
    c: Ctx, data_dir: Path, pools: dict[bool, list[tuple[str, str]]], tls_modes: Sequence[bool]
) -> None:
    out = c.results.setdefault("writes", {})
    threads = 2
    for tls in tls_modes:
        key = mode(tls)
        pool = pools[tls]
        pool_file = c.work / f"pool-{key}.txt"
        pool_file.write_text("".join(f"{svm} {uuid}\n" for svm, uuid in pool))
        kept = Best("pairs_per_s")
        db = data_dir / "ontap-ipsec.db"
        full = ("--sync", "full")
        with (
            running(c, kind="cli", app="ours", data_dir=data_dir, tls=tls) as ours,
            running(c, kind="cli", app="ours", data_dir=data_dir, tls=tls, extra=full) as durable,
        ):
            for _ in range(c.rounds):
                log(f"writes {key}: the bare sqlite3 loop, then ours with 2 and 8 connections")
                # the bare loop first: it also clears what a wrk run ended mid-pair left
                kept.add("bare", bare_sqlite_pairs(db, pool, c.duration))
                kept.add("bare_full", bare_sqlite_pairs(db, pool, c.duration, "FULL"))
                runs = (
                    ("ours", threads, ours), ("ours_8", 8, ours), ("ours_full", threads, durable)
                )
                for name, conns, server in runs:
                    clear_pool(db, pool)
                    res = wrk(
                        c,
                        server.base + IPSEC,
                        conns=conns,
                        threads=conns,
                        script="writes.lua",
                        script_args=[str(pool_file), str(conns)],
                        warmup=False,
                    )
                    res["pairs_per_s"] = res["rps"] / 2
                    kept.add(name, res)
        best_ours, best_bare = kept.best["ours"], kept.best["bare"]
        out[key] = {
            "ours": best_ours,
            "ours_8": kept.best["ours_8"],
            "floor": best_bare,
            "ours_full": kept.best["ours_full"],
            "floor_full": kept.best["bare_full"],
            "runs_pairs_per_s": {
                k: kept.runs[k] for k in ("ours", "ours_8", "bare", "ours_full", "bare_full")
            },
            "ratio": best_ours["pairs_per_s"] / best_bare["pairs_per_s"],
            "ratio_8": kept.best["ours_8"]["pairs_per_s"] / best_bare["pairs_per_s"],
            "ratio_full": kept.best["ours_full"]["pairs_per_s"]
            / kept.best["bare_full"]["pairs_per_s"],
            "full_over_normal": kept.best["ours_full"]["pairs_per_s"] / best_ours["pairs_per_s"],
        }
