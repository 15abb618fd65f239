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
from tests.clients.conftest import Identity
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
    server: Server, identity: Identity, tmp_path: Path
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
    if identity.vsadmin:
        cluster_ca, _ = certs.make_ca("p256", "ansible cluster CA of the vsadmin run")
        variables.update(
            ontap_user=identity.username,
            ontap_password=identity.password,
            admin_password=server.password,
            vsadmin=True,
            svm=identity.svm,
            cluster_ca="ansible-cluster-ca-vs",
            cluster_ca_pem=certs.pem(cluster_ca),
        )

    cluster_uuid = ""
    if identity.vsadmin:  # the cluster's CA is the admin's to install and list
        cluster_uuid = vsadmin_setup(server, "ansible-cluster-ca-vs", certs.pem(cluster_ca))

    rc, report, stderr = run_playbook(server, tmp_path, variables)

    tasks = results_by_task(report)
    if identity.vsadmin:
        assert rc == 0 and report["stats"]["localhost"]["failures"] == 0, stderr  # all ignored
        as_vsadmin(server, identity, tasks, cluster_uuid)
        return
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


def vsadmin_setup(server: Server, name: str, pem: str) -> str:
    """As the admin: a cluster CA (in IPsec) that the vsadmin's run must not see; its uuid."""
    with server.client(auth=server.auth) as admin:
        made = admin.post(
            "/api/security/certificates",
            json={"name": name, "type": "server_ca", "public_certificate": pem},
        )
        assert made.status_code == 201, made.text
        found = admin.get("/api/security/certificates", params={"name": name, "scope": "cluster"})
        uuid = found.json()["records"][0]["uuid"]
        added = admin.post(
            "/api/security/ipsec/ca-certificates", json={"certificate": {"uuid": uuid}}
        )
        assert added.status_code == 201, added.text
    return str(uuid)


def as_vsadmin(
    server: Server, identity: Identity, tasks: dict[str, Any], cluster_ca: str
) -> None:
    """The playbook as the vsadmin of its own SVM (made by the admin): its SVM's CAs managed
    as the admin's are; the SVM's changes, another SVM and the cluster's CA refused as ONTAP
    refuses an SVM administrator."""
    refused = "{'message': 'not authorized for that command', 'code': '6'}"
    failed = {name for name, result in tasks.items() if result.get("failed")}
    assert failed == {
        "Install a CA certificate at cluster scope",
        "Add the cluster CA to IPsec",
        "A certificate that is not installed cannot be added",
        "The same at cluster scope",
        "Stop the SVM and set its language",
        "A second SVM, so that one record a page takes two pages",
    }
    changes = {
        name: [r["changed"] for r in result["results"]]
        for name, result in tasks.items()
        if "results" in result
    }
    assert changes == {
        "Create the SVM": [False, False],  # its own SVM, there already
        "Install a CA certificate in the SVM": [True, False],
        # no svm given: the module looks at the cluster's (none seen) and posts; the
        # certificate is installed in the account's SVM, and the second run is a duplicate
        "Install a CA certificate at cluster scope": [True, False],
        "Add the SVM's CA to IPsec": [True, False],
        "Add the cluster CA to IPsec": [False, False],
        "Remove the SVM's CA from IPsec": [True, False],
        "Stop the SVM and set its language": [False, False],
        "Start the SVM again": [False, False],  # running already: nothing sent
    }
    cluster_runs = tasks["Install a CA certificate at cluster scope"]["results"]
    assert not cluster_runs[0].get("failed")
    assert cluster_runs[1]["msg"].startswith("Error creating or installing certificate: ")
    assert "duplicate entry" in cluster_runs[1]["msg"]
    # the admin's cluster CA (in IPsec) is not there for the SVM's administrator
    assert [r["msg"] for r in tasks["Add the cluster CA to IPsec"]["results"]] == [
        "Error: certificate ansible-cluster-ca-vs is not installed in cluster"
    ] * 2
    assert not tasks["Check mode, remove the cluster CA from IPsec (nothing may change)"][
        "changed"
    ]
    assert tasks["A certificate that is not installed cannot be added"]["msg"] == (
        f"Error: certificate not-installed is not installed in {identity.svm}"
    )
    assert tasks["The same at cluster scope"]["msg"] == (
        "Error: certificate not-installed is not installed in cluster"
    )
    for run in tasks["Stop the SVM and set its language"]["results"]:
        assert run["msg"].startswith("Error in modify: calling: svm/svms/"), run["msg"]
        assert run["msg"].endswith(f"got {refused}.")
    assert tasks["A second SVM, so that one record a page takes two pages"]["msg"] == (
        f"Error in create: calling: svm/svms: got {refused}."
    )
    # as the admin counts them: check mode added nothing, the SVM's CA one entry
    before = tasks["Verify that check mode added nothing"]["json"]["num_records"]
    both = tasks["Record the IPsec list while both entries are present"]["json"]["num_records"]
    assert both == before + 1
    # what the SVM's administrator gathers: its SVM only; the cluster's identity
    info = tasks["Gather SVMs a record a page (following next links) and the cluster"]
    gathered = info["ontap_info"]
    assert [r["name"] for r in gathered["svm/svms"]["records"]] == [identity.svm]
    assert gathered["svm/svms"]["num_records"] == 1
    assert gathered["cluster"]["name"] == "cluster1"
    shown = tasks["Gather the cluster's identity (rest_info keeps it under \"cluster\")"]
    assert shown["ontap_info"]["cluster"]["contact"] == "ops@example.com"

    with server.client(auth=server.auth) as admin:
        entries = admin.get(
            "/api/security/ipsec/ca-certificates", params={"fields": "scope,svm"}
        ).json()["records"]
        in_svm = admin.get(
            "/api/security/certificates",
            params={"svm.name": identity.svm, "fields": "name,type", "order_by": "name"},
        ).json()["records"]
        svm = admin.get(
            "/api/svm/svms", params={"name": identity.svm, "fields": "state,language"}
        ).json()["records"][0]
        second = admin.get("/api/svm/svms", params={"name": f"{identity.svm}_2"}).json()
    assert not [e for e in entries if e.get("svm", {}).get("name") == identity.svm]
    assert cluster_ca in {e["certificate"]["uuid"] for e in entries if e["scope"] == "cluster"}
    assert [(c["name"], c["type"]) for c in in_svm] == [
        ("ansible-cluster-ca-vs", "server_ca"),
        ("ansible-svm-ca", "server_ca"),
    ]
    assert svm["state"] == "running" and svm["language"] != "en.utf_8"
    assert second["num_records"] == 0
