"""na_ontap_security_ipsec_config and na_ontap_security_ipsec_policy against `ontap-ipsec
serve`: a real ansible-playbook run (tests/ipsec_policies/ansible/ipsec_policies.yml), each
change twice (changed, then not), in check mode, and on ONTAP's refusals; on the oldest and
the newest release profiled."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from tests import certs
from tests.clients.conftest import release_server  # noqa: F401 - the fixture
from tests.clients.test_ansible import results_by_task
from tests.clients.test_ansible import run_playbook as run_ansible
from tests.requirements import require, require_executable
from tests.server.process import Server

PLAYBOOK = Path(__file__).parent / "ansible" / "ipsec_policies.yml"
HINT = "pip install ansible ansible-core; both are in the test extra"
PSK = "an-ansible-pre-shared-key"

require("ansible", HINT)
require("ansible_collections.netapp.ontap", HINT)


@pytest.fixture(scope="module")
def server(release_server: Server) -> Server:  # noqa: F811 - the imported fixture
    return release_server


def run_playbook(tmp_path: Path, variables: dict[str, Any]) -> tuple[int, Any, str]:
    """The collection's shared runner, on this directory's playbook."""
    require_executable(Path(sys.executable).parent / "ansible-playbook", HINT)
    return run_ansible(None, tmp_path, variables, PLAYBOOK)  # type: ignore[no-any-return]


def test_the_ipsec_modules_are_idempotent_and_report_refusals(
    server: Server, tmp_path: Path
) -> None:
    issuer = certs.make_ca("p256", "ansible issuer")
    cert, key = certs.make_leaf(issuer, cn="ansible-leaf")
    variables = {
        "ontap_port": server.port,
        "ontap_password": server.password,
        "svm": "vs_policies",
        "leaf": "ansible-leaf",
        "leaf_pem": certs.pem(cert),
        "leaf_key": certs.key_pem(key),
        "psk": PSK,
    }

    rc, report, stderr = run_playbook(tmp_path, variables)

    tasks = results_by_task(report)
    expected_failures = ("The action cannot change", "A PSK policy without its key")
    failed = {
        name: [r.get("msg") for r in result.get("results", [])] or result.get("msg")
        for name, result in tasks.items()
        if result.get("failed") and not name.startswith(expected_failures)
    }
    assert not failed, f"{failed}\n{stderr}"
    assert rc == 0, stderr
    changes = {
        name: [r["changed"] for r in result["results"]]
        for name, result in tasks.items()
        if "results" in result and name != "Record the policies"
    }
    assert changes == {
        "Enable IPsec with a replay window": [True, False],
        "Create the SVM": [True, False],
        "Install a server certificate with its key in the SVM": [True, False],
        "Create a PSK policy": [True, False],
        "Modify the PSK policy": [True, False],
        "Create a PKI policy": [True, False],
        "Create a bypass policy at cluster scope (its authentication is ignored)": [True, False],
        "Delete the PKI policy": [True, False],
        "Disable IPsec again": [True, False],
    }
    assert tasks["Check mode, create a PSK policy (nothing may change)"]["changed"] is True
    assert tasks["The action cannot change"]["msg"] == "Error: cannot modify option - action."
    keyless = tasks["A PSK policy without its key is refused by ONTAP"]["msg"]
    assert keyless.startswith("Error creating security ipsec policy keyless:")
    assert "66257111" in keyless
    records = {r["name"]: r for r in tasks["Record the policies"]["json"]["records"]}
    assert set(records) == {"bypass_policy", "pki_policy", "psk_policy"}
    psk = records["psk_policy"]
    assert (psk["enabled"], psk["protocol"], psk["remote_identity"]) == (False, "udp", "peer")
    assert psk["local_endpoint"] == {
        "address": "10.23.43.23",
        "netmask": "24",
        "family": "ipv4",
        "port": "2049-2049",
    }
    bypass = records["bypass_policy"]
    assert (bypass["scope"], bypass["authentication_method"]) == ("cluster", "none")
    assert records["pki_policy"]["local_endpoint"]["address"] == "2402:940::45"
    assert PSK not in str(report)

    with server.client(auth=server.auth) as client:
        left = client.get("/api/security/ipsec/policies", params={"fields": "name"}).json()
        config = client.get("/api/security/ipsec").json()
    assert sorted(r["name"] for r in left["records"]) == ["bypass_policy", "psk_policy"]
    assert (config["enabled"], config["replay_window"]) == (False, "0")
