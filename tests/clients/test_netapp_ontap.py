"""NetApp's Python client library (netapp_ontap) against `ontap-ipsec serve` over HTTPS.

Every call below is the library's own: it builds the URLs, bodies and queries,
follows Location headers and `_links.next`, and polls jobs. Each test works in
SVMs of its own, so the module shares one server.

Every test runs as the cluster admin and (on the newest release) as the `vsadmin` of an SVM
the admin made for it (tests/clients/conftest.py): what ONTAP lets an SVM administrator do
passes as the admin's does; what it would not (an SVM's create, change or delete, the
cluster's PATCH, a sight of the cluster's certificates) is asserted refused as the library
raises it. Cluster-scope objects a test needs are then made by the admin.
"""

from __future__ import annotations

import uuid
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
    Cluster,
    IpsecCaCertificate,
    SecurityCertificate,
    SecurityConfig,
    Svm,
)


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


@pytest.fixture(scope="module")
def server(release_server: Server) -> Server:
    """The oldest and the newest release profiled, in turn."""
    return release_server


def ca_pem(cn: str) -> str:
    cert, _key = certs.make_ca("p256", cn)
    return certs.pem(cert)


def install_ca(name: str, svm: str | None = None) -> SecurityCertificate:
    fields: dict[str, Any] = {
        "type": "server_ca",
        "public_certificate": ca_pem(f"{name} CA"),
        "name": name,
    }
    if svm is not None:
        fields["svm"] = {"name": svm}
    cert = SecurityCertificate(**fields)
    cert.post(hydrate=True)
    return cert


def test_cluster_get_reports_the_server_version(
    connection: HostConnection, server: Server
) -> None:
    cluster = Cluster()
    cluster.get(fields="version")

    release = server.release  # type: ignore[attr-defined]
    _, major, minor = (int(p) for p in release.split("."))
    assert cluster.version.generation == 9
    assert (cluster.version.major, cluster.version.minor) == (major, minor)
    assert cluster.version.full.startswith(f"NetApp Release {release}")


def test_cluster_patch_of_contact_and_location_polls_its_job(
    connection: HostConnection, identity: Identity
) -> None:
    cluster = Cluster()  # as the library's own example: set the fields, then patch()
    cluster.contact = "ops@example.com"
    cluster.location = "Lab 5"
    if identity.vsadmin:  # the cluster is the cluster admin's to change
        before = Cluster()
        before.get(fields="contact,location")
        with pytest.raises(NetAppRestError) as info:
            cluster.patch()
        assert_refused(info, 403, "6")
        after = Cluster()
        after.get(fields="contact,location")
        assert after.to_dict() == before.to_dict()
        return
    response = cluster.patch()  # polls the job to its end
    assert response.http_response.status_code in (200, 202)

    found = Cluster()
    found.get(fields="contact,location,name", max_records=1)
    assert (found.contact, found.location) == ("ops@example.com", "Lab 5")


def test_svm_patch_stops_and_starts_and_sets_the_language(
    connection: HostConnection, identity: Identity
) -> None:
    svm = make_svm(identity)
    svm.state = "stopped"
    svm.language = "en.utf_8"
    if identity.vsadmin:  # stopping an SVM or setting its language is the cluster admin's
        with pytest.raises(NetAppRestError) as info:
            svm.patch()
        assert_refused(info, 403, "6")
        svm.get(fields="state")
        assert svm.state == "running"
        delete_svm(identity, svm)
        return
    svm.patch()
    svm.get(fields="state,language")
    assert (svm.state, svm.language) == ("stopped", "en.utf_8")
    svm.state = "running"
    svm.patch()
    svm.get(fields="state")
    assert svm.state == "running"
    delete_svm(identity, svm)


def test_certificate_signing_request_then_sign_it(connection: HostConnection) -> None:
    response = SecurityConfig().certificate_signing_request(
        body={
            "algorithm": "rsa",
            "hash_function": "sha256",
            "security_strength": "112",
            "subject_alternatives": {"dns": ["*.example.com"], "ip": ["10.225.34.223"]},
            "subject_name": "C=US,O=NTAP,CN=test.domain.com",
        }
    )
    generated = response.http_response.json()
    assert generated["csr"].startswith("-----BEGIN CERTIFICATE REQUEST-----")
    assert "PRIVATE KEY-----" in generated["generated_private_key"]
    ca = SecurityCertificate(type="root_ca", common_name=unique("csr-ca"))
    ca.post(hydrate=True)
    signed = ca.sign(body={"signing_request": generated["csr"], "expiry_time": "P30D"})
    assert "BEGIN CERTIFICATE" in signed.http_response.json()["public_certificate"]
    ca.delete()


