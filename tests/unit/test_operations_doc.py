"""docs/operations.md as an operator uses it: the environment file names every setting the
server reads and each of its values is accepted; the systemd unit is one systemd takes."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
import sys
from pathlib import Path

from ontap_ipsec.config import ENV_PREFIX, Settings
from tests.requirements import require_executable

DOC = Path(__file__).resolve().parents[2] / "docs" / "operations.md"


def _block(language: str, after: str) -> str:
    text = DOC.read_text()
    start = text.index(after)
    match = re.compile(rf"```{language}\n(.*?)```", re.DOTALL).search(text, start)
    assert match is not None, f"no {language} block after {after!r}"
    return match.group(1)


def _env_file() -> str:
    return _block("sh", "### /etc/ontap-ipsec/env")


def test_the_environment_file_names_every_setting_of_serve() -> None:
    named = set(re.findall(rf"^#?({ENV_PREFIX}[A-Z_]+)=", _env_file(), re.MULTILINE))
    settings = {ENV_PREFIX + f.name.upper() for f in dataclasses.fields(Settings)}
    assert named == settings


def test_every_value_of_the_environment_file_is_accepted(tmp_path: Path) -> None:
    """Its lines as set, then each commented one set as well: all of them parse."""
    lines = [line for line in _env_file().splitlines() if line.startswith(("ONTAP", "#ONTAP"))]
    active = dict(line.split("=", 1) for line in lines if not line.startswith("#"))
    settings = Settings.from_env(active)
    assert (settings.log_format, settings.sync, settings.access_log) == ("json", "full", True)
    assert settings.data_dir == Path("/var/lib/ontap-ipsec")
    for line in lines:
        name, value = line.lstrip("#").split("=", 1)
        Settings.from_env({**active, name: value})  # raises on a value serve refuses


def test_the_systemd_unit_is_valid_and_stops_the_server_gracefully(tmp_path: Path) -> None:
    unit = _block("ini", "### /etc/systemd/system/ontap-ipsec.service")
    keys = dict(
        line.split("=", 1) for line in unit.splitlines() if "=" in line and line[0].isalpha()
    )
    assert keys["EnvironmentFile"] == "/etc/ontap-ipsec/env"
    assert keys["KillSignal"] == "SIGTERM" and keys["KillMode"] == "mixed"
    assert float(keys["TimeoutStopSec"]) > Settings().shutdown_timeout
    assert keys["ExecStart"].endswith("/bin/ontap-ipsec serve")
    analyze = require_executable("systemd-analyze", "to verify the documented unit")
    program = shutil.which("ontap-ipsec", path=str(Path(sys.executable).parent))
    assert program is not None
    (tmp_path / "ontap-ipsec.service").write_text(
        unit.replace("/opt/ontap-ipsec/bin/ontap-ipsec", program)
    )
    done = subprocess.run(
        [analyze, "verify", "./ontap-ipsec.service"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    problems = [
        line
        for line in (done.stdout + done.stderr).splitlines()
        if "ontap-ipsec.service" in line  # its own lines (not the host's other units)
    ]
    assert done.returncode == 0 and problems == [], done.stdout + done.stderr
