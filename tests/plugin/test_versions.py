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
