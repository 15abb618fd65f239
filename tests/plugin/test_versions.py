"""Version profiles on the wire: each release's differences, chosen with the plugin's
@pytest.mark.ontap_version (src/ontap_ipsec/versions.py has the table and its sources)."""

from __future__ import annotations

import httpx
import pytest

from ontap_ipsec import versions
from ontap_ipsec.testing import InProcess, OntapServer

IPSEC = "/api/security/ipsec/ca-certificates"
CERTS = "/api/security/certificates"
MISSING = "1cd8a442-86d1-11e0-ae1c-123478563412"


def svm_ca(api: httpx.Client) -> str:
    assert api.post("/api/svm/svms", json={"name": "vs1"}).status_code == 202
    made = api.post(CERTS, json={"type": "root_ca", "common_name": "ca", "svm": {"name": "vs1"}})
    assert made.status_code == 201, made.text
    return made.headers["location"].rsplit("/", 1)[1]


def test_every_release_from_9_10_1_to_9_18_1_has_a_profile() -> None:
    assert versions.RELEASES[0] == "9.10.1" and versions.RELEASES[-1] == "9.18.1"
    assert [versions.profile_for(r).release for r in versions.RELEASES] == list(versions.RELEASES)
    assert versions.profile_for("9.14.1P5").release == "9.14.1"
    assert versions.profile_for("9.9.1").release == "9.10.1"
    assert versions.profile_for("9.19.1").release == "9.18.1"
    for row in versions.DIFFERENCES:
        assert row.source in versions.SOURCES


@pytest.mark.ontap_version("9.10.1")
def test_9_10_1(ontap_inprocess: InProcess) -> None:
    with ontap_inprocess.client() as api:
        cluster = api.get("/api/cluster?fields=version").json()["version"]
        assert (cluster["major"], cluster["minor"]) == (10, 1)
        ca = svm_ca(api)
        with_scope = {"certificate": {"uuid": ca}, "scope": "svm", "svm": {"name": "vs1"}}
        refused = api.post(IPSEC, json=with_scope)
        assert (refused.status_code, refused.json()["error"]["code"]) == (400, "262179")
        assert refused.json()["error"]["message"] == 'Unexpected argument "scope".'
        assert api.get(IPSEC).json()["num_records"] == 0  # nothing changed
        added = api.post(
            f"{IPSEC}?return_records=true",
            json={"certificate": {"uuid": ca}, "svm": {"name": "vs1"}},
        )
        assert added.status_code == 201 and "_links" not in added.json()
        missing = api.post(IPSEC, json={"certificate": {"uuid": MISSING}})
        assert missing.json()["error"]["code"] == "66257296"
        assert api.get("/api/svm/svms?fields=storage").json()["error"]["code"] == "262197"
        analytics = api.get("/api/svm/svms?auto_enable_analytics=false").json()
        assert analytics["error"]["code"] == "262179"
        assert api.get("/api/svm/svms?ignore_unknown_fields=true").json()["error"]["code"] == (
            "262179"
        )
        sans = {"type": "root_ca", "common_name": "x", "subject_alternatives": {"dns": ["x.a"]}}
        assert api.post(CERTS, json=sans).json()["error"]["code"] == "262179"
        document = api.get("/docs/api/openapi.json").json()
        assert "storage" not in document["components"]["schemas"]["svm"]["properties"]


@pytest.mark.ontap_version("9.13.1")
def test_9_13_1(ontap_inprocess: InProcess) -> None:
    with ontap_inprocess.client() as api:
        ca = svm_ca(api)
        added = api.post(
            f"{IPSEC}?return_records=true",
            json={"certificate": {"uuid": ca}, "scope": "svm", "svm": {"name": "vs1"}},
        )
        assert added.status_code == 201, added.text
        assert added.json()["_links"] == {"self": {"href": IPSEC}}
        missing = api.post(IPSEC, json={"certificate": {"uuid": MISSING}})
        assert missing.json()["error"]["code"] == "66257304"
        record = api.get("/api/svm/svms?fields=storage").json()["records"][0]
        assert record["storage"] == {"limit": 0, "limit_threshold_alert": 90}
        sans = {"type": "root_ca", "common_name": "x", "subject_alternatives": {"dns": ["x.a"]}}
        assert api.post(CERTS, json=sans).json()["error"]["code"] == "262179"  # 9.15.1 on


def test_the_newest_release_by_default(ontap_inprocess: InProcess) -> None:
    with ontap_inprocess.client() as api:
        ca = svm_ca(api)
        added = api.post(
            f"{IPSEC}?return_records=true",
            json={"certificate": {"uuid": ca}, "scope": "svm", "svm": {"name": "vs1"}},
        )
        assert added.status_code == 201 and "_links" not in added.json()
        sans = {"type": "root_ca", "common_name": "x", "subject_alternatives": {"dns": ["x.a"]}}
        assert api.post(CERTS, json=sans).status_code == 201


@pytest.mark.ontap_version("9.11.1")
def test_a_release_over_https(ontap_server: OntapServer) -> None:
    with ontap_server.client() as api:
        version = api.get("/api/cluster?fields=version").json()["version"]
        assert (version["major"], version["minor"]) == (11, 1)
        assert api.get("/api/svm/svms?ignore_unknown_fields=true").status_code == 200
        assert api.get("/api/svm/svms?fields=storage").status_code == 400


def test_an_endpoint_outside_its_releases_is_api_not_found(
    ontap_inprocess: InProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No endpoint served here differs between 9.10.1 and 9.18.1; the table's rule is pinned
    with a row of its own."""
    row = versions.Difference(
        "endpoint /api/security/certificate-signing-request", None, "9.9.1", "harvest-9111"
    )
    monkeypatch.setattr(versions, "DIFFERENCES", (*versions.DIFFERENCES, row))
    with ontap_inprocess.client() as api:
        response = api.post(
            "/api/security/certificate-signing-request", json={"subject_name": "CN=x"}
        )
        assert response.status_code == 404
        assert response.json() == {"error": {"message": "API not found", "code": "3"}}
        assert api.get("/api/cluster").status_code == 200


def test_the_openapi_document_follows_the_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    from ontap_ipsec import openapi
    from ontap_ipsec.resources import all_resources

    row = versions.Difference(
        "endpoint /api/security/certificate-signing-request", None, "9.9.1", "harvest-9111"
    )
    monkeypatch.setattr(versions, "DIFFERENCES", (*versions.DIFFERENCES, row))
    with versions.active(versions.profile_for("9.10.1")):
        old = openapi.document(all_resources())
    with versions.active(versions.profile_for("9.18.1")):
        new = openapi.document(all_resources())
    assert "/api/security/certificate-signing-request" not in old["paths"]
    assert "storage" not in old["components"]["schemas"]["svm"]["properties"]
    assert "storage" in new["components"]["schemas"]["svm"]["properties"]
    post = "ipsec_ca_certificate"
    old_post = old["paths"]["/api/security/ipsec/ca-certificates"]["post"]
    new_post = new["paths"]["/api/security/ipsec/ca-certificates"]["post"]
    assert "scope" not in str(old_post["requestBody"]) and "scope" in str(new_post["requestBody"])
    assert post in old["components"]["schemas"]
