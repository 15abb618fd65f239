"""`toolkit jobs progression show | modify`, `toolkit jobs step`, `toolkit jobs rules show |
clear` against a live server."""

from __future__ import annotations

import re

from tests.cli.conftest import Cli
from tests.cli.test_toolkit import control


def test_progression_show_and_modify(cli: Cli) -> None:
    assert cli.ok("toolkit", "jobs", "progression", "show") == "Mode: immediate\n"
    assert (
        cli.ok("toolkit", "jobs", "progression", "modify", "-mode", "polls", "-queued", "2") == ""
    )
    shown = cli.ok("toolkit", "jobs", "progression", "show")
    assert shown == "Mode: polls\nQueued: 2 polls\nRunning: 1 polls\n"
    cli.ok("toolkit", "jobs", "progression", "modify", "-mode", "time", "-running", "0.5")
    assert "Running: 0.5 seconds" in cli.ok("toolkit", "jobs", "progression", "show")
    refused = cli("toolkit", "jobs", "progression", "modify", "-mode", "polls", "-queued", "x")
    assert refused.rc == 2 and '"x" is not a number' in refused.err
    refused = cli("toolkit", "jobs", "progression", "modify", "-mode", "polls", "-queued", "-1")
    assert refused.rc == 1 and "queued" in refused.err


def test_a_job_stepped_from_the_shell(cli: Cli) -> None:
    cli.ok("toolkit", "jobs", "progression", "modify", "-mode", "manual")
    with control(cli) as api:
        job = api.post("/api/svm/svms", json={"name": "vs1"}).json()["job"]["uuid"]
        assert cli.ok("toolkit", "jobs", "step", job) == f"[Job {job}] running\n"
        out = cli.ok("toolkit", "jobs", "step", job, "-state", "failure", "-message", "busy")
        assert out == f"[Job {job}] failure\n"
        record = api.get(f"/api/cluster/jobs/{job}", params={"fields": "message"}).json()
        assert record["message"] == "busy"
        assert api.get("/api/svm/svms").json()["num_records"] == 0
    again = cli("toolkit", "jobs", "step", job)
    assert again.rc == 1 and "The job is failure" in again.err


def test_rules_show_and_clear(cli: Cli) -> None:
    assert cli.ok("toolkit", "jobs", "rules", "show") == (
        "There are no entries matching your query.\n"
    )
    with control(cli) as api:
        rule = {"method": "POST", "path": "/api/svm/svms", "message": "no", "code": 13434890}
        rule_id = api.post("/_ontap-ipsec/jobs/rules", json=rule).json()["id"]
        shown = cli.ok("toolkit", "jobs", "rules", "show")
        assert re.search(rf"^{rule_id} +POST +/api/svm/svms +13434890 +0 +0/1 *$", shown, re.M)
        assert cli.ok("toolkit", "jobs", "rules", "clear") == ""
        assert api.get("/_ontap-ipsec/jobs/rules").json()["num_records"] == 0
