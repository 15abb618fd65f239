"""The Ansible netapp.ontap modules against `ontap-ipsec serve`: a real ansible-playbook run.

The playbook (tests/clients/ansible/ipsec_ca.yml) runs na_ontap_svm,
na_ontap_security_certificates and na_ontap_security_ipsec_ca_certificate, each
change twice (changed, then not), in check mode, and on the module's own errors;
its assert task checks every result. The JSON callback lets this test read each
task's outcome, and the server is inspected afterwards.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests import certs
from tests.requirements import require, require_executable
from tests.server.process import Server

PLAYBOOK = Path(__file__).parent / "ansible" / "ipsec_ca.yml"
HINT = "pip install ansible ansible-core; both are in the test extra"

require("ansible", HINT)
require("ansible_collections.netapp.ontap", HINT)



@pytest.fixture(scope="module")
def server(release_server: Server) -> Server:
    """The oldest and the newest release profiled, in turn."""
    return release_server


def ansible_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(
        HOME=str(home),
        LC_ALL="C.UTF-8",
        ANSIBLE_LOCAL_TEMP=str(home / "tmp"),
        ANSIBLE_REMOTE_TEMP=str(home / "remote-tmp"),
        ANSIBLE_HOST_KEY_CHECKING="False",
        ANSIBLE_PYTHON_INTERPRETER=sys.executable,
        ANSIBLE_STDOUT_CALLBACK="ansible.posix.json",
        ANSIBLE_RETRY_FILES_ENABLED="False",
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_DEPRECATION_WARNINGS="False",
        ANSIBLE_CONFIG=str(home / "ansible.cfg"),  # an empty config: nothing inherited
    )
    env.pop("REQUESTS_CA_BUNDLE", None)
    return env


def run_playbook(
    server: Server | None, tmp_path: Path, variables: dict[str, Any], playbook: Path = PLAYBOOK
) -> Any:
    playbook_cmd = require_executable(Path(sys.executable).parent / "ansible-playbook", HINT)
    home = tmp_path / "home"
    home.mkdir()
    (home / "ansible.cfg").write_text("[defaults]\n")
    extra = tmp_path / "vars.json"
    extra.write_text(json.dumps(variables))
    done = subprocess.run(
        [playbook_cmd, str(playbook), "-i", "localhost,", "-c", "local", "-e", f"@{extra}"],
        env=ansible_env(home),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )
    try:
        report = json.loads(done.stdout)
    except ValueError:
        pytest.fail(f"ansible-playbook rc={done.returncode}\n{done.stdout}\n{done.stderr}")
    return done.returncode, report, done.stderr


def results_by_task(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out = {}
    for task in report["plays"][0]["tasks"]:
        out[task["task"]["name"]] = task["hosts"]["localhost"]
    return out


def test_playbook_is_idempotent_honours_check_mode_and_reports_module_errors(
    server: Server, tmp_path: Path
) -> None:
    svm_ca, _ = certs.make_ca("p256", "ansible svm CA")
    cluster_ca, _ = certs.make_ca("p256", "ansible cluster CA")
    variables = {
        "ontap_port": server.port,
        "ontap_password": server.password,
        "svm": "vs_ansible",
        "svm_ca": "ansible-svm-ca",
        "cluster_ca": "ansible-cluster-ca",
        "svm_ca_pem": certs.pem(svm_ca),
        "cluster_ca_pem": certs.pem(cluster_ca),
    }

    rc, report, stderr = run_playbook(server, tmp_path, variables)

    tasks = results_by_task(report)
    failed = {
        name: [r.get("msg") for r in result.get("results", [])] or result.get("msg")
        for name, result in tasks.items()
        if result.get("failed") and not name.startswith(("A certificate", "The same"))
    }
    assert not failed, f"{failed}\n{stderr}"
    assert rc == 0, stderr
    assert report["stats"]["localhost"]["failures"] == 0
    # the module's own wording, unchanged by the server's answers
    assert tasks["A certificate that is not installed cannot be added"]["msg"] == (
        "Error: certificate not-installed is not installed in vs_ansible"
    )
    assert tasks["The same at cluster scope"]["msg"] == (
        "Error: certificate not-installed is not installed in cluster"
    )
    changes = {
        name: [r["changed"] for r in result["results"]]
        for name, result in tasks.items()
        if "results" in result
    }
    assert changes == {
        "Create the SVM": [True, False],
        "Install a CA certificate in the SVM": [True, False],
        "Install a CA certificate at cluster scope": [True, False],
        "Add the SVM's CA to IPsec": [True, False],
        "Add the cluster CA to IPsec": [True, False],
        "Remove the SVM's CA from IPsec": [True, False],
        "Stop the SVM and set its language": [True, False],
        "Start the SVM again": [True, False],
    }
    assert tasks["Check mode, remove the cluster CA from IPsec (nothing may change)"]["changed"]

    # on the server: the check-mode removal left the cluster entry, the real one took the SVM's
    with server.client(auth=server.auth) as client:
        entries = client.get("/api/security/ipsec/ca-certificates", params={"fields": "*"}).json()[
            "records"
        ]
        cluster_cert = client.get(
            "/api/security/certificates",
            params={"name": "ansible-cluster-ca", "scope": "cluster", "fields": "uuid"},
        ).json()["records"]
        svm_cert = client.get(
            "/api/security/certificates",
            params={"name": "ansible-svm-ca", "svm.name": "vs_ansible", "fields": "type"},
        ).json()["records"]
        svms = client.get("/api/svm/svms", params={"name": "vs_ansible"}).json()
        svm = client.get(
            "/api/svm/svms", params={"name": "vs_ansible", "fields": "state,language"}
        ).json()["records"][0]
    assert [(e["scope"], e["certificate"]["uuid"]) for e in entries] == [
        ("cluster", cluster_cert[0]["uuid"])
    ]
    assert [c["type"] for c in svm_cert] == ["server_ca"]
    assert svms["num_records"] == 1
    assert (svm["state"], svm["language"]) == ("running", "en.utf_8")


def test_svm_has_the_fields_na_ontap_svm_reads(server: Server) -> None:
    """na_ontap_svm (ONTAP >= 9.13.1) asks for `storage` and does int() on both members;
    before 9.13.1 it asks for the fields before `max_volumes` (and the field is unknown)."""
    fields = (
        "subtype,aggregates,language,snapshot_policy,ipspace,comment,nfs,cifs,fcp,iscsi,nvme,"
        "state,s3,max_volumes,ndmp,s3,auto_enable_analytics,auto_enable_activity_tracking,storage"
    )
    newer = server.release != "9.10.1"  # type: ignore[attr-defined]
    if not newer:
        fields = fields.split(",max_volumes")[0]
    with server.client(auth=server.auth) as client:
        assert client.post("/api/svm/svms", json={"name": "vs_fields"}).status_code == 202
        response = client.get("/api/svm/svms", params={"name": "vs_fields", "fields": fields})

    assert response.status_code == 200, response.text
    record = response.json()["records"][0]
    if newer:
        assert isinstance(record["storage"]["limit"], int)
        assert isinstance(record["storage"]["limit_threshold_alert"], int)
    for key in ("aggregates", "ipspace", "snapshot_policy", "state"):
        assert key in record
