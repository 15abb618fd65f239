"""The console costs a server nothing until someone opens it: no import at start, nor for
requests to /api; the first console request imports it (and Jinja2)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PROGRAM = """
import json, sys
from ontap_ipsec.app import create_app
from ontap_ipsec.config import Settings
from ontap_ipsec.inprocess import client
app = create_app(Settings(data_dir=sys.argv[1], admin_password="pw"), announce=lambda _m: None)
def loaded():
    return sorted(m for m in sys.modules if m.startswith(("ontap_ipsec.console", "jinja2")))
with client(app, auth=("admin", "pw")) as api:
    api.get("/api/cluster")
    api.get("/docs/api")
    before = loaded()
    api.get("/login")
print(json.dumps([before, loaded()]))
"""


def test_the_console_is_imported_on_its_first_request_only(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM, str(tmp_path / "data")],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    before, after = json.loads(done.stdout.splitlines()[-1])
    assert before == []
    assert "ontap_ipsec.console.server" in after
    assert "jinja2" in after
