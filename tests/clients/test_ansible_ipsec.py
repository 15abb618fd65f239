"""The Ansible netapp.ontap IPsec modules against `ontap-ipsec serve`: a real ansible-playbook.

The playbook (tests/clients/ansible/ipsec_policy.yml) runs
na_ontap_security_ipsec_config (enable, replay window) and na_ontap_security_ipsec_policy
(a PSK policy of an SVM: create, modify, delete; a cluster-scoped bypass policy over IPv6;
a PKI policy on a server certificate and key installed with na_ontap_security_certificates),
each change twice (changed, then not) and in check mode; its assert task checks every
result. The server's state is read over REST afterwards, and the pre-shared key must not
appear anywhere in what the playbook printed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import certs
from tests.clients.conftest import IDENTITIES, Identity, identity_of
from tests.clients.test_ansible import HINT, ansible_env, results_by_task
from tests.requirements import require_executable
from tests.server.process import Server

PLAYBOOK = Path(__file__).parent / "ansible" / "ipsec_policy.yml"
PSK = "ansible-pre-shared-key-0123456789"
SVM = "vs_ansible_ipsec"
EXPECTED_FAILURES = (
    "A PKI policy on a certificate that is not installed",
    "The action of a policy cannot change",
)
REFUSED = "{'message': 'not authorized for that command', 'code': '6'}"
# ONTAP refuses an SVM administrator the cluster-wide IPsec configuration
CONFIG_TASKS = (
    "Check mode, enable IPsec (nothing may change)",
    "Enable IPsec",
    "Set the replay window",
    "Check mode, another replay window (nothing may change)",
)
VSADMIN_FAILURES = (
    *EXPECTED_FAILURES,
    *CONFIG_TASKS,
    # no svm given: the module looks for a cluster-scoped policy (none seen) and posts; the
    # policy is made in the account's SVM, and the second run is a duplicate there
    "A cluster-scoped policy that lets NTP through",
    # one subset refused fails the module
    "Gather the IPsec configuration, policies and associations",
)


@pytest.fixture(scope="module")
def server(release_server: Server) -> Server:
    """The oldest and the newest release profiled, in turn (the policy module's
    authentication_method and certificate need 9.10.1, the oldest)."""
    return release_server


@pytest.fixture(scope="module", params=IDENTITIES)
def identity(request: pytest.FixtureRequest, server: Server) -> Iterator[Identity]:
    """The admin, then a vsadmin of an SVM of its own: one playbook run each."""
    with identity_of(request.param, server) as who:
        yield who


@pytest.fixture(scope="module")
def outcome(
    server: Server, identity: Identity, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """The playbook's one run against the module's server, as the admin or the vsadmin."""
    peer_ca = certs.make_ca("p256", "ansible IPsec peer CA", slot=3)
    host_ca = certs.make_ca("p256", "ansible IPsec host CA", slot=4)
    host_cert, host_key = certs.make_leaf(host_ca, "nfs-server.example.com", slot=5)
    next_cert, next_key = certs.make_leaf(host_ca, "nfs-server.example.com", slot=6)
    variables = {
        "ontap_port": server.port,
        "ontap_password": server.password,
        "svm": SVM,
        "psk": PSK,
        "peer_ca": "ipsec-peer-ca",
        "peer_ca_pem": certs.pem(peer_ca[0]),
        "host_cert": "ipsec-host",
        "host_cert_pem": certs.pem(host_cert),
        "host_key_pem": certs.key_pem(host_key),
        "next_cert_pem": certs.pem(next_cert),
        "next_key_pem": certs.key_pem(next_key),
    }
    with server.client(auth=server.auth) as admin:  # what the vsadmin run must leave alone
        before = {
            "config": admin.get("/api/security/ipsec", params={"fields": "*"}).json(),
            "policies": admin.get(
                "/api/security/ipsec/policies", params={"return_records": "false"}
            ).json()["num_records"],
        }
    if identity.vsadmin:
        variables.update(
            ontap_user=identity.username,
            ontap_password=identity.password,
            admin_password=server.password,
            vsadmin=True,
            svm=identity.svm,
        )
    done = run_playbook(tmp_path_factory.mktemp("ansible-ipsec"), variables)
    return {**done, "before": before, "vsadmin": identity.vsadmin}


def run_playbook(tmp_path: Path, variables: dict[str, Any]) -> dict[str, Any]:
    playbook_cmd = require_executable(Path(sys.executable).parent / "ansible-playbook", HINT)
    home = tmp_path / "home"
    home.mkdir()
    (home / "ansible.cfg").write_text("[defaults]\n")
    extra = tmp_path / "vars.json"
    extra.write_text(json.dumps(variables))
    done = subprocess.run(
        [playbook_cmd, str(PLAYBOOK), "-i", "localhost,", "-c", "local", "-e", f"@{extra}"],
        env=ansible_env(home),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=900,
        stdin=subprocess.DEVNULL,
    )
    try:
        report = json.loads(done.stdout)
    except ValueError:
        pytest.fail(f"ansible-playbook rc={done.returncode}\n{done.stdout}\n{done.stderr}")
    return {
        "rc": done.returncode,
        "report": report,
        "stdout": done.stdout,
        "stderr": done.stderr,
        "tasks": results_by_task(report),
    }


def test_every_task_succeeds_idempotently_and_check_mode_reports_a_change(
    outcome: dict[str, Any], identity: Identity
) -> None:
    tasks = outcome["tasks"]
    expected_failures = VSADMIN_FAILURES if identity.vsadmin else EXPECTED_FAILURES
    failed = {
        name: [r.get("msg") for r in result.get("results", [])] or result.get("msg")
        for name, result in tasks.items()
        if result.get("failed") and name not in expected_failures
    }
    assert not failed, f"{failed}\n{outcome['stderr']}"
    if identity.vsadmin:
        as_vsadmin(tasks)
        assert outcome["rc"] == 0 and outcome["report"]["stats"]["localhost"]["failures"] == 0
        return
    assert outcome["rc"] == 0, outcome["stderr"]
    assert outcome["report"]["stats"]["localhost"]["failures"] == 0
    assert changes(tasks) == ADMIN_CHANGES
    for name in (
        "Check mode, enable IPsec (nothing may change)",
        "Check mode, another replay window (nothing may change)",
        "Check mode, create the PSK policy (nothing may change)",
        "Check mode, enable the PSK policy and change its protocol (nothing may change)",
        "Check mode, delete the PSK policy (nothing may change)",
    ):
        assert tasks[name]["changed"], name
    # the config module says what it changed
    enable, replay = tasks["Enable IPsec"]["results"], tasks["Set the replay window"]["results"]
    assert enable[0]["modify"] == {"enabled": True} and not enable[1].get("modify")
    assert replay[0]["modify"] == {"replay_window": "64"} and not replay[1].get("modify")


# Each looped task's two runs: changed the first time, not the second (idempotent).
ADMIN_CHANGES = {
    "Enable IPsec": [True, False],
    "Set the replay window": [True, False],
    "Create the PSK policy": [True, False],
    "Move the PSK policy's remote endpoint and disable it": [True, False],
    "A cluster-scoped policy that lets NTP through": [True, False],
    "Install the peer's CA in the SVM": [True, False],
    "Add the peer's CA to IPsec": [True, False],
    "Install this host's certificate with its private key": [True, False],
    "Create the PKI policy": [True, False],
    "Move the PKI policy to the second certificate": [True, False],
    "Delete the PSK policy": [True, False],
    "Delete the cluster-scoped policy": [True, False],
}
VSADMIN_CHANGES = {
    **ADMIN_CHANGES,
    "Enable IPsec": [False, False],  # refused: the configuration is the cluster's
    "Set the replay window": [False, False],
    "Delete the cluster-scoped policy": [False, False],  # it sees no cluster policy
}


def changes(tasks: dict[str, Any]) -> dict[str, list[bool]]:
    return {
        name: [r["changed"] for r in result["results"]]
        for name, result in tasks.items()
        if "results" in result
    }


def as_vsadmin(tasks: dict[str, Any]) -> None:
    """What the vsadmin's run changed, and what ONTAP refused it."""
    assert {name for name, result in tasks.items() if result.get("failed")} == set(
        VSADMIN_FAILURES
    )
    for name in CONFIG_TASKS:
        runs = tasks[name].get("results", [tasks[name]])
        assert [r["msg"] for r in runs] == [
            f"Error fetching security IPsec config: calling: security/ipsec: got {REFUSED}."
        ] * len(runs), name
    assert changes(tasks) == VSADMIN_CHANGES
    bypass = tasks["A cluster-scoped policy that lets NTP through"]["results"]
    assert bypass[1]["msg"] == (
        "Error creating security ipsec policy ntp_bypass: calling: security/ipsec/policies: "
        "got {'message': 'IPsec policy with same name already exists in this SVM.', "
        "'code': '66257104', 'target': 'name'}.."
    )
    for name in (
        "Check mode, create the PSK policy (nothing may change)",
        "Check mode, enable the PSK policy and change its protocol (nothing may change)",
        "Check mode, delete the PSK policy (nothing may change)",
    ):
        assert tasks[name]["changed"], name
    user = tasks["Create the SVM"]["invocation"]["module_args"]["username"]
    assert tasks["Gather the IPsec configuration, policies and associations"]["msg"] == (
        f"Error: {user} user is not authorized to make security/ipsec api call"
    )


