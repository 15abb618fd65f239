"""POST /api/security/ipsec/policies: what is created, as ONTAP shows it, and every refusal
with its code, the state unchanged."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from ontap_ipsec.app import OntapApp
from tests.ipsec_policies.conftest import (
    POLICIES,
    PPK,
    PSK,
    create,
    install_ca,
    install_leaf,
    make_svm,
    pki_body,
    policies,
    policy,
    psk_body,
    refused,
)


def test_a_psk_policy_with_the_defaults(any_api: httpx.Client) -> None:
    svm = make_svm(any_api, "vs1")
    uuid = create(any_api, psk_body(svm="vs1"))
    got = policy(any_api, uuid)
    ipspace = got.pop("ipspace")
    assert ipspace["name"] == "Default" and ipspace["uuid"]
    assert got == {
        "uuid": uuid,
        "name": "p1",
        "svm": {"name": "vs1", "uuid": svm, "_links": {"self": {"href": f"/api/svm/svms/{svm}"}}},
        "scope": "svm",
        "enabled": True,
        "action": "esp_transport",
        "authentication_method": "psk",
        "certificate_modify_keepsa": False,
        "local_endpoint": {
            "address": "192.168.0.231",
            "netmask": "32",
            "family": "ipv4",
            "port": "0-0",
        },
        "remote_endpoint": {
            "address": "192.168.0.0",
            "netmask": "25",
            "family": "ipv4",
            "port": "0-0",
        },
        "protocol": "any",
    }
    listed = any_api.get(POLICIES).json()
    assert listed["records"] == [
        {
            "uuid": uuid,
            "name": "p1",
            "svm": {
                "name": "vs1",
                "uuid": svm,
                "_links": {"self": {"href": f"/api/svm/svms/{svm}"}},
            },
        }
    ]


def test_a_cluster_scope_policy_and_return_records(any_api: httpx.Client) -> None:
    response = any_api.post(
        POLICIES + "?return_records=true",
        json=psk_body(action="esp_udp", enabled=False, protocol="17"),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["num_records"] == 1
    (record,) = body["records"]
    assert response.headers["location"] == f"{POLICIES}/{record['uuid']}"
    assert (record["scope"], record["action"], record["enabled"]) == ("cluster", "esp_udp", False)
    assert record["protocol"] == "udp"
    assert "svm" not in record and "secret_key" not in record
    assert [p["uuid"] for p in policies(any_api, scope="cluster")] == [record["uuid"]]
    assert policies(any_api, scope="svm") == []


def test_endpoints_are_shown_as_ontap_shows_them(api: httpx.Client) -> None:
    uuid = create(
        api,
        psk_body(
            local_endpoint={"address": "10.23.43.23", "netmask": "255.255.255.0", "port": "201"},
            remote_endpoint={"address": "10.23.43.13", "netmask": "24", "port": "0"},
            protocol="TCP",
        ),
    )
    got = policy(api, uuid)
    assert got["local_endpoint"] == {
        "address": "10.23.43.23",
        "netmask": "24",
        "family": "ipv4",
        "port": "201-201",
    }
    assert got["remote_endpoint"]["port"] == "0-0"
    assert got["protocol"] == "tcp"
    six = create(
        api,
        psk_body(
            "p6",
            local_endpoint={"address": "2402:0940:0000::0045", "netmask": "64", "port": "120-120"},
            remote_endpoint={"address": "::", "netmask": "0", "family": "ipv6"},
            protocol="58",
        ),
    )
    got = policy(api, six)
    assert got["local_endpoint"] == {
        "address": "2402:940::45",
        "netmask": "64",
        "family": "ipv6",
        "port": "120-120",
    }
    assert got["remote_endpoint"] == {
        "address": "::",
        "netmask": "0",
        "family": "ipv6",
        "port": "0-0",
    }
    assert got["protocol"] == "58"
    assert [p["name"] for p in policies(api, **{"local_endpoint.port": "120-120"})] == ["p6"]


@pytest.mark.parametrize(
    ("action", "extra"),
    [
        ("bypass", {}),
        ("discard", {"authentication_method": "psk", "secret_key": PSK}),
        ("bypass", {"authentication_method": "pki", "certificate": {"name": "nope"}}),
        ("discard", {"authentication_method": "none"}),
    ],
)
def test_bypass_and_discard_take_no_authentication(
    app: OntapApp, api: httpx.Client, action: str, extra: dict[str, Any]
) -> None:
    body = psk_body(action=action, **extra)
    if "secret_key" not in extra:
        del body["secret_key"]
    uuid = create(api, body)
    got = policy(api, uuid)
    assert (got["action"], got["authentication_method"]) == (action, "none")
    assert "certificate" not in got
    specs = app.ctx.backends.ipsec_policies.connections_of("cluster")
    assert [(s.uuid, s.secret_key, s.certificate_pem) for s in specs] == [(uuid, None, None)]


def test_a_pki_policy_by_certificate_name_or_uuid(any_app: OntapApp, any_api: httpx.Client) -> None:
    svm = make_svm(any_api, "vs1")
    leaf = install_leaf(any_api, "leaf1", "vs1")
    by_name = create(any_api, pki_body({"name": "leaf1"}, svm="vs1"))
    by_uuid = create(any_api, pki_body({"uuid": leaf}, "p2", svm="vs1"))
    by_both = create(any_api, pki_body({"uuid": leaf, "name": "leaf1"}, "p3", svm="vs1"))
    for uuid in (by_name, by_uuid, by_both):
        got = policy(any_api, uuid)
        assert got["authentication_method"] == "pki"
        assert got["certificate"] == {
            "name": "leaf1",
            "uuid": leaf,
            "_links": {"self": {"href": f"/api/security/certificates/{leaf}"}},
        }
        assert (got["local_identity"], got["remote_identity"]) == (
            "CN=ontap.example.com",
            "ANYTHING",
        )
    # authentication_method inferred from the certificate
    inferred = pki_body({"name": "leaf1"}, "p4", svm="vs1")
    del inferred["authentication_method"]
    assert policy(any_api, create(any_api, inferred))["authentication_method"] == "pki"
    specs = any_app.ctx.backends.ipsec_policies.connections_of(svm)
    assert len(specs) == 4 and all(s.private_key_pem.startswith("-----BEGIN") for s in specs)
    assert all(s.certificate_pem.startswith("-----BEGIN CERTIFICATE") for s in specs)


def test_a_client_certificate_serves_too(api: httpx.Client) -> None:
    from tests.certs import key_pem, make_ca, make_leaf, pem

    cert, key = make_leaf(make_ca(cn="client issuer", slot=4), cn="client.example.com")
    body = {"type": "client", "public_certificate": pem(cert), "private_key": key_pem(key)}
    made = api.post("/api/security/certificates", json={**body, "name": "client1"})
    assert made.status_code == 201, made.text
    create(api, pki_body({"name": "client1"}))


def test_the_same_name_in_another_scope_is_another_policy(any_api: httpx.Client) -> None:
    make_svm(any_api, "vs1")
    make_svm(any_api, "vs2")
    create(any_api, psk_body())
    create(any_api, psk_body(svm="vs1"))
    create(any_api, psk_body(svm="vs2"))
    error = refused(any_api.post(POLICIES, json=psk_body(svm="vs1")), 409, "66257104")
    assert error == {
        "message": "IPsec policy with same name already exists in this SVM.",
        "code": "66257104",
        "target": "name",
    }
    refused(any_api.post(POLICIES, json=psk_body()), 409, "66257104")
    assert len(policies(any_api)) == 3


def test_hexadecimal_and_base64_keys(app: OntapApp, api: httpx.Client) -> None:
    hex_key, b64_key = "0x" + "0123456789abcdef" * 2, "0s" + "c2VjcmV0LWtleS1ieXRlcw=="
    create(api, psk_body("hex", secret_key=hex_key))
    create(api, psk_body("b64", secret_key=b64_key))
    specs = app.ctx.backends.ipsec_policies.connections_of("cluster")
    assert {s.name: s.secret_key for s in specs} == {"hex": hex_key, "b64": b64_key}


def _body_with(**changes: Any) -> dict[str, Any]:
    body = psk_body()
    for key, value in changes.items():
        if value is _DROP:
            body.pop(key, None)
        elif key.endswith("_endpoint") and isinstance(value, dict):
            body[key] = {**body[key], **value}
        else:
            body[key] = value
    return body


_DROP = object()


@pytest.mark.parametrize(
    ("changes", "status", "code"),
    [
        # required fields and their forms
        ({"name": _DROP}, 400, "262212"),
        ({"name": ""}, 400, "262185"),
        ({"name": "x" * 65}, 400, "262185"),
        ({"local_endpoint": _DROP}, 400, "262212"),
        ({"remote_endpoint": _DROP}, 400, "262212"),
        ({"local_endpoint": {"netmask": None}}, 400, "66257125"),
        ({"remote_endpoint": {"netmask": None}}, 400, "66257126"),
        ({"local_endpoint": {"address": "10.0.0.1,10.0.0.2"}}, 400, "66257113"),
        ({"remote_endpoint": {"address": "10.0.0.1,10.0.0.2"}}, 400, "66257114"),
        ({"local_endpoint": {"address": "10.0.0.0/24"}}, 400, "262185"),
        ({"local_endpoint": {"address": "fe80::1%eth0", "netmask": "64"}}, 400, "262185"),
        ({"local_endpoint": {"address": "not an address"}}, 400, "262185"),
        ({"local_endpoint": {"netmask": "33"}}, 400, "262185"),
        ({"local_endpoint": {"netmask": "255.0.255.0"}}, 400, "262185"),
        ({"local_endpoint": {"family": "ipv6"}}, 400, "262185"),
        ({"local_endpoint": {"family": "ipx"}}, 400, "262185"),
        ({"remote_endpoint": {"address": "fd00::1", "netmask": "128"}}, 400, "262185"),
        ({"local_endpoint": {"port": "23,24"}}, 400, "66257100"),
        ({"remote_endpoint": {"port": "23,24"}}, 400, "66257101"),
        ({"local_endpoint": {"port": "100-200"}}, 400, "66257115"),
        ({"local_endpoint": {"port": "65536"}}, 400, "66257132"),
        ({"local_endpoint": {"port": "any"}}, 400, "66257132"),
        ({"local_endpoint": {"address": "0.0.0.0", "netmask": "0"}}, 400, "66257127"),
        ({"remote_endpoint": {"address": "0.0.0.0", "netmask": "8"}}, 400, "66257128"),
        ({"remote_endpoint": {"address": "10.0.0.0", "netmask": "0"}}, 400, "66257128"),
        ({"remote_endpoint": {"address": "0.0.0.0", "netmask": "0"}}, 400, "66257129"),
        ({"protocol": "tcp,udp"}, 400, "66257099"),
        ({"protocol": "sctp"}, 400, "262185"),
        ({"protocol": "256"}, 400, "262185"),
        # authentication
        ({"secret_key": _DROP}, 400, "66257111"),
        ({"secret_key": _DROP, "authentication_method": "psk"}, 400, "66257133"),
        ({"authentication_method": "none"}, 400, "66257111"),
        ({"authentication_method": "pki"}, 400, "66257134"),
        ({"authentication_method": "pki", "certificate": {"name": "leaf"}}, 400, "66257137"),
        ({"certificate": {"name": "leaf"}}, 400, "66257137"),
        ({"authentication_method": "psk", "certificate": {"name": "leaf"}}, 400, "2"),
        ({"secret_key": "short"}, 400, "262185"),
        ({"secret_key": "x" * 129}, 400, "262185"),
        ({"secret_key": "0x" + "zz" * 10}, 400, "66257107"),
        ({"secret_key": "0x" + "abc" * 7}, 400, "66257107"),
        ({"secret_key": "0s" + "!!!!" * 5}, 400, "66257109"),
        ({"secret_key": 123456789012345678901}, 400, "262185"),
        ({"action": "tunnel"}, 400, "262185"),
        ({"authentication_method": "cert"}, 400, "262185"),
        # the scope, the IPspace
        ({"svm": {"name": "nosuch"}}, 400, "66257202"),
        ({"svm": {"uuid": "1cd8a442-86d1-11e0-ae1c-123478563412"}}, 400, "66257203"),
        ({"scope": "svm"}, 400, "262186"),
        ({"ipspace": {"name": "exchange"}}, 400, "262185"),
        ({"ipspace": {"uuid": "1cd8a442-86d1-11e0-ae1c-123478563412"}}, 400, "262185"),
        # the wire
        ({"uuid": "1cd8a442-86d1-11e0-ae1c-123478563412"}, 400, "262196"),
        ({"cipher_suite": "suiteb_gcm256"}, 400, "262179"),
        ({"enabled": "maybe"}, 400, "262185"),
        ({"local_endpoint": "10.0.0.1/32"}, 400, "262185"),
        ({"ppk": {"identity": "x"}}, 400, "262212"),
        ({"ppk": {"identity": "x", "shared_key": PPK}, "action": "esp_udp"}, 201, None),
    ],
)
def test_every_refusal_has_its_code_and_changes_nothing(
    api: httpx.Client, changes: dict[str, Any], status: int, code: str | None
) -> None:
    install_leaf(api, "leaf")
    response = api.post(POLICIES, json=_body_with(**changes))
    if code is None:
        assert response.status_code == status, response.text
        return
    refused(response, status, code)
    assert api.get(POLICIES).json()["num_records"] == 0


def test_pki_needs_a_client_or_server_certificate_of_its_scope_with_its_key(
    any_api: httpx.Client,
) -> None:
    make_svm(any_api, "vs1")
    install_leaf(any_api, "svm-leaf", "vs1")
    ca = install_ca(any_api, "a-ca")
    refused(any_api.post(POLICIES, json=pki_body({"name": "svm-leaf"})), 400, "66257139")
    refused(any_api.post(POLICIES, json=pki_body({"uuid": ca})), 400, "66257140")
    error = refused(any_api.post(POLICIES, json=pki_body({"name": "a-ca"})), 400, "66257140")
    assert error["message"] == "Only certificates with a client or server type are supported."
    leaf = install_leaf(any_api, "leaf")
    mismatch = {"uuid": leaf, "name": "svm-leaf"}
    refused(any_api.post(POLICIES, json=pki_body(mismatch)), 400, "66257139")
    no_identity = pki_body({"name": "leaf"})
    del no_identity["remote_identity"]
    error = refused(any_api.post(POLICIES, json=no_identity), 400, "262212")
    assert error["target"] == "remote_identity"
    empty = pki_body({"name": "leaf"}, local_identity="")
    refused(any_api.post(POLICIES, json=empty), 400, "262212")
    assert any_api.get(POLICIES).json()["num_records"] == 0


def test_pki_refuses_a_certificate_whose_key_is_not_held(app: OntapApp, api: httpx.Client) -> None:
    """A snapshot imported without its keys leaves end-entity certificates without them."""
    leaf = install_leaf(api, "leaf")
    with app.ctx.store.write() as conn:
        conn.execute(
            sa.text("UPDATE certificates SET private_key = NULL WHERE uuid = :u"), {"u": leaf}
        )
    error = refused(api.post(POLICIES, json=pki_body({"uuid": leaf})), 400, "2")
    assert "private key" in error["message"]


def test_a_post_quantum_key_with_psk_only(app: OntapApp, api: httpx.Client) -> None:
    uuid = create(api, psk_body(ppk={"identity": "ppk-id", "shared_key": PPK}))
    assert policy(api, uuid)["ppk"] == {"identity": "ppk-id"}
    (spec,) = app.ctx.backends.ipsec_policies.connections_of("cluster")
    assert (spec.ppk_identity, spec.ppk_secret) == ("ppk-id", PPK)
    install_leaf(api, "leaf")
    with_pki = pki_body({"name": "leaf"}, "p2", ppk={"identity": "i", "shared_key": PPK})
    refused(api.post(POLICIES, json=with_pki), 400, "2")
    refused(api.post(POLICIES, json=psk_body("p3", ppk={"shared_key": PPK})), 400, "262212")
    refused(
        api.post(POLICIES, json=psk_body("p4", ppk={"identity": "i", "shared_key": "0xzz"})),
        400,
        "262185",
    )
    assert len(policies(api)) == 1


def test_post_refuses_filters_and_unknown_parameters(api: httpx.Client) -> None:
    refused(api.post(POLICIES + "?name=p1", json=psk_body()), 400, "262211")
    refused(api.post(POLICIES + "?fields=*", json=psk_body()), 400, "262179")
    refused(api.post(POLICIES + "?return_records=maybe", json=psk_body()), 400, "262197")
    assert api.get(POLICIES).json()["num_records"] == 0
