"""PATCH and DELETE of /api/security/ipsec/policies/{uuid}, and their query-based forms."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ontap_ipsec.app import OntapApp
from tests.ipsec_policies.conftest import (
    CERTS,
    POLICIES,
    PPK,
    PSK,
    create,
    install_leaf,
    make_svm,
    pki_body,
    policies,
    policy,
    psk_body,
    refused,
)

MISSING = "1cd8a442-86d1-11e0-ae1c-123478563412"


def test_patch_changes_what_ontap_lets_change(any_api: httpx.Client) -> None:
    make_svm(any_api, "vs1")
    uuid = create(any_api, psk_body(svm="vs1"))
    before = policy(any_api, uuid)
    response = any_api.patch(
        f"{POLICIES}/{uuid}?return_timeout=30",
        json={
            "enabled": False,
            "protocol": "17",
            "local_identity": "10.0.0.1",
            "remote_identity": "10.0.0.2",
            "local_endpoint": {"address": "10.10.10.7", "netmask": "24", "port": "23"},
            "remote_endpoint.port": "2049",
            "certificate_modify_keepsa": True,
        },
    )
    assert (response.status_code, response.json()) == (200, {})
    after = policy(any_api, uuid)
    assert after["local_endpoint"] == {
        "address": "10.10.10.7",
        "netmask": "24",
        "family": "ipv4",
        "port": "23-23",
    }
    # the parts not given stay
    assert after["remote_endpoint"] == {**before["remote_endpoint"], "port": "2049-2049"}
    assert (after["enabled"], after["protocol"], after["certificate_modify_keepsa"]) == (
        False,
        "udp",
        True,
    )
    assert (after["local_identity"], after["remote_identity"]) == ("10.0.0.1", "10.0.0.2")
    unchanged = ("uuid", "name", "svm", "scope", "ipspace", "action", "authentication_method")
    assert {k: after[k] for k in unchanged} == {k: before[k] for k in unchanged}
    # a netmask alone keeps the address; identities may be cleared
    assert (
        any_api.patch(
            f"{POLICIES}/{uuid}",
            json={"remote_endpoint": {"netmask": "255.255.0.0"}, "local_identity": None},
        ).status_code
        == 200
    )
    after = policy(any_api, uuid)
    assert after["remote_endpoint"]["netmask"] == "16"
    assert after["remote_endpoint"]["address"] == before["remote_endpoint"]["address"]
    assert "local_identity" not in after


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"action": "bypass"}, "262196"),
        ({"action": "esp_transport"}, "262196"),
        ({"authentication_method": "pki"}, "262196"),
        ({"name": "renamed"}, "262196"),
        ({"svm": {"name": "vs1"}}, "262196"),
        ({"scope": "cluster"}, "262196"),
        ({"ipspace": {"name": "Default"}}, "262196"),
        ({"secret_key": PSK}, "262196"),
        ({"ppk": {"shared_key": PPK}}, "262196"),
        ({"uuid": MISSING}, "262196"),
        ({}, "262190"),
        ({"enabled": None}, "262185"),
        ({"local_endpoint": {"address": "10.0.0.9"}}, "66257125"),
        ({"local_endpoint": {"address": None, "netmask": "24"}}, "262185"),
        ({"local_endpoint": {"netmask": "40"}}, "262185"),
        ({"remote_endpoint": {"address": "fd00::1", "netmask": "64"}}, "262185"),
        ({"remote_endpoint": {"address": "0.0.0.0", "netmask": "0"}}, "66257129"),
        ({"local_endpoint": {"port": "1-2"}}, "66257115"),
        ({"protocol": "udp,tcp"}, "66257099"),
        ({"certificate": {"name": "leaf"}}, "2"),
        ({"ppk": {"identity": "x"}}, "2"),
        ({"cipher_suite": "suite_aescbc"}, "262179"),
    ],
)
def test_refused_patches_change_nothing(api: httpx.Client, body: dict[str, Any], code: str) -> None:
    install_leaf(api, "leaf")
    uuid = create(api, psk_body())
    before = policy(api, uuid)
    refused(api.patch(f"{POLICIES}/{uuid}", json=body), 400, code)
    assert policy(api, uuid) == before


def test_cannot_set_is_ontaps_message(api: httpx.Client) -> None:
    uuid = create(api, psk_body())
    error = refused(api.patch(f"{POLICIES}/{uuid}", json={"action": "discard"}), 400, "262196")
    assert error == {
        "message": 'Field "action" cannot be set in this operation',
        "code": "262196",
        "target": "action",
    }


def test_a_pki_policy_changes_its_certificate_keeps_its_identities(any_api: httpx.Client) -> None:
    old = install_leaf(any_api, "old")
    new = install_leaf(any_api, "new")
    uuid = create(any_api, pki_body({"uuid": old}))
    response = any_api.patch(f"{POLICIES}/{uuid}", json={"certificate.name": "new"})
    assert response.status_code == 200, response.text
    assert policy(any_api, uuid)["certificate"]["uuid"] == new
    # the old certificate is free again, the new one is held
    assert any_api.delete(f"{CERTS}/{old}").status_code == 200
    refused(any_api.delete(f"{CERTS}/{new}"), 400, "52560272")
    refused(any_api.patch(f"{POLICIES}/{uuid}", json={"remote_identity": ""}), 400, "262212")
    refused(any_api.patch(f"{POLICIES}/{uuid}", json={"certificate": {"uuid": MISSING}}), 400,
            "66257139")  # fmt: skip
    assert policy(any_api, uuid)["certificate"]["uuid"] == new


def test_a_post_quantum_identity_changes_but_not_its_key(app: OntapApp, api: httpx.Client) -> None:
    uuid = create(api, psk_body(ppk={"identity": "one", "shared_key": PPK}))
    assert api.patch(f"{POLICIES}/{uuid}", json={"ppk": {"identity": "two"}}).status_code == 200
    assert policy(api, uuid)["ppk"] == {"identity": "two"}
    refused(api.patch(f"{POLICIES}/{uuid}", json={"ppk.identity": None}), 400, "262185")
    (spec,) = app.ctx.backends.ipsec_policies.connections_of("cluster")
    assert (spec.ppk_identity, spec.ppk_secret) == ("two", PPK)


def test_missing_policies_are_404(api: httpx.Client) -> None:
    expected = {"error": {"message": "entry doesn't exist", "code": "4", "target": "uuid"}}
    for response in (
        api.get(f"{POLICIES}/{MISSING}"),
        api.patch(f"{POLICIES}/{MISSING}", json={"enabled": False}),
        api.delete(f"{POLICIES}/{MISSING}"),
        api.get(f"{POLICIES}/x%00y"),
    ):
        assert response.status_code == 404, response.text
        assert response.json() == expected
    refused(api.get(f"{POLICIES}/{MISSING}/extra"), 404, "262179")


def test_delete_removes_the_policy_and_frees_its_certificate(any_api: httpx.Client) -> None:
    leaf = install_leaf(any_api, "leaf")
    uuid = create(any_api, pki_body({"name": "leaf"}))
    error = refused(any_api.delete(f"{CERTS}/{leaf}"), 400, "52560272")
    assert error["message"] == (
        "The certificate could not be removed due to being in use by one or more subsystems."
    )
    # netapp_ontap sends {}
    response = any_api.request("DELETE", f"{POLICIES}/{uuid}", content=b"{}")
    assert (response.status_code, response.json()) == (200, {})
    assert any_api.get(f"{POLICIES}/{uuid}").status_code == 404
    assert any_api.delete(f"{CERTS}/{leaf}").status_code == 200
    # the name is free again
    create(any_api, psk_body())


def test_query_based_patch_and_delete(any_api: httpx.Client) -> None:
    make_svm(any_api, "vs1")
    for name in ("a", "b", "c"):
        create(any_api, psk_body(name, svm="vs1"))
    create(any_api, psk_body("a"))
    response = any_api.patch(POLICIES + "?svm.name=vs1", json={"enabled": False})
    assert response.json() == {"num_records": 3}
    assert {p["name"]: p["enabled"] for p in policies(any_api, **{"svm.name": "vs1"})} == {
        "a": False,
        "b": False,
        "c": False,
    }
    assert policies(any_api, scope="cluster")[0]["enabled"] is True
    refused(any_api.patch(POLICIES, json={"enabled": False}), 400, "2")  # a query is needed
    response = any_api.delete(POLICIES + "?enabled=false&name=a|b")
    assert response.json() == {"num_records": 2}
    assert sorted(p["name"] for p in policies(any_api)) == ["a", "c"]


def test_filters_and_order(api: httpx.Client) -> None:
    make_svm(api, "vs1")
    install_leaf(api, "leaf", "vs1")
    create(api, psk_body("z", action="bypass", secret_key=None))
    create(api, psk_body("m", svm="vs1", protocol="tcp"))
    create(api, pki_body({"name": "leaf"}, "a", svm="vs1"))
    names = [p["name"] for p in policies(api, order_by="name")]
    assert names == ["a", "m", "z"]
    assert [p["name"] for p in policies(api, authentication_method="pki")] == ["a"]
    assert [p["name"] for p in policies(api, **{"certificate.name": "leaf"})] == ["a"]
    assert [p["name"] for p in policies(api, protocol="tcp")] == ["m"]
    assert [p["name"] for p in policies(api, action="bypass")] == ["z"]
    refused(api.get(POLICIES + "?secret_key=x"), 400, "262179")
    for write_only in ("secret_key", "ppk.shared_key", "ppk"):  # as a certificate's private_key
        listed = api.get(POLICIES, params={"fields": write_only})
        assert listed.status_code == 200
        assert all(set(r) <= {"uuid", "name", "svm"} for r in listed.json()["records"])
    assert api.get(POLICIES + "?return_records=false").json() == {
        "num_records": 3,
        "_links": {"self": {"href": POLICIES + "?return_records=false"}},
    }
    page = api.get(POLICIES + "?max_records=2&order_by=name").json()
    assert [r["name"] for r in page["records"]] == ["a", "m"] and "next" in page["_links"]
