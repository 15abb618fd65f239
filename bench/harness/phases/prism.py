"""6: Prism mocking our own OpenAPI document; the same collection GET, TLS off on both."""

from __future__ import annotations

import os
from pathlib import Path

from ..constants import AUTH, HOST, PRISM_BIN, RESULTS
from ..context import Ctx, log
from ..procs import free_port, started
from ..rounds import interleaved
from ..servers import body_size, running
from .reads import read_urls


def run(c: Ctx, data_dir: Path, version: str | None) -> None:
    if version is None:
        c.results["prism"] = {"skipped": "npm is not available"}
        return
    import httpx

    spec = c.work / "openapi.json"
    url = read_urls("")["collection20"]
    with running(c, kind="cli", app="ours", data_dir=data_dir, tls=False) as ours:
        spec.write_bytes(httpx.get(ours.base + "/docs/api/openapi.json", timeout=30).content)
        (RESULTS / "openapi.json").write_bytes(spec.read_bytes())
        port = free_port()
        base = f"http://{HOST}:{port}"
        with started(
            [str(PRISM_BIN), "mock", "-h", HOST, "-p", str(port), str(spec)],
            env={**os.environ, "NO_COLOR": "1"},
            logfile=c.logs / "prism.log",
            ready=base + url,
            timeout=90,
            headers=AUTH,
        ):
            prism_size = body_size(base + url, AUTH)
            log("prism: ours and Prism, collection GET, interleaved")
            measured = interleaved(
                c, {"ours": {"url": ours.base + url}, "prism": {"url": base + url}}
            )
    c.results["prism"] = {
        "version": version,
        "url": url,
        "ours": measured["ours"],
        "prism": measured["prism"],
        "prism_body_bytes": prism_size,
        "ratio": measured["ours"]["rps"] / measured["prism"]["rps"],
    }
