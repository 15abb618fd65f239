"""ONTAP's IPsec workflow over REST, negotiated by real daemons.

Daemon b is ontap-ipsec's (attached to SVM vs1, driven only through the API); daemon a
is a Linux peer that the test configures itself, as an operator would configure a host.
The steps are NetApp's "Configure IP security" with certificates (and again with a
PSK): enable IPsec, install both CAs, put the peer's CA in the IPsec CA list, install
the host certificate with its key, create a policy; the IKE SA comes up and is listed
by /api/security/ipsec/security-associations. This kernel has no ESP: the CHILD_SA
fails to install and the IKE SA stays, which is what is asserted; the transport-mode
CHILD_SA is tested where the kernel has ESP (`test_child_sa_in_transport_mode`).
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from tests.strongswan.lab import Lab
from tests.strongswan.needs import require_vici

require_vici()

import vici  # noqa: E402

from tests.strongswan.ike import sas, terminate_all, wait_for  # noqa: E402

POLICIES = "/api/security/ipsec/policies"
SAS = "/api/security/ipsec/security-associations"
CONVERGED = 3.0
PSK = "a-shared-secret-of-24-chars"
IKE = ["aes256-sha384-ecp384"]
ESP = ["aes256gcm16"]


def _pem_key(key: Any) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _conns(lab: Lab, side: str) -> list[str]:
    with lab.session(side) as s:
        return [n.decode() for n in s.get_conns()["conns"]]


def _peer(lab: Lab, *, psk: str | None = None, child: bool = True) -> None:
    """Daemon a as the Linux host: a connection to b, authenticated by PSK or certificate."""
    a, b = lab.daemons["a"], lab.daemons["b"]
    if psk is None:
        local = {"auth": "pubkey", "id": a.identity.dn,
                 "certs": [a.identity.cert.public_bytes(serialization.Encoding.PEM)]}  # fmt: skip
        remote = {"auth": "pubkey", "id": b.identity.dn}
    else:
        local = {"auth": "psk", "id": "host-a.example"}
        remote = {"auth": "psk", "id": "svm-vs1.example"}
    conn: dict[str, Any] = {
        "version": "2", "local_addrs": [a.ip], "remote_addrs": [b.ip], "proposals": IKE,
        "send_cert": "always", "local": local, "remote": remote,
    }  # fmt: skip
    if child:
        conn["children"] = {"c": {"mode": "transport", "esp_proposals": ESP,
                                  "local_ts": [f"{a.ip}/32"],
                                  "remote_ts": [f"{b.ip}/32"]}}  # fmt: skip
    else:
        conn["childless"] = "force"
    with lab.session("a") as s:
        if psk is None:
            s.load_authority({"ontap-host-ca": {"cacert": b.identity.ca_pem}})
            s.load_key({"type": "any", "data": _pem_key(a.identity.key).encode()})
        else:
            s.load_shared({"type": "IKE", "data": psk.encode(),
                           "owners": ["host-a.example", "svm-vs1.example"]})  # fmt: skip
        s.load_conn({"host": conn})


def _initiate(lab: Lab, child: bool = True) -> tuple[bool, list[str]]:
    """a initiates to b: (whether everything asked for came up, a's log lines)."""
    said: list[str] = []
    ask = {"ike": "host", "timeout": 5000}
    if child:
        ask["child"] = "c"
    with lab.session("a") as s:
        try:
            for event in s.initiate(ask):
                said.append(event.get("msg", b"").decode())
        except vici.exception.CommandException:
            return False, said
    return True, said


def _ike_up(lab: Lab, side: str = "a") -> bool:
    return any(sa.get("state") == b"ESTABLISHED" for sa in sas(lab, side))


def _install(http: Any, lab: Lab, *, host: bool) -> dict[str, str]:
    """Both CAs in vs1, the peer's in the IPsec CA list, and b's certificate with its key."""
    a, b = lab.daemons["a"], lab.daemons["b"]
    out = {}
    for label, ident in (("peer-ca", a.identity), ("host-ca", b.identity)):
        made = http.post(
            "/api/security/certificates?return_records=true",
            json={"svm": {"name": "vs1"}, "name": label, "type": "server_ca",
                  "public_certificate": ident.ca_pem},
        )  # fmt: skip
        assert made.status_code == 201, made.text
        out[label] = made.json()["records"][0]["uuid"]
    listed = http.post(
        "/api/security/ipsec/ca-certificates",
        json={"certificate": {"uuid": out["peer-ca"]}, "svm": {"name": "vs1"}},
    )
    assert listed.status_code == 201, listed.text
    if host:
        made = http.post(
            "/api/security/certificates?return_records=true",
            json={
                "svm": {"name": "vs1"}, "name": "host", "type": "server",
                "public_certificate": b.identity.cert.public_bytes(
                    serialization.Encoding.PEM).decode(),
                "private_key": _pem_key(b.identity.key),
            },
        )  # fmt: skip
        assert made.status_code == 201, made.text
        out["host"] = made.json()["records"][0]["uuid"]
    return out


def _policy(http: Any, lab: Lab, **auth: Any) -> str:
    a, b = lab.daemons["a"], lab.daemons["b"]
    body = {
        "name": "to-host-a",
        "svm": {"name": "vs1"},
        "local_endpoint": {"address": b.ip, "netmask": "32"},
        "remote_endpoint": {"address": a.ip.rsplit(".", 1)[0] + ".0", "netmask": "24"},
        **auth,
    }
    made = http.post(f"{POLICIES}?return_records=true", json=body)
    assert made.status_code == 201, made.text
    return str(made.json()["records"][0]["uuid"])


def _ours_loaded(lab: Lab, policy_uuid: str) -> bool:
    return f"ontap-ipsec-policy-{policy_uuid}" in _conns(lab, "b")


def test_pki_policy_negotiates_and_its_sa_is_listed(bare: Lab, api: Any) -> None:
    lab, http = bare, api
    a, b = lab.daemons["a"], lab.daemons["b"]
    ids = _install(http, lab, host=True)
    assert http.get(SAS).json()["num_records"] == 0  # a policy-less scope: nothing yet
    policy = _policy(
        http, lab, authentication_method="pki", certificate={"name": "host"},
        local_identity=b.identity.dn, remote_identity=a.identity.dn,
    )  # fmt: skip
    wait_for(lambda: _ours_loaded(lab, policy), CONVERGED)
    _peer(lab)
    _initiate(lab)  # the CHILD_SA cannot install without ESP; the IKE SA must come up
    assert _ike_up(lab), a.log()[-3000:] + "\n--- b ---\n" + b.log()[-3000:]

    listed = http.get(SAS, params={"fields": "*"}).json()
    ike = [r for r in listed["records"] if r["type"] == "ike"]
    assert len(ike) == 1, listed
    record = ike[0]
    assert record["policy_name"] == "to-host-a"
    assert record["local_address"] == b.ip and record["remote_address"] == a.ip
    assert record["svm"]["name"] == "vs1" and record["scope"] == "svm"
    assert record["ike"]["state"] == "established"
    assert record["ike"]["authentication"] == "cert"
    assert record["ike"]["is_initiator"] is False and record["ike"]["version"] == 2
    assert record["cipher_suite"] == "suiteb_gcm256"
    one = http.get(f"{SAS}/{record['uuid']}", params={"fields": "*"})
    assert one.status_code == 200 and one.json()["ike"] == record["ike"]
    filtered = http.get(SAS, params={"type": "ike", "ike.state": "established"}).json()
    assert [r["uuid"] for r in filtered["records"]] == [record["uuid"]]
    assert http.get(SAS, params={"ike.state": "connecting"}).json()["num_records"] == 0

    # the peer's CA off the list: established SAs stay (as ONTAP's), a new one fails
    gone = http.delete(f"/api/security/ipsec/ca-certificates/{ids['peer-ca']}")
    assert gone.status_code == 200, gone.text
    wait_for(lambda: not _trusts(lab, ids["peer-ca"]), CONVERGED)
    terminate_all(lab)
    ok, said = _initiate(lab, child=False)
    assert not ok and not _ike_up(lab), said
    assert "received AUTHENTICATION_FAILED notify error" in said, said

    # the policy deleted: its connection is unloaded, its key too, nothing is listed
    assert http.delete(f"{POLICIES}/{policy}").status_code == 200
    wait_for(lambda: not _ours_loaded(lab, policy), CONVERGED)
    with lab.session("b") as s:
        assert s.get_keys()["keys"] == []
    assert http.get(SAS).json()["num_records"] == 0


def _trusts(lab: Lab, cert_uuid: str) -> bool:
    with lab.session("b") as s:
        names = [n for e in s.list_authorities() for n in e]
    return f"ontap-ipsec-ca-{cert_uuid}" in names


def test_psk_policy_negotiates_and_disabling_unloads_it(bare: Lab, api: Any) -> None:
    lab, http = bare, api
    _install(http, lab, host=False)
    policy = _policy(
        http, lab, authentication_method="psk", secret_key=PSK,
        local_identity="svm-vs1.example", remote_identity="host-a.example",
    )  # fmt: skip
    wait_for(lambda: _ours_loaded(lab, policy), CONVERGED)
    with lab.session("b") as s:
        assert s.get_shared()["keys"] == [f"ontap-ipsec-psk-{policy}".encode()]
    _peer(lab, psk=PSK)
    _initiate(lab)
    assert _ike_up(lab), lab.daemons["b"].log()[-3000:]
    record = http.get(SAS, params={"type": "ike", "fields": "ike,policy_name"}).json()["records"]
    assert [(r["policy_name"], r["ike"]["authentication"]) for r in record] == [
        ("to-host-a", "psk")
    ]
    assert PSK not in http.get(f"{POLICIES}/{policy}", params={"fields": "*"}).text

    # the policy disabled: its connection, its key and its SAs go; enabled again: back
    assert http.patch(f"{POLICIES}/{policy}", json={"enabled": False}).status_code == 200
    wait_for(lambda: not _ours_loaded(lab, policy), CONVERGED)
    wait_for(lambda: not _ike_up(lab, "b"), CONVERGED)
    with lab.session("b") as s:
        assert s.get_shared()["keys"] == []
    assert http.patch(f"{POLICIES}/{policy}", json={"enabled": True}).status_code == 200
    wait_for(lambda: _ours_loaded(lab, policy), CONVERGED)

    # IPsec switched off for the cluster: every connection of ours is unloaded
    assert http.patch("/api/security/ipsec", json={"enabled": False}).status_code == 200
    wait_for(lambda: not _ours_loaded(lab, policy), CONVERGED)
    assert http.patch("/api/security/ipsec", json={"enabled": True}).status_code == 200
    wait_for(lambda: _ours_loaded(lab, policy), CONVERGED)


def test_a_wrong_psk_is_refused(bare: Lab, api: Any) -> None:
    lab, http = bare, api
    policy = _policy(
        http, lab, authentication_method="psk", secret_key=PSK,
        local_identity="svm-vs1.example", remote_identity="host-a.example",
    )  # fmt: skip
    wait_for(lambda: _ours_loaded(lab, policy), CONVERGED)
    _peer(lab, psk="not-the-secret-of-vs1-at-all", child=False)
    ok, said = _initiate(lab, child=False)
    assert not ok and not _ike_up(lab), said


def test_bypass_and_discard_policies_are_shunts(bare: Lab, api: Any) -> None:
    lab, http = bare, api
    made = {a: _policy_named(http, lab, a, f"{a}-all") for a in ("bypass", "discard")}
    for policy in made.values():
        wait_for(lambda p=policy: _ours_loaded(lab, p), CONVERGED)
    with lab.session("b") as s:
        shunts = {
            body["child"].decode(): body["mode"].decode()
            for event in s.list_policies({"trap": "yes", "drop": "yes", "pass": "yes"})
            for body in event.values()
        }
    assert shunts == {
        f"ontap-ipsec-policy-{made['bypass']}": "PASS",
        f"ontap-ipsec-policy-{made['discard']}": "DROP",
    }


def _policy_named(http: Any, lab: Lab, action: str, name: str) -> str:
    a, b = lab.daemons["a"], lab.daemons["b"]
    made = http.post(
        f"{POLICIES}?return_records=true",
        json={"name": name, "svm": {"name": "vs1"}, "action": action,
              "local_endpoint": {"address": b.ip, "netmask": "32"},
              "remote_endpoint": {"address": a.ip, "netmask": "32"}, "protocol": "tcp"},
    )  # fmt: skip
    assert made.status_code == 201, made.text
    return str(made.json()["records"][0]["uuid"])


def _kernel_has_esp() -> str | None:
    """None if this kernel can hold an ESP SA, else why not (probed in a namespace)."""
    ns = "oitsesp"
    subprocess.run(["ip", "netns", "add", ns], capture_output=True)
    try:
        added = subprocess.run(
            ["ip", "-n", ns, "xfrm", "state", "add", "src", "10.0.0.1", "dst", "10.0.0.2",
             "proto", "esp", "spi", "0x100", "mode", "transport",
             "aead", "rfc4106(gcm(aes))", "0x" + "11" * 36, "128"],
            capture_output=True, text=True,
        )  # fmt: skip
    finally:
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)
    if added.returncode != 0:
        return f"this kernel cannot hold an ESP SA ({added.stderr.strip()})"
    return None


