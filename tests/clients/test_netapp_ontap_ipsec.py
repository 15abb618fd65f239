"""netapp_ontap's IPsec resources against `ontap-ipsec serve` over HTTPS: `Ipsec` (the
cluster's configuration), `IpsecPolicy` and `SecurityAssociation`, on the oldest and the
newest release profiled.

Every call is the library's own: the URLs, the bodies (the changed patchable fields only on
a PATCH), the uuid from the Location header, the errors raised as NetAppRestError. Each test
works in an SVM of its own; the configuration test restores what it changed.

Every test runs as the cluster admin and (on the newest release) as the `vsadmin` of an SVM
the admin made for it (tests/clients/conftest.py): an SVM administrator manages its SVM's
policies and certificates as the admin does, and is refused the cluster-wide IPsec
configuration, an SVM's create and delete, and the sight of cluster-scoped policies.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests import certs
from tests.clients.conftest import Identity
from tests.clients.netapp_ontap_calls import (
    as_admin,
    assert_refused,
    delete_svm,
    error_of,
    make_svm,
    unique,
)
from tests.requirements import require
from tests.server.process import Server

require("netapp_ontap", "pip install netapp-ontap; it is in the test extra")

from netapp_ontap import HostConnection  # noqa: E402
from netapp_ontap.error import NetAppRestError  # noqa: E402
from netapp_ontap.resources import (  # noqa: E402
    Ipsec,
    IpsecPolicy,
    SecurityAssociation,
    SecurityCertificate,
    Svm,
)

PSK = "netapp-ontap-pre-shared-key-42"


@pytest.fixture(scope="module")
def server(release_server: Server) -> Server:
    """The oldest and the newest release profiled, in turn."""
    return release_server


@pytest.fixture
def connection(
    server: Server, identity: Identity, no_ca_bundle: None
) -> Iterator[HostConnection]:
    with HostConnection(
        server.host,
        port=server.port,
        username=identity.username,
        password=identity.password,
        verify=False,
    ) as conn:
        yield conn


def newest(server: Server) -> bool:
    return server.release == "9.18.1"  # type: ignore[attr-defined]


def refused_the_configuration() -> None:
    """The cluster-wide IPsec configuration is the cluster admin's: read or changed."""
    with pytest.raises(NetAppRestError) as read:
        Ipsec().get()
    assert_refused(read, 403, "6")
    with pytest.raises(NetAppRestError) as changed:
        patch_config(enabled=True)
    assert_refused(changed, 403, "6")


def install_host_certificate(svm: Svm, name: str) -> SecurityCertificate:
    """A server certificate with its private key, as a PKI policy needs."""
    ca = certs.make_ca("p256", f"{name} issuer", slot=6)
    leaf, key = certs.make_leaf(ca, f"{name}.example.com", slot=7)
    cert = SecurityCertificate(
        name=name,
        type="server",
        svm={"name": svm.name},
        public_certificate=certs.pem(leaf),
        private_key=certs.key_pem(key),
    )
    cert.post(hydrate=True)
    return cert


def psk_policy(svm: Svm, name: str) -> IpsecPolicy:
    return IpsecPolicy(
        name=name,
        svm={"name": svm.name},
        action="esp_transport",
        authentication_method="psk",
        secret_key=PSK,
        local_endpoint={"address": "192.0.2.10", "netmask": "32", "port": "2049"},
        remote_endpoint={"address": "198.51.100.0", "netmask": "255.255.255.0"},
        protocol="6",
        local_identity="nfs-server",
        remote_identity="nfs-clients",
    )


def patch_config(**changes: Any) -> None:
    """The library's way: set the attributes, then patch() (what a constructor is given
    counts as known state, so `Ipsec(enabled=True).patch()` would send `{}`)."""
    config = Ipsec()
    for name, value in changes.items():
        setattr(config, name, value)
    config.patch()


def test_ipsec_configuration_get_and_patch(
    connection: HostConnection, identity: Identity, server: Server
) -> None:
    if identity.vsadmin:
        refused_the_configuration()
        with as_admin(server):
            config = Ipsec()
            config.get()
            assert config.enabled is False  # the refused PATCH changed nothing
        return
    config = Ipsec()
    config.get()
    assert config.enabled is False
    assert config.replay_window == 0  # the text "0", read by the library's Size field

    patch_config(enabled=True, replay_window=256)  # an integer on the wire
    config.get(fields="enabled,replay_window")
    assert (config.enabled, config.replay_window) == (True, 256)

    config.replay_window = 64  # only what changed since the get is sent
    config.patch()
    config.get()
    assert (config.enabled, config.replay_window) == (True, 64)

    with pytest.raises(NetAppRestError) as refused:
        patch_config(replay_window=100)
    assert refused.value.status_code == 400
    assert error_of(refused.value)["target"] == "replay_window"

    patch_config(enabled=False, replay_window=0)
    config.get()
    assert (config.enabled, config.replay_window) == (False, 0)


