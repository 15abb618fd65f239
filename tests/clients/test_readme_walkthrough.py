"""The README's curl walk-through, executed as written against `ontap-ipsec serve`.

The sh block between `<!-- walkthrough ... -->` and `<!-- /walkthrough -->` runs
under `bash -e` with only the URL and the password replaced; a `curl` shell
function records each call's status and body so every step is checked.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.requirements import require_executable
from tests.server.process import Server

README = Path(__file__).resolve().parents[2] / "README.md"

RECORDER = r"""
curl() {
  local n=$(( $(ls "$OUT" | wc -l) / 2 + 1 ))
  command curl -w '%{http_code}' -o "$OUT/$n.body" "$@" > "$OUT/$n.status"
  cat "$OUT/$n.body"
}
"""


def walkthrough() -> str:
    text = README.read_text()
    match = re.search(
        r"<!-- walkthrough[^>]*-->\s*```sh\n(.*?)```\s*<!-- /walkthrough -->", text, re.S
    )
    assert match, "README.md has no walkthrough block"
    return match.group(1)


def documented_final_answer() -> tuple[int, dict[str, Any]]:
    """What the README says the last call answers (`404` with `{...}`)."""
    tail = README.read_text().split("<!-- /walkthrough -->", 1)[1]
    match = re.search(r"`(\d{3})`\s+with\s+`(\{.*?\})`", tail)
    assert match, "README no longer states the last call's answer"
    return int(match.group(1)), json.loads(match.group(2))


def test_readme_walkthrough_runs_as_documented(server: Server, tmp_path: Path) -> None:
    require_executable("curl", "apt-get install curl")
    script = walkthrough()
    assert "API=https://127.0.0.1:8443/api" in script and 'AUTH="admin:secret"' in script
    script = script.replace("API=https://127.0.0.1:8443/api", f"API={server.api}").replace(
        'AUTH="admin:secret"', f'AUTH="admin:{server.password}"'
    )
    out = tmp_path / "calls"
    out.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("CURL_CA_BUNDLE", "SSL_CERT_FILE")}
    env["OUT"] = str(out)

    done = subprocess.run(
        ["bash", "-e", "-c", RECORDER + script],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, done.stderr
    calls = []
    for n in range(1, len(list(out.iterdir())) // 2 + 1):
        status = int((out / f"{n}.status").read_text())
        calls.append((status, json.loads((out / f"{n}.body").read_text() or "null")))
    assert [status for status, _ in calls] == [200, 202, 200, 201, 200, 201, 200, 200, 404]
    cluster, job, svms, _cert, ca_lookup, added, listed, _deleted, missing = (
        body for _, body in calls
    )
    assert cluster["version"]["generation"] == 9
    assert set(cluster["version"]) == {"full", "generation", "major", "minor"}
    assert job["job"]["_links"]["self"]["href"] == f"/api/cluster/jobs/{job['job']['uuid']}"
    assert [(r["name"], r["state"]) for r in svms["records"]] == [("vs1", "running")]
    ca = ca_lookup["records"][0]["uuid"]
    assert added["num_records"] == 1
    assert added["records"][0]["certificate"]["uuid"] == ca
    assert added["records"][0]["svm"]["name"] == "vs1"
    assert [
        (r["certificate"]["uuid"], r["scope"], r["svm"]["name"]) for r in listed["records"]
    ] == [(ca, "svm", "vs1")]
    assert calls[-1] == documented_final_answer()
    assert missing == {"error": {"message": "entry doesn't exist", "code": "4", "target": "uuid"}}


@pytest.fixture(autouse=True)
def _curl_ignores_bundle_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