def test_child_sa_in_transport_mode(bare: Lab, api: Any) -> None:
    reason = _kernel_has_esp()
    if reason:
        pytest.skip(reason)  # the kernel, not a missing package: CI's has no ESP either
    lab, http = bare, api
    policy = _policy(
        http, lab, authentication_method="psk", secret_key=PSK,
        local_identity="svm-vs1.example", remote_identity="host-a.example",
    )  # fmt: skip
    wait_for(lambda: _ours_loaded(lab, policy), CONVERGED)
    _peer(lab, psk=PSK)
    ok, said = _initiate(lab)
    assert ok, said
    ipsec = http.get(SAS, params={"type": "ipsec", "fields": "*"}).json()["records"]
    assert len(ipsec) == 1 and ipsec[0]["ipsec"]["action"] == "esp_transport", ipsec
    assert ipsec[0]["cipher_suite"] == "suiteb_gcm256"


def test_served_policy_through_the_agent(bare: Lab, tmp_path: Path) -> None:
    """The real server (granian, 2 workers, the agent process): the agent loads the
    policy with the key it unseals from the data dir, a worker lists the SA."""
    from tests.strongswan.served import serving

    lab = bare
    a, b = lab.daemons["a"], lab.daemons["b"]
    with serving(tmp_path / "data", {"vs1": b.uri}, reachable=True) as served:
        http = served.http
        made = http.post("/api/svm/svms?return_timeout=10", json={"name": "vs1"})
        assert made.status_code in (200, 201), made.text
        assert http.patch("/api/security/ipsec", json={"enabled": True}).status_code == 200
        _install(http, lab, host=True)
        policy = _policy(
            http, lab, authentication_method="pki", certificate={"name": "host"},
            local_identity=b.identity.dn, remote_identity=a.identity.dn,
        )  # fmt: skip
        wait_for(lambda: _ours_loaded(lab, policy), CONVERGED)
        _peer(lab)
        _initiate(lab)
        assert _ike_up(lab), b.log()[-3000:]
        records = http.get(SAS, params={"type": "ike", "fields": "policy_name,ike.state"})
        assert records.status_code == 200, records.text
        assert [(r["policy_name"], r["ike"]["state"]) for r in records.json()["records"]] == [
            ("to-host-a", "established")
        ]
        status = http.get("/_ontap-ipsec/strongswan").json()
        assert [d["connections"] for d in status["daemons"]] == [1], status
        shown = _cli(served.server, "security", "ipsec", "show-ikesa", "-vserver", "vs1")
        assert shown.returncode == 0, shown.stderr
        lines = shown.stdout.splitlines()
        assert "Initator-SPI" in shown.stdout and "to-host-a" in shown.stdout, shown.stdout
        row = next(line for line in lines if "ESTABLISHED" in line)
        assert b.ip in row and a.ip in row, shown.stdout
        ike = records.json()["records"][0]
        assert http.get(SAS, params={"fields": "*"}).json()["records"][0]["uuid"] == ike["uuid"]


def _cli(server: Any, *argv: str) -> subprocess.CompletedProcess[str]:
    """The real `ontap-ipsec` command against the served API, as an operator runs it."""
    import os
    import sys

    binary = Path(sys.executable).parent / "ontap-ipsec"
    connection = ("--host", "127.0.0.1", "--port", str(server.port), "--insecure")
    env = dict(os.environ, ONTAP_PASSWORD=server.password)
    return subprocess.run(
        [str(binary), *connection, *argv],
        env=env, capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL,
    )  # fmt: skip