def test_svm_post_waits_for_its_job_then_find_and_delete(
    connection: HostConnection, identity: Identity
) -> None:
    name = unique("vs")
    created = Svm(name=name)
    if identity.vsadmin:  # an SVM account makes no SVM, and sees only its own
        with pytest.raises(NetAppRestError) as info:
            created.post(poll=False)
        assert_refused(info, 403, "6")
        assert Svm.find(name=name) is None
        assert [s.name for s in Svm.get_collection()] == [identity.svm]
        delete_svm(identity, make_svm(identity))
        return
    response = created.post(poll=False)

    assert response.http_response.status_code == 202
    assert response.is_job
    done = response.poll()
    assert "/api/cluster/jobs/" in done.http_response.url
    assert done.http_response.json()["state"] == "success"
    assert created.uuid  # from the Location header
    hydrated = make_svm(identity)  # post(hydrate=True): polls the job, then GETs the SVM
    assert hydrated.state == "running" and hydrated.ipspace.name == "Default"
    found = Svm.find(name=name)
    assert found is not None and found.uuid == created.uuid and found.name == name

    found.delete()

    assert Svm.find(name=name) is None


def test_security_certificate_installs_cas_at_cluster_and_svm_scope(
    connection: HostConnection, identity: Identity, server: Server
) -> None:
    svm = make_svm(identity)
    at_svm = install_ca(unique("ca"), svm=svm.name)
    if identity.vsadmin:  # a cluster certificate is the cluster admin's to install
        with as_admin(server):
            at_cluster = install_ca(unique("ca"))
    else:
        at_cluster = install_ca(unique("ca"))

    assert at_svm.scope == "svm" and at_svm.svm.name == svm.name and at_svm.svm.uuid == svm.uuid
    assert at_svm.type == "server_ca" and at_svm.common_name == f"{at_svm.name} CA"
    assert at_cluster.scope == "cluster" and not hasattr(at_cluster, "svm")
    found = SecurityCertificate.find(name=at_svm.name, **{"svm.name": svm.name})
    assert found is not None and found.uuid == at_svm.uuid
    assert found.public_certificate.startswith("-----BEGIN CERTIFICATE-----")
    listed = {c.uuid: c for c in SecurityCertificate.get_collection(fields="*")}
    assert listed[at_svm.uuid].svm.name == svm.name
    if identity.vsadmin:
        # the cluster's certificate is not there for an SVM account: not listed, and its
        # instance is the 404 of a uuid that does not exist
        assert at_cluster.uuid not in listed
        assert {c.svm.name for c in listed.values()} == {svm.name}
        assert SecurityCertificate.find(uuid=at_cluster.uuid) is None
        with pytest.raises(NetAppRestError) as unseen:
            SecurityCertificate(uuid=at_cluster.uuid).get()
        assert_refused(unseen, 404, "4")
    else:
        assert listed[at_cluster.uuid].scope == "cluster"
    before = SecurityCertificate.count_collection()
    assert before == len(listed)
    assert SecurityCertificate.count_collection(**{"svm.name": svm.name}) == 1

    at_svm.delete()
    if identity.vsadmin:
        with pytest.raises(NetAppRestError) as unseen:  # (at_cluster keeps the admin's)
            SecurityCertificate(uuid=at_cluster.uuid).delete()
        assert_refused(unseen, 404, "4")
        assert SecurityCertificate.count_collection() == before - 1
        with as_admin(server):
            assert SecurityCertificate.find(uuid=at_cluster.uuid) is not None  # untouched
            at_cluster.delete()
    else:
        at_cluster.delete()
        assert SecurityCertificate.count_collection() == before - 2

    assert SecurityCertificate.find(name=at_svm.name, **{"svm.name": svm.name}) is None