def test_errors_are_the_modules_with_ontaps_answer_inside(outcome: dict[str, Any]) -> None:
    tasks = outcome["tasks"]
    assert tasks["The action of a policy cannot change"]["msg"] == (
        "Error: cannot modify option - action."
    )
    missing = tasks["A PKI policy on a certificate that is not installed"]["msg"]
    assert missing.startswith("Error creating security ipsec policy pki_missing: ")
    assert "'code': '66257139'" in missing
    assert "Certificate with the specified UUID was not found." in missing


def test_rest_info_gathers_the_ipsec_subsets(
    outcome: dict[str, Any], identity: Identity
) -> None:
    """The admin gathers the configuration too; the vsadmin its SVM's policies (the
    configuration's subset refused: see as_vsadmin), ntp_bypass among them."""
    gathers = ["Gather the IPsec policies and associations"]
    if not identity.vsadmin:
        gathers.append("Gather the IPsec configuration, policies and associations")
        info = outcome["tasks"][gathers[-1]]
        assert info["ontap_info"]["security/ipsec"]["enabled"] is True
    for name in gathers:
        gathered = outcome["tasks"][name]["ontap_info"]
        policies = gathered["security/ipsec/policies"]
        assert policies["num_records"] == 3
        assert {r["name"] for r in policies["records"]} == {
            "ntp_bypass",
            "pki_policy",
            "psk_policy",
        }
        assert all("secret_key" not in r for r in policies["records"])
        if identity.vsadmin:
            assert {r["svm"]["name"] for r in policies["records"]} == {identity.svm}
        assert gathered["security/ipsec/security-associations"]["num_records"] == 0