def test_ipsec_offload_only_on_the_newest_release(
    connection: HostConnection, server: Server, identity: Identity
) -> None:
    if identity.vsadmin:
        refused_the_configuration()
        with pytest.raises(NetAppRestError) as offload:
            patch_config(offload_enabled=True)
        assert_refused(offload, 403, "6")
        return
    config = Ipsec()
    config.get(fields="*")
    if not newest(server):
        assert not hasattr(config, "offload_enabled")  # 9.16.1 on
        with pytest.raises(NetAppRestError) as unknown:
            patch_config(offload_enabled=True)
        assert unknown.value.status_code == 400
        assert "offload_enabled" in str(unknown.value)
        return
    assert config.offload_enabled is False
    patch_config(offload_enabled=True)  # while IPsec is disabled
    config.get(fields="offload_enabled")
    assert config.offload_enabled is True
    patch_config(enabled=True)
    with pytest.raises(NetAppRestError) as refused:
        patch_config(offload_enabled=False)
    assert error_of(refused.value)["code"] == "66256913"  # not while IPsec is enabled
    patch_config(enabled=False)
    patch_config(offload_enabled=False)
    config.get()
    assert (config.enabled, config.offload_enabled) == (False, False)


def test_a_psk_policy_post_get_patch_delete(
    connection: HostConnection, identity: Identity
) -> None:
    svm = make_svm(identity)
    policy = psk_policy(svm, "psk_policy")
    policy.post(hydrate=True)

    assert policy.uuid  # from the Location header
    assert (policy.scope, policy.svm.name, policy.svm.uuid) == ("svm", svm.name, svm.uuid)
    assert (policy.action, policy.authentication_method) == ("esp_transport", "psk")
    assert policy.enabled is True and policy.protocol == "tcp"
    assert policy.local_endpoint.to_dict() == {
        "address": "192.0.2.10",
        "netmask": "32",
        "family": "ipv4",
        "port": "2049-2049",
    }
    assert (policy.remote_endpoint.netmask, policy.remote_endpoint.port) == ("24", "0-0")
    assert policy.ipspace.name == "Default"
    assert not hasattr(policy, "secret_key")  # never returned

    fetched = IpsecPolicy(uuid=policy.uuid)
    fetched.get()
    assert (fetched.name, fetched.local_identity, fetched.remote_identity) == (
        "psk_policy",
        "nfs-server",
        "nfs-clients",
    )
    assert "secret_key" not in fetched.to_dict()

    fetched.enabled = False
    fetched.remote_endpoint = {"address": "203.0.113.0", "netmask": "25"}
    fetched.remote_identity = "other-clients"
    fetched.patch()
    again = IpsecPolicy(uuid=policy.uuid)
    again.get(fields="enabled,remote_endpoint,remote_identity,local_endpoint")
    assert again.enabled is False and again.remote_identity == "other-clients"
    assert again.remote_endpoint.to_dict() == {
        "address": "203.0.113.0",
        "netmask": "25",
        "family": "ipv4",
        "port": "0-0",
    }
    assert again.local_endpoint.port == "2049-2049"  # untouched

    found = IpsecPolicy.find(name="psk_policy", **{"svm.name": svm.name})
    assert found is not None and found.uuid == policy.uuid

    policy.delete()

    assert IpsecPolicy.find(name="psk_policy", **{"svm.name": svm.name}) is None
    with pytest.raises(NetAppRestError) as gone:
        IpsecPolicy(uuid=policy.uuid).get()
    assert gone.value.status_code == 404
    delete_svm(identity, svm)


def test_a_pki_policy_on_a_server_certificate(
    connection: HostConnection, identity: Identity
) -> None:
    svm = make_svm(identity)
    host = install_host_certificate(svm, unique("host"))
    other = install_host_certificate(svm, unique("host"))
    policy = IpsecPolicy(
        name="pki_policy",
        svm={"name": svm.name},
        action="esp_transport",
        authentication_method="pki",
        certificate={"name": host.name},
        local_endpoint={"address": "192.0.2.10", "netmask": "32"},
        remote_endpoint={"address": "192.0.2.128", "netmask": "25"},
        local_identity=f"CN={host.name}.example.com",
        remote_identity="ANYTHING",
    )
    policy.post(hydrate=True)

    assert policy.authentication_method == "pki"
    assert (policy.certificate.name, policy.certificate.uuid) == (host.name, host.uuid)

    policy.certificate = {"uuid": other.uuid}  # a PKI policy's certificate may change
    policy.patch()
    policy.get()
    assert (policy.certificate.name, policy.certificate.uuid) == (other.name, other.uuid)

    policy.delete()
    delete_svm(identity, svm)


