"""The fixtures in this very process: both modes, shared state, seeding."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from ontap_ipsec import seeding
from ontap_ipsec.seeding import SeedError, seed, seed_file
from ontap_ipsec.testing import InProcess, OntapServer
from tests.requirements import require

SPEC = {
    "svms": ["vs1", {"name": "vs2", "comment": "second"}],
    "certificates": [
        {"name": "ca1", "svm": "vs1", "type": "server_ca", "generate": True},
        {"name": "ca1", "type": "server_ca", "generate": True},
        {"name": "root", "type": "root_ca", "common_name": "lab root"},
    ],
    "ipsec_ca_certificates": [{"certificate": "ca1", "svm": "vs1"}, "ca1"],
}


def test_ontap_client_starts_empty_and_is_authenticated(ontap_client: httpx.Client) -> None:
    for path in (
        "/api/svm/svms",
        "/api/security/certificates",
        "/api/security/ipsec/ca-certificates",
    ):
        response = ontap_client.get(path)
        assert response.status_code == 200
        assert response.json()["num_records"] == 0


def test_seed_on_the_app_creates_everything_through_the_api(
    ontap_app: object, ontap_client: httpx.Client
) -> None:
    created = seed(ontap_app, SPEC)

    svms = ontap_client.get("/api/svm/svms", params={"fields": "comment"}).json()["records"]
    assert {(s["name"], s["uuid"], s.get("comment")) for s in svms} == {
        ("vs1", created.svms["vs1"], None),
        ("vs2", created.svms["vs2"], "second"),
    }
    in_svm, at_cluster = created.certificate("ca1", "vs1"), created.certificate("ca1")
    assert in_svm != at_cluster and created.certificates["ca1"] == in_svm
    cert = ontap_client.get(f"/api/security/certificates/{in_svm}", params={"fields": "*"}).json()
    assert (cert["type"], cert["common_name"], cert["svm"]["name"]) == ("server_ca", "ca1", "vs1")
    root = ontap_client.get(
        f"/api/security/certificates/{created.certificates['root']}", params={"fields": "*"}
    ).json()
    assert (root["type"], root["common_name"], root["scope"]) == ("root_ca", "lab root", "cluster")
    entries = ontap_client.get(
        "/api/security/ipsec/ca-certificates", params={"fields": "*", "order_by": "scope"}
    ).json()["records"]
    assert [(e["certificate"]["uuid"], e["scope"]) for e in entries] == [
        (at_cluster, "cluster"),
        (in_svm, "svm"),
    ]


def test_seed_of_an_unknown_svm_is_refused_by_the_server(ontap_inprocess: InProcess) -> None:
    with pytest.raises(SeedError) as info:
        ontap_inprocess.seed(
            {"certificates": [{"name": "ca", "svm": "nope", "type": "server_ca", "generate": True}]}
        )

    assert info.value.status_code == 400
    assert info.value.body["error"]["target"] == "svm.name"


def test_seed_file_reads_yaml_and_pem_files(ontap_inprocess: InProcess, tmp_path: Path) -> None:
    from ontap_ipsec.seeding import generate_ca

    pem, _key = generate_ca("from a file")
    (tmp_path / "ca.pem").write_text(pem)
    (tmp_path / "seed.yaml").write_text(
        "svms: [vs1]\n"
        "certificates:\n"
        "  - {name: theirs, svm: vs1, type: server_ca, pem_file: ca.pem}\n"
        "ipsec_ca_certificates:\n"
        "  - {certificate: theirs, svm: vs1}\n"
    )

    created = seed_file(ontap_inprocess.app, tmp_path / "seed.yaml")

    with ontap_inprocess.client() as c:
        cert = c.get(
            f"/api/security/certificates/{created.certificates['theirs']}",
            params={"fields": "public_certificate,common_name"},
        ).json()
        assert cert["common_name"] == "from a file"
        assert cert["public_certificate"].strip() == pem.strip()
        assert (
            c.get(
                f"/api/security/ipsec/ca-certificates/{created.certificates['theirs']}"
            ).status_code
            == 200
        )


def test_seed_of_an_app_without_credentials_says_how(tmp_path: Path) -> None:
    from ontap_ipsec.testing import make_app

    app = make_app(tmp_path / "data", "pw")
    seeding._CREDENTIALS.pop(app)
    with pytest.raises(TypeError, match="auth="):
        seed(app, {"svms": ["vs1"]})
    assert seed(app, {"svms": ["vs1"]}, auth=("admin", "pw")).svms["vs1"]
    app.ctx.store.dispose()


def test_ontap_server_serves_https_with_a_certificate_it_can_verify(
    ontap_server: OntapServer,
) -> None:
    assert ontap_server.base_url == f"https://127.0.0.1:{ontap_server.port}/api"
    with ontap_server.client() as c:  # verifies TLS against the server's own certificate
        response = c.get("/api/cluster", params={"fields": "version"})
    assert response.status_code == 200
    assert response.json()["version"]["generation"] == 9
    wrong = httpx.get(f"{ontap_server.base_url}/cluster", auth=("admin", "wrong"), verify=False)
    assert wrong.status_code == 401


def test_server_and_in_process_share_one_state(
    ontap_server: OntapServer, ontap_client: httpx.Client
) -> None:
    seed(ontap_client, {"svms": ["shared"]})

    with ontap_server.client() as c:
        names = [s["name"] for s in c.get("/api/svm/svms").json()["records"]]
    assert names == ["shared"]


@pytest.fixture
def netapp_installed() -> None:
    """netapp_ontap is in the test extra: under CI its absence fails rather than skips."""
    require("netapp_ontap", "netapp-ontap is in the test extra")


def test_netapp_ontap_over_https_and_in_process(
    netapp_installed: None,
    ontap_server: OntapServer,
    ontap_connection: object,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from netapp_ontap import HostConnection
    from netapp_ontap.resources import IpsecCaCertificate, Svm

    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    assert isinstance(ontap_connection, HostConnection)
    with ontap_connection:
        Svm(name="inproc").post()
        assert Svm.find(name="inproc") is not None
    created = ontap_server.seed(
        {"certificates": [{"name": "ca", "svm": "inproc", "type": "server_ca", "generate": True}]}
    )
    with ontap_server.connection:
        entry = IpsecCaCertificate(
            certificate={"uuid": created.certificates["ca"]}, svm={"name": "inproc"}
        )
        entry.post(hydrate=True)
        assert entry.scope == "svm"
    with ontap_connection:
        assert [e.certificate.uuid for e in IpsecCaCertificate.get_collection()] == [
            created.certificates["ca"]
        ]


def test_seed_enables_ipsec_and_creates_policies_by_names(
    ontap_app: object, ontap_client: httpx.Client
) -> None:
    created = seed(
        ontap_app,
        {
            "svms": ["vs1"],
            "certificates": [{"name": "host", "svm": "vs1", "type": "server", "generate": True}],
            "ipsec": {"enabled": True},
            "ipsec_policies": [
                {"name": "pki", "svm": "vs1", "certificate": "host",
                 "local_identity": "CN=host", "remote_identity": "ANYTHING",
                 "local_endpoint": {"address": "192.0.2.1", "netmask": "32"},
                 "remote_endpoint": {"address": "198.51.100.0", "netmask": "24"}},
            ],
        },
    )  # fmt: skip
    assert ontap_client.get("/api/security/ipsec").json()["enabled"] is True
    policy = ontap_client.get(
        f"/api/security/ipsec/policies/{created.ipsec_policies['pki']}", params={"fields": "*"}
    ).json()
    assert policy["authentication_method"] == "pki"
    assert policy["certificate"]["uuid"] == created.certificate("host", "vs1")
    assert policy["svm"]["name"] == "vs1"
    with pytest.raises(SeedError) as refused:
        seed(ontap_app, {"ipsec_policies": [{"name": "pki", "svm": "vs1"}]})
    assert refused.value.status_code == 400
