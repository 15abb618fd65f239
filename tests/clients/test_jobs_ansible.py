"""na_ontap_svm's job waits against `ontap-ipsec serve`: a failed SVM job reported with
ONTAP's message, and a job waited for through queued and running to success. One
ansible-playbook run (tests/clients/ansible/svm_jobs.yml); the module polls every 5 s.
As the `vsadmin` of an SVM the admin made, both creates are refused (ONTAP's SVM
administrator creates no SVM) before any job, and the failure rule is left unconsumed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx

from tests.clients.conftest import Identity
from tests.clients.test_ansible import HINT, ansible_env, results_by_task
from tests.requirements import require, require_executable
from tests.server.process import Server

require("ansible", HINT)
require("ansible_collections.netapp.ontap", HINT)

PLAYBOOK = Path(__file__).parent / "ansible" / "svm_jobs.yml"
MESSAGE = "Failed to create the root volume of the SVM: no aggregate has room for it."


def test_na_ontap_svm_reports_a_failed_job_and_waits_through_every_state(
    server: Server, identity: Identity, tmp_path: Path
) -> None:
    playbook_cmd = require_executable(Path(sys.executable).parent / "ansible-playbook", HINT)
    home = tmp_path / "home"
    home.mkdir()
    (home / "ansible.cfg").write_text("[defaults]\n")
    extra = tmp_path / "vars.json"
    variables = {
        "ontap_port": server.port,
        "ontap_password": server.password,
        "svm_failed": "vs_job_failed",
        "svm_polled": "vs_job_polled",
        "failure_message": MESSAGE,
    }
    if identity.vsadmin:
        variables.update(
            ontap_user=identity.username,
            ontap_password=identity.password,
            admin_password=server.password,
            vsadmin=True,
        )
    extra.write_text(json.dumps(variables))
    done = subprocess.run(
        [playbook_cmd, str(PLAYBOOK), "-i", "localhost,", "-c", "local", "-e", f"@{extra}"],
        env=ansible_env(home),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    tasks = results_by_task(json.loads(done.stdout))
    if identity.vsadmin:
        refused = "{'message': 'not authorized for that command', 'code': '6'}"
        for name in (
            "Create an SVM whose job fails",
            "Create an SVM whose job is waited for through every state",
        ):
            assert tasks[name]["failed"], name
            assert tasks[name]["msg"] == f"Error in create: calling: svm/svms: got {refused}."
        with httpx.Client(base_url=server.base_url, auth=server.auth, verify=False) as client:
            svms = client.get("/api/svm/svms").json()["records"]
            assert not [s for s in svms if s["name"].startswith("vs_job")]
            jobs = client.get("/api/cluster/jobs", params={"svm.name": "vs_job*"}).json()
            assert jobs["num_records"] == 0
            client.post("/_ontap-ipsec/reset")  # the rule, unconsumed, goes with it
        return

    failed = tasks["Create an SVM whose job fails"]
    assert failed["failed"]
    assert MESSAGE in failed["msg"]
    assert failed["msg"].startswith("Error in create: job reported error")
    polled = tasks["Create an SVM whose job is waited for through every state"]
    assert not polled.get("failed"), polled
    assert polled["changed"]

    with httpx.Client(base_url=server.base_url, auth=server.auth, verify=False) as client:
        svms = client.get("/api/svm/svms").json()["records"]
        assert [s["name"] for s in svms if s["name"].startswith("vs_job")] == ["vs_job_polled"]
        jobs = {
            j["svm"]["name"]: j["uuid"]
            for j in client.get("/api/cluster/jobs", params={"fields": "svm"}).json()["records"]
            if j.get("svm", {}).get("name", "").startswith("vs_job")
        }
        polls = client.get(f"/_ontap-ipsec/jobs/{jobs['vs_job_polled']}").json()
        assert polls["answered"] == ["queued", "running", "success"]
        failure = client.get(f"/api/cluster/jobs/{jobs['vs_job_failed']}").json()
        assert (failure["state"], failure["message"], failure["code"]) == (
            "failure",
            MESSAGE,
            13434890,
        )
        client.post("/_ontap-ipsec/reset")