def test_check_mode_left_the_server_as_it_was(outcome: dict[str, Any]) -> None:
    tasks = outcome["tasks"]
    config = tasks["Read the configuration after check mode"]["json"]
    before = outcome["before"]
    assert (config["enabled"], config["replay_window"]) == (
        before["config"]["enabled"],
        before["config"]["replay_window"],
    )
    assert tasks["Count the policies after check mode"]["json"]["num_records"] == (
        before["policies"]
    )
    if outcome["vsadmin"] is False:  # a new server's
        assert (config["enabled"], config["replay_window"], before["policies"]) == (False, "0", 0)


def svm_of(identity: Identity) -> str:
    return identity.svm if identity.vsadmin else SVM  # type: ignore[return-value]


def test_the_server_shows_what_the_modules_compare(
    outcome: dict[str, Any], identity: Identity
) -> None:
    """Endpoints as ONTAP shows them (netmask a length, port a range, IPv6 compressed), the
    protocol by name, the certificate by name: what makes the second runs `changed: false`.
    (Read by the admin: in the vsadmin's run, the records of its SVM, ntp_bypass among them.)"""
    listed = outcome["tasks"]["The policies as the server shows them (every field)"]["json"]
    records = listed["records"]
    if identity.vsadmin:
        records = [r for r in records if r.get("svm", {}).get("name") == identity.svm]
    by_name = {r["name"]: r for r in records}
    assert sorted(by_name) == ["ntp_bypass", "pki_policy", "psk_policy"]
    psk = by_name["psk_policy"]
    assert (psk["scope"], psk["svm"]["name"]) == ("svm", svm_of(identity))
    assert (psk["action"], psk["authentication_method"]) == ("esp_transport", "psk")
    assert psk["enabled"] is False and psk["protocol"] == "tcp"
    assert psk["local_endpoint"] == {
        "address": "192.0.2.10",
        "netmask": "32",
        "family": "ipv4",
        "port": "2049-2049",
    }
    assert psk["remote_endpoint"] == {
        "address": "203.0.113.0",
        "netmask": "25",
        "family": "ipv4",
        "port": "0-0",
    }
    assert (psk["local_identity"], psk["remote_identity"]) == (
        "nfs-server.example.com",
        "nfs-clients.example.com",
    )
    assert "secret_key" not in psk
    bypass = by_name["ntp_bypass"]
    if identity.vsadmin:  # made in the account's SVM
        assert (bypass["scope"], bypass["svm"]["name"]) == ("svm", identity.svm)
    else:
        assert bypass["scope"] == "cluster" and "svm" not in bypass
    assert (bypass["action"], bypass["authentication_method"], bypass["protocol"]) == (
        "bypass",
        "none",
        "udp",
    )
    assert bypass["local_endpoint"] == {
        "address": "2001:db8::10",
        "netmask": "128",
        "family": "ipv6",
        "port": "123-123",
    }
    assert bypass["remote_endpoint"]["address"] == "2001:db8::"
    assert by_name["pki_policy"]["certificate"]["name"] == "ipsec-host-next"


