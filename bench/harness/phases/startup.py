"""5: process start to the first 200, ours against the floor app; the in-process figures."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from ..constants import AUTH, BENCH, HOST, PASSWORD
from ..context import Ctx
from ..data import make_data_dir
from ..procs import free_port, started
from ..servers import server_cmd, server_env


def run(c: Ctx, data_dir: Path, reps: int) -> None:
    """5a: `ontap-ipsec serve` and the floor app under uvicorn and granian, alternating;
    medians, the floor being the faster of the two servers."""
    times: dict[str, list[float]] = {"ours": [], "floor_uvicorn": [], "floor_granian": []}
    kinds = {"ours": "cli", "floor_uvicorn": "uvicorn", "floor_granian": "granian"}
    for _ in range(reps):
        for name, kind in kinds.items():
            app = "ours" if name == "ours" else "floor"
            port = free_port()
            cmd = server_cmd(
                kind=kind, app=app, port=port, data_dir=data_dir, tls=True, workers=c.workers
            )
            t0 = time.perf_counter()
            with started(
                cmd,
                env=server_env(data_dir),
                logfile=c.logs / f"startup-{name}.log",
                ready=f"https://{HOST}:{port}/api/cluster",
                timeout=60,
                headers=AUTH,
            ):
                times[name].append(time.perf_counter() - t0)
    medians = {name: statistics.median(t) for name, t in times.items()}
    server = min(("uvicorn", "granian"), key=lambda k: medians[f"floor_{k}"])
    ours, floor = medians["ours"], medians[f"floor_{server}"]
    c.results["startup"] = {
        "ours_s": ours,
        "floor_s": floor,
        "floor_server": server,
        "ratio": ours / floor,
        "reps": reps,
        **{f"all_{name}_s": [round(t, 3) for t in ts] for name, ts in times.items()},
    }


def run_inprocess(c: Ctx, data_dir: Path, resets: int) -> None:
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
