"""Where things are, the admin's credential, pinned tool versions, the URL under test."""

from __future__ import annotations

import base64
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent
RESULTS = BENCH / "results"
VENV_BIN = Path(sys.executable).parent
PASSWORD = "bench-admin-pw"
AUTH_HEADER = "Basic " + base64.b64encode(f"admin:{PASSWORD}".encode()).decode()
AUTH = {"authorization": AUTH_HEADER}
GRANIAN_PIN = "2.8.9"
PRISM_PIN = "5.14.2"
NODE = BENCH / ".node"
PRISM_BIN = NODE / "node_modules" / ".bin" / "prism"
IPSEC = "/api/security/ipsec/ca-certificates"
HOST = "127.0.0.1"  # loopback only, always