def test_get_collection_with_fields_and_filters(
    connection: HostConnection, identity: Identity, server: Server
) -> None:
    svm = make_svm(identity)
    names = ["col_a", "col_b", "col_c"]
    for name in names:
        psk_policy(svm, name).post()
    # a cluster-scoped policy is the cluster admin's to create
    with as_admin(server) if identity.vsadmin else connection:
        cluster_policy = IpsecPolicy(
            name=unique("cluster_bypass"),
            action="bypass",
            local_endpoint={"address": "2001:0db8::0010", "netmask": "128", "port": "123"},
            remote_endpoint={"address": "2001:db8::", "netmask": "64"},
            protocol="udp",
        )
        cluster_policy.post(hydrate=True)
    assert cluster_policy.scope == "cluster" and not hasattr(cluster_policy, "svm")
    assert cluster_policy.authentication_method == "none"
    assert cluster_policy.local_endpoint.address == "2001:db8::10"

    listed = list(
        IpsecPolicy.get_collection(
            fields="name,enabled,action,local_endpoint,protocol", **{"svm.name": svm.name}
        )
    )
    assert sorted(p.name for p in listed) == names
    assert all(p.enabled and p.action == "esp_transport" for p in listed)
    assert all(p.local_endpoint.port == "2049-2049" and p.protocol == "tcp" for p in listed)
    assert all("secret_key" not in p.to_dict() for p in listed)

    paged = list(IpsecPolicy.get_collection(max_records=1, **{"svm.name": svm.name}))
    assert sorted(p.name for p in paged) == names  # every page followed
    assert IpsecPolicy.count_collection(**{"svm.name": svm.name}) == 3
    at_cluster = [p.name for p in IpsecPolicy.get_collection(scope="cluster")]
    # an SVM account sees no cluster-scoped policy: not listed, its instance not found
    assert at_cluster == [] if identity.vsadmin else cluster_policy.name in at_cluster
    if identity.vsadmin:
        with pytest.raises(NetAppRestError) as unseen:
            IpsecPolicy(uuid=cluster_policy.uuid).get()
        assert_refused(unseen, 404, "4")

    everything = list(IpsecPolicy.get_collection(fields="*"))
    assert all("secret_key" not in p.to_dict() for p in everything)

    response = IpsecPolicy.delete_collection(**{"svm.name": svm.name})
    assert response.http_response.json()["num_records"] == 3
    assert IpsecPolicy.count_collection(**{"svm.name": svm.name}) == 0
    if identity.vsadmin:
        with pytest.raises(NetAppRestError) as unseen:
            IpsecPolicy(uuid=cluster_policy.uuid).delete()
        assert_refused(unseen, 404, "4")
    cluster_policy.delete()  # by its maker: the admin
    delete_svm(identity, svm)


def test_no_security_associations_without_daemons(
    connection: HostConnection, identity: Identity
) -> None:
    svm = make_svm(identity)
    psk_policy(svm, "sa_policy").post()

    assert list(SecurityAssociation.get_collection()) == []
    assert list(SecurityAssociation.get_collection(fields="*")) == []
    assert SecurityAssociation.count_collection() == 0

    IpsecPolicy.delete_collection(**{"svm.name": svm.name})
    delete_svm(identity, svm)


def test_a_pki_policy_without_a_certificate_raises_66257134(
    connection: HostConnection, identity: Identity
) -> None:
    svm = make_svm(identity)
    policy = IpsecPolicy(
        name="pki_without",
        svm={"name": svm.name},
        authentication_method="pki",
        local_endpoint={"address": "192.0.2.10", "netmask": "32"},
        remote_endpoint={"address": "192.0.2.128", "netmask": "25"},
        local_identity="CN=host",
        remote_identity="ANYTHING",
    )

    with pytest.raises(NetAppRestError) as info:
        policy.post()

    assert info.value.status_code == 400
    assert error_of(info.value)["code"] == "66257134"
    assert str(info.value).endswith(
        ": An end-entity certificate is needed for the PKI authentication method. Use the "
        "certificate.uuid option to specify an end-entity certificate."
    )
    assert IpsecPolicy.count_collection(**{"svm.name": svm.name}) == 0
    delete_svm(identity, svm)


def test_a_duplicate_name_raises_66257104(connection: HostConnection, identity: Identity) -> None:
    svm = make_svm(identity)
    psk_policy(svm, "twice").post()

    with pytest.raises(NetAppRestError) as info:
        psk_policy(svm, "twice").post()

    assert info.value.status_code == 409
    error = error_of(info.value)
    assert (error["code"], error["target"]) == ("66257104", "name")
    assert str(info.value).endswith(": IPsec policy with same name already exists in this SVM.")
    assert PSK not in info.value.http_err_response.http_response.text  # type: ignore[union-attr]
    assert IpsecPolicy.count_collection(**{"svm.name": svm.name}) == 1
    if identity.vsadmin:  # another SVM is the cluster admin's to make
        with pytest.raises(NetAppRestError) as info:
            Svm(name=unique("vs")).post()
        assert_refused(info, 403, "6")
        IpsecPolicy.delete_collection(**{"svm.name": svm.name})
        assert IpsecPolicy.count_collection(**{"svm.name": svm.name}) == 0
        return
    other = make_svm(identity)
    psk_policy(other, "twice").post()  # the name is taken per SVM
    for each in (svm, other):
        IpsecPolicy.delete_collection(**{"svm.name": each.name})
        each.delete()
