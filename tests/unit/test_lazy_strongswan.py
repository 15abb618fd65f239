"""Without --strongswan, a server imports nothing of strongSwan at start (start-up time);
with it, the server's own process still does not import vici: the agent process does."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PROGRAM = """
import json, sys
from ontap_ipsec.cli import admin, serving
from ontap_ipsec.app import create_app
args = admin.build_parser().parse_args(["serve", "--data-dir", sys.argv[1], *sys.argv[2:]])
settings = admin.settings_from_args(args)
app = create_app(settings, announce=lambda _m: None)
with serving.strongswan(app, settings):  # with the flag: the agent started, and stopped
    pass
print(json.dumps(sorted(m for m in sys.modules if m.startswith(("vici", "ontap_ipsec.ipsec")))))
"""


def _imported(data_dir: Path, *argv: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM, str(data_dir), *argv],
        capture_output=True,
        text=True,
        timeout=60,
        env={"ONTAP_IPSEC_ADMIN_PASSWORD": "pw", "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    return list(json.loads(done.stdout.splitlines()[-1]))


def test_without_the_flag_nothing_of_strongswan_is_imported(tmp_path: Path) -> None:
    assert _imported(tmp_path) == []


def test_with_the_flag_the_server_process_checks_it_without_vici(tmp_path: Path) -> None:
    modules = _imported(tmp_path, "--strongswan", "cluster1=unix:///run/charon.vici")
    assert modules == [
        "ontap_ipsec.ipsec",
        "ontap_ipsec.ipsec.agent",  # what starts and stops the agent process
        "ontap_ipsec.ipsec.daemons",
        "ontap_ipsec.ipsec.uri",
    ]
