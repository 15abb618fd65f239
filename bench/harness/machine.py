"""The machine a run measured on, and the versions of what it ran."""

from __future__ import annotations

import contextlib
import os
import platform
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

PACKAGES = ("ontap-ipsec", "uvicorn", "uvloop", "httptools", "granian", "sqlalchemy")


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
    for pkg in PACKAGES:
        with contextlib.suppress(Exception):
            out[pkg] = version(pkg)
    with contextlib.suppress(Exception):
        head = subprocess.run([shutil.which("wrk") or "wrk", "-v"], capture_output=True, text=True)
        out["wrk"] = (head.stdout + head.stderr).split()[1]
    out["sqlite"] = sqlite3.sqlite_version
    return out