def test_ipsec_ca_certificate_lifecycle_at_both_scopes(
    connection: HostConnection, identity: Identity, server: Server
) -> None:
    svm = make_svm(identity)
    svm_cas = [install_ca(unique("ca"), svm=svm.name) for _ in range(3)]
    entries = []
    for ca in svm_cas:
        entry = IpsecCaCertificate(certificate={"uuid": ca.uuid}, svm={"name": svm.name})
        entry.post(hydrate=True)
        entries.append(entry)
    if identity.vsadmin:  # the cluster's CA and its IPsec entry are the cluster admin's
        with as_admin(server):
            cluster_ca = install_ca(unique("ca"))
            cluster_entry = IpsecCaCertificate(certificate={"uuid": cluster_ca.uuid})
            cluster_entry.post(hydrate=True)
    else:
        cluster_ca = install_ca(unique("ca"))
        cluster_entry = IpsecCaCertificate(certificate={"uuid": cluster_ca.uuid})
        cluster_entry.post(hydrate=True)

    assert entries[0].scope == "svm"
    assert (entries[0].svm.name, entries[0].svm.uuid) == (svm.name, svm.uuid)
    assert cluster_entry.scope == "cluster" and not hasattr(cluster_entry, "svm")

    fetched = IpsecCaCertificate(certificate={"uuid": svm_cas[1].uuid})
    fetched.get()
    assert fetched.certificate.uuid == svm_cas[1].uuid and fetched.svm.name == svm.name

    in_svm = list(IpsecCaCertificate.get_collection(fields="*", **{"svm.name": svm.name}))
    assert sorted(e.certificate.uuid for e in in_svm) == sorted(c.uuid for c in svm_cas)
    assert all(e.scope == "svm" for e in in_svm)
    cluster_scoped = {
        e.certificate.uuid for e in IpsecCaCertificate.get_collection(scope="cluster")
    }
    # an SVM account sees no cluster entry at all
    assert (cluster_ca.uuid in cluster_scoped) is not identity.vsadmin
    if identity.vsadmin:
        assert cluster_scoped == set()

    everything = {e.certificate.uuid for e in IpsecCaCertificate.get_collection()}
    paged = [e.certificate.uuid for e in IpsecCaCertificate.get_collection(max_records=1)]
    assert len(paged) == len(everything) >= (3 if identity.vsadmin else 4)  # every page walked
    assert set(paged) == everything
    assert IpsecCaCertificate.count_collection() == len(everything)
    assert IpsecCaCertificate.count_collection(**{"svm.name": svm.name}) == 3

    found = IpsecCaCertificate.find(**{"certificate.uuid": cluster_ca.uuid})
    if identity.vsadmin:
        assert found is None
        with pytest.raises(NetAppRestError) as unseen:
            IpsecCaCertificate(certificate={"uuid": cluster_ca.uuid}).delete()
        assert_refused(unseen, 404, "4")
        with as_admin(server):
            found = IpsecCaCertificate.find(**{"certificate.uuid": cluster_ca.uuid})
            assert found is not None and found.scope == "cluster"  # untouched
            found.delete()
    else:
        assert found is not None and found.scope == "cluster"
        found.delete()
        assert IpsecCaCertificate.find(**{"certificate.uuid": cluster_ca.uuid}) is None

    entries[0].delete()
    assert IpsecCaCertificate.count_collection(**{"svm.name": svm.name}) == 2
    response = IpsecCaCertificate.delete_collection(**{"svm.name": svm.name})

    assert response.http_response.json()["num_records"] == 2
    assert IpsecCaCertificate.count_collection(**{"svm.name": svm.name}) == 0
    left = {e.certificate.uuid for e in IpsecCaCertificate.get_collection()}
    gone = {c.uuid for c in svm_cas} | (set() if identity.vsadmin else {cluster_ca.uuid})
    assert everything - left == gone


def test_ipsec_post_of_a_certificate_not_installed_raises_its_releases_code(
    connection: HostConnection, server: Server
) -> None:
    entry = IpsecCaCertificate(certificate={"uuid": str(uuid.uuid4())})

    with pytest.raises(NetAppRestError) as info:
        entry.post()

    assert info.value.status_code == 400
    assert str(info.value).endswith(": CA certificate is not installed.")
    # 66257296 in the 9.10.1-9.12.1 references, 66257304 after (src/ontap_ipsec/versions.py)
    expected = "66257296" if server.release == "9.10.1" else "66257304"  # type: ignore[attr-defined]
    assert error_of(info.value)["code"] == expected


def test_ipsec_get_of_an_entry_not_present_raises_entry_doesnt_exist(
    connection: HostConnection,
) -> None:
    cert = install_ca(unique("ca"))

    with pytest.raises(NetAppRestError) as info:
        IpsecCaCertificate(certificate={"uuid": cert.uuid}).get()

    assert info.value.status_code == 404
    assert str(info.value).endswith(": entry doesn't exist")
    assert error_of(info.value)["code"] == "4"
    cert.delete()


def test_deleting_a_certificate_ipsec_uses_raises_52560272(connection: HostConnection) -> None:
    cert = install_ca(unique("ca"))
    IpsecCaCertificate(certificate={"uuid": cert.uuid}).post()

    with pytest.raises(NetAppRestError) as info:
        cert.delete()

    error = error_of(info.value)
    assert error["code"] == "52560272"
    assert str(info.value).endswith(
        ": The certificate could not be removed due to being in use by one or more subsystems."
    )
    assert SecurityCertificate.find(uuid=cert.uuid) is not None
    IpsecCaCertificate(certificate={"uuid": cert.uuid}).delete()
    cert.delete()
    assert SecurityCertificate.find(uuid=cert.uuid) is None
