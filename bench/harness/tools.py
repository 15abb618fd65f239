"""The tools a run needs, installed when missing: wrk (apt), granian (pip), Prism (npm)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

from .constants import GRANIAN_PIN, NODE, PRISM_BIN, PRISM_PIN
from .context import log


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
        NODE.mkdir(exist_ok=True)
        done = subprocess.run(
            [npm, "install", "--prefix", str(NODE), "--no-audit", "--no-fund"]
            + ["--loglevel=error", f"@stoplight/prism-cli@{PRISM_PIN}"],
            stdout=subprocess.DEVNULL,
            timeout=300,
        )
        if done.returncode != 0 or not PRISM_BIN.exists():
            return None
    pkg = NODE / "node_modules" / "@stoplight" / "prism-cli" / "package.json"
    return str(json.loads(pkg.read_text())["version"])
