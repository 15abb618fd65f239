"""Which server and worker count: ours and the floor under each, instance GET, TLS on.

All eight servers run at once (idle ones cost nothing) and wrk visits them in
turn, round after round, so that the configurations are compared on the same
minutes of a shared machine.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from ..context import Ctx, log
from ..rounds import interleaved
from ..servers import running
from .reads import read_urls


def run(c: Ctx, data_dir: Path, instance_uuid: str) -> None:
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
