"""HAL links and content negotiation (Accept: application/hal+json vs application/json)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ontap_ipsec.app import OntapApp
from tests.api.helpers import CLUSTER, HAL, JOBS, JSON, SVMS, make_svms, raw_request

ACCEPT_JSON = {"accept": JSON}


@pytest.fixture(scope="module")
def world(module_api: httpx.Client) -> dict[str, str]:
    return make_svms(module_api, [("la", "x"), "lb", "lc"])


def link_paths(value: Any, path: str = "") -> list[str]:
    """Where `_links` occur in a JSON document."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, child in value.items():
            here = f"{path}.{key}" if path else key
            if key == "_links":
                found.append(here)
            found += link_paths(child, here)
    elif isinstance(value, list):
        for i, child in enumerate(value):
            found += link_paths(child, f"{path}[{i}]")
    return found


@pytest.mark.parametrize(
    "query",
    [
        "fields=%2A",
        "name=l%2A&fields=comment",
        "comment=>a|null",
        'comment="x"',
        "order_by=name+desc&max_records=5",
        "name=l*&name=!lb",
    ],
)
def test_collection_self_link_is_the_request_target_exactly_as_sent(
    module_app: OntapApp, world: dict[str, str], query: str
) -> None:
    response = raw_request(module_app, "GET", f"{SVMS}?{query}")
    assert response.status_code == 200, response.text
    assert response.json()["_links"]["self"] == {"href": f"{SVMS}?{query}"}


def test_collection_self_link_without_a_query_is_the_path(
    module_app: OntapApp, world: dict[str, str]
) -> None:
    assert raw_request(module_app, "GET", SVMS).json()["_links"] == {"self": {"href": SVMS}}


def test_record_self_links_are_canonical_instance_paths(
    module_app: OntapApp, world: dict[str, str]
) -> None:
    response = raw_request(module_app, "GET", f"{SVMS}/?fields=%2A&name=l%2A")
    assert response.status_code == 200
    for record in response.json()["records"]:
        assert record["_links"] == {"self": {"href": f"{SVMS}/{record['uuid']}"}}


def test_instance_self_link_carries_no_query(
    module_api: httpx.Client, world: dict[str, str]
) -> None:
    body = module_api.get(f"{SVMS}/{world['la']}?fields=comment").json()
    assert body["_links"] == {"self": {"href": f"{SVMS}/{world['la']}"}}


def test_nested_references_carry_their_own_self_link(
    module_api: httpx.Client, world: dict[str, str]
) -> None:
    body = module_api.get(f"{SVMS}/{world['la']}").json()
    assert body["ipspace"]["_links"] == {
        "self": {"href": f"/api/network/ipspaces/{body['ipspace']['uuid']}"}
    }
    assert body["snapshot_policy"]["_links"] == {
        "self": {"href": f"/api/storage/snapshot-policies/{body['snapshot_policy']['uuid']}"}
    }


def test_hal_content_type_by_default(module_api: httpx.Client, world: dict[str, str]) -> None:
    assert module_api.get(SVMS).headers["content-type"] == HAL


@pytest.mark.parametrize("accept", ["*/*", HAL, f"{HAL}, {JSON}"])
def test_hal_content_type_for_other_accept_values(
    module_api: httpx.Client, world: dict[str, str], accept: str
) -> None:
    response = module_api.get(SVMS, headers={"accept": accept})
    assert response.headers["content-type"] == HAL
    assert "_links" in response.json()


def test_accept_json_gives_application_json(
    module_api: httpx.Client, world: dict[str, str]
) -> None:
    assert module_api.get(SVMS, headers=ACCEPT_JSON).headers["content-type"] == JSON


@pytest.mark.parametrize(
    "target",
    [
        f"{SVMS}?fields=**",
        f"{SVMS}?return_records=false",
        CLUSTER,
        JOBS,
    ],
)
def test_accept_json_drops_every_link(
    module_app: OntapApp, world: dict[str, str], target: str
) -> None:
    response = raw_request(module_app, "GET", target, headers=ACCEPT_JSON)
    assert response.status_code == 200
    assert link_paths(response.json()) == []


def test_accept_json_drops_links_of_an_instance(
    module_api: httpx.Client, world: dict[str, str]
) -> None:
    response = module_api.get(f"{SVMS}/{world['la']}", headers=ACCEPT_JSON)
    assert response.status_code == 200
    assert link_paths(response.json()) == []
    assert response.json()["ipspace"]["name"] == "Default"


def test_accept_json_keeps_the_collection_next_link(
    module_app: OntapApp, world: dict[str, str]
) -> None:
    body = raw_request(module_app, "GET", f"{SVMS}?max_records=1", headers=ACCEPT_JSON).json()
    assert link_paths(body) == ["_links"]
    assert set(body["_links"]) == {"next"}
    assert body["_links"]["next"]["href"].startswith(f"{SVMS}?start.uuid=")


def test_accept_json_on_post_drops_links_of_returned_records(api: httpx.Client) -> None:
    response = api.post(
        f"{SVMS}?return_records=true", json={"name": "lj"}, headers=ACCEPT_JSON
    )
    assert response.status_code == 202
    assert response.headers["content-type"] == JSON
    body = response.json()
    assert link_paths(body["records"]) == []
    assert body["records"][0]["name"] == "lj"


def test_accept_json_keeps_the_job_link_of_an_svm_post(api: httpx.Client) -> None:
    """OpenStack's NetApp REST client sends Accept: application/json and follows
    job._links.self.href of every 202; so do NetApp's rest_api samples."""
    response = api.post(
        "/api/svm/svms", json={"name": "plain"}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 202
    job = response.json()["job"]
    assert job["_links"] == {"self": {"href": f"/api/cluster/jobs/{job['uuid']}"}}
    assert response.headers["content-type"] == "application/json"
    followed = api.get(job["_links"]["self"]["href"], headers={"Accept": "application/json"})
    assert followed.json()["state"] == "success" and "_links" not in followed.json()
    bulk = api.patch(
        "/api/svm/svms?name=plain", json={"comment": "c"}, headers={"Accept": "application/json"}
    )
    assert all("_links" in j for j in bulk.json().get("jobs", [])), bulk.text


def test_hal_keeps_the_job_links_of_an_svm_post(api: httpx.Client) -> None:
    response = api.post("/api/svm/svms", json={"name": "hal"})
    job = response.json()["job"]
    assert job["_links"]["self"]["href"] == f"/api/cluster/jobs/{job['uuid']}"


def test_delete_takes_fields_as_netapps_certificate_example_sends_it(api: httpx.Client) -> None:
    made = api.post("/api/security/certificates", json={"type": "root_ca", "common_name": "d"})
    uuid = made.headers["location"].rsplit("/", 1)[1]
    response = api.delete(f"/api/security/certificates/{uuid}?fields=*")
    assert response.status_code == 200, response.text
    assert api.get(f"/api/security/certificates/{uuid}").status_code == 404
    svm = api.post("/api/svm/svms", json={"name": "gone"}).headers["location"]
    assert api.delete(f"{svm}?fields=*").status_code == 202