def test_after_the_run_over_rest(
    server: Server, outcome: dict[str, Any], identity: Identity
) -> None:
    SVM = svm_of(identity)  # noqa: N806 - the run's SVM
    with server.client(auth=server.auth) as client:
        config = client.get("/api/security/ipsec", params={"fields": "enabled,replay_window"})
        policies = client.get(
            "/api/security/ipsec/policies",
            params={"fields": "*", "order_by": "name", "svm.name": SVM},
        ).json()
        cluster_policies = client.get(
            "/api/security/ipsec/policies", params={"scope": "cluster"}
        ).json()
        host = client.get(
            "/api/security/certificates",
            params={"name": "ipsec-host-next", "svm.name": SVM, "fields": "uuid,type"},
        ).json()["records"]
        listed_cas = client.get(
            "/api/security/ipsec/ca-certificates", params={"svm.name": SVM, "fields": "*"}
        ).json()["records"]
        peer = client.get(
            "/api/security/certificates",
            params={"name": "ipsec-peer-ca", "svm.name": SVM, "fields": "uuid"},
        ).json()["records"]
        sas = client.get("/api/security/ipsec/security-associations").json()

    assert config.status_code == 200
    shown = config.json()
    assert cluster_policies["num_records"] == 0  # the admin's deleted, the vsadmin made none
    if identity.vsadmin:  # the configuration as it was before the run; its SVM's bypass
        before = outcome["before"]["config"]
        assert (shown["enabled"], shown["replay_window"]) == (
            before["enabled"],
            before["replay_window"],
        )
        assert [p["name"] for p in policies["records"]] == ["ntp_bypass", "pki_policy"]
        policies["records"] = policies["records"][1:]
    else:
        assert (shown["enabled"], shown["replay_window"]) == (True, "64")  # not check mode's
    assert [p["name"] for p in policies["records"]] == ["pki_policy"]
    [pki] = policies["records"]
    assert (pki["scope"], pki["svm"]["name"], pki["enabled"]) == ("svm", SVM, True)
    assert (pki["action"], pki["authentication_method"]) == ("esp_transport", "pki")
    assert pki["certificate"]["name"] == "ipsec-host-next"
    assert [(c["type"], c["uuid"]) for c in host] == [("server", pki["certificate"]["uuid"])]
    assert (pki["local_identity"], pki["remote_identity"]) == (
        "CN=nfs-server.example.com",
        "ANYTHING",
    )
    assert pki["local_endpoint"]["port"] == pki["remote_endpoint"]["port"] == "0-0"
    assert [e["certificate"]["uuid"] for e in listed_cas] == [peer[0]["uuid"]]
    assert sas["num_records"] == 0  # no strongSwan daemon: nothing negotiated


def test_the_secret_never_shows_in_the_playbook_output(
    server: Server, outcome: dict[str, Any]
) -> None:
    assert PSK not in outcome["stdout"] and PSK not in outcome["stderr"]
    assert PSK not in server.output()  # nor in the server's log
    assert "secret_key" not in json.dumps(
        outcome["tasks"]["The policies as the server shows them (every field)"]["json"]
    )

