"""One wrk run (bench/wrk/*.lua print a JSON summary line) and the figures made from it."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from typing import Any

from .constants import AUTH_HEADER, BENCH
from .context import Ctx

SUMMARY = "WRKJSON "
ERROR = "WRKERROR "


def parse_report(stdout: str) -> dict[str, Any] | None:
    """The summary a script's done() printed, with the first errors it recorded; None if none."""
    lines = stdout.splitlines()
    first_errors = [line[len(ERROR) :] for line in lines if line.startswith(ERROR)]
    for line in lines:
        if line.startswith(SUMMARY):
            return {**json.loads(line[len(SUMMARY) :]), "first_errors": first_errors}
    return None


def figures(raw: dict[str, Any], *, conns: int, threads: int) -> dict[str, Any]:
    """Throughput, latency and errors of one parsed report."""
    seconds = raw["duration_us"] / 1e6
    return {
        "rps": raw["requests"] / seconds,
        "bytes_per_s": raw["bytes"] / seconds,
        "p50_ms": raw["p50_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "requests": raw["requests"],
        "errors": sum(raw["errors"].values()),
        "error_detail": raw["errors"],
        "first_errors": raw["first_errors"],
        "conns": conns,
        "threads": threads,
        "seconds": round(seconds, 2),
    }


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
        cmd = [c.wrk, "-t", str(threads), "-c", str(conns), "-d", f"{max(1, round(seconds))}s"]
        cmd += ["--timeout", "10s", "-s", str(BENCH / "wrk" / script)]
        if auth:
            cmd += ["-H", f"Authorization: {AUTH_HEADER}"]
        cmd.append(url)
        if script_args:
            cmd += ["--", *script_args]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
        raw = parse_report(done.stdout)
        if raw is None:
            raise RuntimeError(f"wrk printed no summary: {done.stdout[-500:]} {done.stderr[-500:]}")
        return raw

    if warmup and c.warmup > 0:
        once(c.warmup)
    return figures(once(duration), conns=conns, threads=threads)
