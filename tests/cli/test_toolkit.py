"""`toolkit reset | faults show | faults clear | journal export` against a live server."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx

from tests.cli.conftest import ADMIN_PASSWORD, Cli, lines


def control(cli: Cli) -> httpx.Client:
    return httpx.Client(
        base_url=cli.live.url, auth=("admin", ADMIN_PASSWORD), verify=False, timeout=10
    )


def test_reset_empties_the_state(cli: Cli) -> None:
    cli.ok("vserver", "create", "-vserver", "vs1")
    assert cli.ok("toolkit", "reset") == ""
    assert "vs1" not in cli.ok("vserver", "show")


def test_faults_show_and_clear(cli: Cli) -> None:
    with control(cli) as api:
        api.delete("/_ontap-ipsec/faults")
        assert cli.ok("toolkit", "faults", "show") == "There are no entries matching your query.\n"
        rule = {
            "method": "GET",
            "path": "/api/cluster",
            "times": 2,
            "effect": {"type": "status", "status": 503},
        }
        fault_id = api.post("/_ontap-ipsec/faults", json=rule).json()["id"]
        shown = cli.ok("toolkit", "faults", "show")
        assert re.search(rf"^{fault_id} GET +/api/cluster +status +0 +0/2 *$", shown, re.M), shown
        assert shown.splitlines()[0].split() == [
            "Fault",
            "Method",
            "Path",
            "Effect",
            "Matched",
            "Fired",
        ]
        assert len(shown.splitlines()) == 3  # the header, its dashes, the rule
        assert cli.ok("toolkit", "faults", "clear") == ""
        assert api.get("/_ontap-ipsec/faults").json()["num_records"] == 0


def test_journal_export_writes_a_har_file(cli: Cli, tmp_path: Path) -> None:
    with control(cli) as api:
        api.put("/_ontap-ipsec/journal", json={"enabled": True})
        api.delete("/_ontap-ipsec/journal")
        try:
            cli.ok("vserver", "create", "-vserver", "vs1")
            target = tmp_path / "run.har"
            out = cli.ok("toolkit", "journal", "export", str(target), "-method", "POST")
        finally:
            api.put("/_ontap-ipsec/journal", json={"enabled": False})
    document = json.loads(target.read_text())
    entries = document["log"]["entries"]
    assert out == lines(f"\n        1 entry written to {target} (HAR 1.2).\n")
    assert [(e["request"]["method"], e["response"]["status"]) for e in entries] == [("POST", 202)]
    assert ADMIN_PASSWORD not in target.read_text()
