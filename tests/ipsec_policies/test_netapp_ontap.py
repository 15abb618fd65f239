"""NetApp's Python client library (netapp_ontap) against `ontap-ipsec serve` over HTTPS:
its `Ipsec` and `IpsecPolicy` resources, unchanged, on the oldest and the newest release
profiled. Every URL, body and query below is the library's own."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests import certs
from tests.clients.conftest import no_ca_bundle, release_server  # noqa: F401 - fixtures
from tests.requirements import require
from tests.server.process import Server

require("netapp_ontap", "pip install netapp-ontap; it is in the test extra")

from netapp_ontap import HostConnection  # noqa: E402
from netapp_ontap.error import NetAppRestError  # noqa: E402
from netapp_ontap.resources import Ipsec, IpsecPolicy, SecurityCertificate, Svm  # noqa: E402

PSK = "a-pre-shared-key-for-netapp-ontap"


@pytest.fixture(scope="module")
def server(release_server: Server) -> Server:  # noqa: F811 - the imported fixture
    return release_server


@pytest.fixture
def connection(server: Server, no_ca_bundle: None) -> Iterator[HostConnection]:  # noqa: F811
    with HostConnection(
        server.host,
        port=server.port,
        username=server.username,
        password=server.password,
        verify=False,
    ) as conn:
        yield conn


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def test_the_ipsec_configuration(server: Server, connection: HostConnection) -> None:
    config = Ipsec()
    config.get()
    assert (config.enabled, config.replay_window) == (False, 0)  # Size reads the text
    # what a constructor is given is its "last state": set the fields after it
    config.enabled, config.replay_window = True, 128
    config.patch()  # {"enabled": true, "replay_window": 128}
    config.get(fields="enabled,replay_window")
    assert (config.enabled, config.replay_window) == (True, 128)
    if server.release == "9.18.1":  # type: ignore[attr-defined]
        config.get()
        config.offload_enabled = True
        with pytest.raises(NetAppRestError) as refused:
            config.patch()
        assert refused.value.response_body["error"]["code"] == "66256913"
    config.get()
    config.enabled, config.replay_window = False, 0
    config.patch()
    config.get()
    assert (config.enabled, config.replay_window) == (False, 0)


def test_a_psk_policy_round_trip(connection: HostConnection) -> None:
    svm = Svm(name=unique("vs"))
    svm.post(hydrate=True)
    policy = IpsecPolicy(
        name="pol1",
        svm={"name": svm.name},
        local_endpoint={"address": "10.1.1.1", "netmask": "255.255.255.255", "port": "2049"},
        remote_endpoint={"address": "10.1.2.0", "netmask": "24"},
        protocol="6",
        secret_key=PSK,
    )
    policy.post(hydrate=True)
    assert policy.uuid
    assert (policy.action, policy.authentication_method, policy.enabled) == (
        "esp_transport",
        "psk",
        True,
    )
    assert policy.local_endpoint.netmask == "32" and policy.local_endpoint.port == "2049-2049"
    assert policy.protocol == "tcp" and policy.scope == "svm"
    assert not hasattr(policy, "secret_key") or policy.secret_key == PSK  # never read back

    found = IpsecPolicy.find(name="pol1", **{"svm.name": svm.name})
    assert found is not None and found.uuid == policy.uuid
    found.enabled = False
    found.local_endpoint.port = "111"
    found.patch()
    again = IpsecPolicy(uuid=policy.uuid)
    again.get()
    assert again.enabled is False and again.local_endpoint.port == "111-111"
    assert again.local_endpoint.address == "10.1.1.1"

    with pytest.raises(NetAppRestError) as duplicate:
        IpsecPolicy(
            name="pol1",
            svm={"name": svm.name},
            local_endpoint={"address": "10.1.1.1", "netmask": "32"},
            remote_endpoint={"address": "10.1.2.0", "netmask": "24"},
            secret_key=PSK,
        ).post()
    assert duplicate.value.response_body["error"]["code"] == "66257104"
    names = [p.name for p in IpsecPolicy.get_collection(**{"svm.name": svm.name})]
    assert names == ["pol1"]
    again.delete()
    assert IpsecPolicy.count_collection(**{"svm.name": svm.name}) == 0
    svm.delete()


def test_a_pki_policy_and_its_certificate(connection: HostConnection) -> None:
    issuer = certs.make_ca("p256", "pki issuer")
    cert, key = certs.make_leaf(issuer, cn="ontap.example.com")
    name = unique("leaf")
    leaf = SecurityCertificate(
        name=name,
        type="server",
        public_certificate=certs.pem(cert),
        private_key=certs.key_pem(key),
    )
    leaf.post(hydrate=True)
    policy = IpsecPolicy(
        name=unique("pki"),
        authentication_method="pki",
        certificate={"name": name},
        local_identity="CN=ontap.example.com",
        remote_identity="ANYTHING",
        local_endpoint={"address": "fd00::10", "netmask": "128"},
        remote_endpoint={"address": "::", "netmask": "0", "port": "443"},
    )
    policy.post(hydrate=True)
    assert policy.certificate.uuid == leaf.uuid and policy.scope == "cluster"
    assert policy.remote_endpoint.family == "ipv6"
    with pytest.raises(NetAppRestError) as in_use:
        leaf.delete()
    assert in_use.value.response_body["error"]["code"] == "52560272"
    policy.delete()
    leaf.delete()
