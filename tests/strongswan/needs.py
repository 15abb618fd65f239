"""What the strongSwan tests need: root, iproute2, charon, vici, network namespaces.

Through tests/requirements.py: outside CI a missing piece skips with its reason, under
CI=true (where tests/prepare.sh installs everything) it fails.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess

from tests.requirements import missing
from tests.strongswan.lab import CHARON

INSTALL = (
    "apt-get install strongswan-charon strongswan-swanctl libstrongswan-standard-plugins "
    "libcharon-extra-plugins, as tests/prepare.sh does under CI=true; vici comes with "
    "pip install -e '.[test]'"
)


def require_vici() -> None:
    """The PyPI `vici` module, which ontap_ipsec.ipsec imports. Usable at module level."""
    if importlib.util.find_spec("vici") is None:
        missing(f"the vici module is not installed ({INSTALL})")


def daemon_problem() -> str | None:
    """Why real charon daemons in namespaces of our own cannot run here, or None."""
    if os.geteuid() != 0:
        return "needs root (network namespaces and charon)"
    if shutil.which("ip") is None:
        return "the ip command (iproute2) is missing"
    if not CHARON.exists():
        return f"no charon binary at {CHARON} ({INSTALL})"
    if importlib.util.find_spec("vici") is None:
        return f"the vici module is not installed ({INSTALL})"
    probe = f"oitsprobe{os.getpid() % 100000}"
    made = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True)
    if made.returncode != 0:
        return f"cannot create a network namespace: {made.stderr.strip()}"
    subprocess.run(["ip", "netns", "del", probe], capture_output=True)
    return None
