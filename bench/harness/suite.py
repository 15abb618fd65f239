"""A run of the suite: its tools, its phases in a temporary work dir, bench/results/ after."""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ontap_ipsec.config import Settings, default_workers

from .constants import RESULTS
from .context import Ctx, log
from .data import seed_reads
from .machine import machine, versions
from .phases import prism, reads, scale, servers, startup, strongswan, writes
from .procs import PROCS
from .report import commands, markdown, update_readme
from .tools import ensure_granian, ensure_prism, ensure_wrk

FULL = ("reads", "servers", "writes", "scale", "startup", "inprocess", "prism", "strongswan")
QUICK = ("reads", "writes", "scale", "startup", "inprocess", "strongswan")


def run_phases(c: Ctx, phases: Sequence[str], prism_version: str | None) -> None:
    data = seed_reads(c.work / "reads")
    read_dir = data.data_dir
    tls_modes: tuple[bool, ...] = (True,) if c.quick else (True, False)
    steps: dict[str, Callable[[], None]] = {
        "reads": lambda: reads.run(c, read_dir, data.instance_uuid, tls_modes),
        "servers": lambda: servers.run(c, read_dir, data.instance_uuid),
        "writes": lambda: writes.run(c, read_dir, data.pools, tls_modes),
        "scale": lambda: scale.run(c, 50 if c.quick else 1000, 100),
        "startup": lambda: startup.run(c, read_dir, 1 if c.quick else 5),
        "inprocess": lambda: startup.run_inprocess(c, read_dir, 50 if c.quick else 200),
        "prism": lambda: prism.run(c, read_dir, prism_version),
        "strongswan": lambda: strongswan.run(c, 40 if c.quick else 200, 200 if c.quick else 1000),
    }
    for name in phases:
        if name == "servers" and "reads" not in c.results:
            reads.run(c, read_dir, data.instance_uuid, (True,))
        log(f"phase {name}")
        t0 = time.perf_counter()
        steps[name]()
        c.results.setdefault("phase_seconds", {})[name] = round(time.perf_counter() - t0, 1)


def _print_log_tails(logs: Path) -> None:
    for f in sorted(logs.glob("*.log")):
        tail = f.read_text(errors="replace")[-1500:]
        if tail.strip():
            print(f"--- {f.name}\n{tail}", file=sys.stderr)


def _write_json(path: Path, r: dict[str, Any]) -> None:
    path.write_text(json.dumps(r, indent=2) + "\n")


def run(quick: bool, only: Sequence[str] | None, readme: bool) -> int:
    """The suite (`only` some phases, if given); results written, the report printed."""
    t_start = time.perf_counter()
    wrk_bin = ensure_wrk()
    granian_version = ensure_granian()
    phases = list(only) if only else list(QUICK if quick else FULL)
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
            workers=default_workers(),  # as `ontap-ipsec serve` starts; floors run as many
        )
        try:
            run_phases(c, phases, prism_version)
        except BaseException:
            PROCS.stop_all()
            _print_log_tails(logs)
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
            "workers": c.workers,
            "server": Settings().server,
        },
        commands=commands(c),
    )
    stem = "quick" if quick else "full"
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    md = markdown(r)
    _write_json(RESULTS / f"{stem}-latest.json", r)
    (RESULTS / f"{stem}-latest.md").write_text(md)
    if not quick:
        _write_json(RESULTS / f"full-{stamp}.json", r)
        if readme and not only:
            update_readme(md)
    print(md)
    return 0
