"""PATCH of the cluster's identity and of an SVM's state and language: jobs, the rules, the
events, and a refusal that changes nothing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ontap_ipsec.app import OntapApp
from ontap_ipsec.domain import events as ev
from tests.api.helpers import CLUSTER, JOBS, SVMS, make_svms


def heard(app: OntapApp) -> list[Any]:
    found: list[Any] = []
    app.ctx.events.subscribe(found.append)
    return found


def finished_job(api: httpx.Client, response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 202, response.text
    job = api.get(f"{JOBS}/{response.json()['job']['uuid']}?fields=*").json()
    assert job["state"] == "success"
    return job


def test_cluster_get_takes_max_records_as_rest_info_sends_it(api: httpx.Client) -> None:
    response = api.get(f"{CLUSTER}?max_records=1024&fields=contact,location,name,uuid")
    assert response.status_code == 200, response.text
    assert set(response.json()) == {"name", "uuid", "_links"}  # contact, location unset


def test_cluster_patch_sets_contact_location_and_name_with_a_job(
    app: OntapApp, api: httpx.Client
) -> None:
    events = heard(app)
    response = api.patch(CLUSTER, json={"contact": "it@example.com", "location": "Lab 5"})
    assert finished_job(api, response)["description"] == "PATCH /api/cluster"
    renamed = api.patch(f"{CLUSTER}?return_timeout=30", json={"name": "cl-2"})
    assert renamed.status_code == 200, renamed.text
    body = api.get(f"{CLUSTER}?fields=name,contact,location").json()
    assert (body["name"], body["contact"], body["location"]) == (
        "cl-2", "it@example.com", "Lab 5"
    )
    assert [type(e) for e in events] == [ev.ClusterModified, ev.ClusterModified]
    assert (events[0].old.contact, events[0].new.contact) == (None, "it@example.com")
    assert (events[1].old.name, events[1].new.name) == ("cluster1", "cl-2")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"name": "9lives"}, "262185"),
        ({"name": "ends-"}, "262185"),
        ({"name": "x" * 45}, "262185"),
        ({"name": "localhost"}, "262185"),
        ({"uuid": "c3f0a1d2-0000-4000-8000-000000000000"}, "262196"),
        ({"version": {"full": "x"}}, "262196"),
        ({"contact": 5}, "262185"),
        ({}, "262190"),
    ],
)
def test_cluster_patch_refused_changes_nothing(
    app: OntapApp, api: httpx.Client, body: dict[str, Any], code: str
) -> None:
    before = api.get(f"{CLUSTER}?fields=*").json()
    events = heard(app)
    response = api.patch(CLUSTER, json=body)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == code
    assert api.get(f"{CLUSTER}?fields=*").json() == before
    assert events == []


def test_cluster_cannot_take_an_svm_name(api: httpx.Client) -> None:
    make_svms(api, ["vs1"])
    response = api.patch(CLUSTER, json={"name": "vs1"})
    assert response.status_code == 409, response.text
    assert api.get(CLUSTER).json()["name"] == "cluster1"


def test_reset_unsets_contact_and_location(app: OntapApp, api: httpx.Client) -> None:
    finished_job(api, api.patch(CLUSTER, json={"contact": "me", "location": "here"}))
    app.ctx.backends.reset()
    assert set(api.get(f"{CLUSTER}?fields=contact,location").json()) == {"_links"}


def test_svm_patch_stops_and_starts_and_changes_the_language(
    app: OntapApp, api: httpx.Client
) -> None:
    uuid = make_svms(api, ["vs1"])["vs1"]
    events = heard(app)
    finished_job(api, api.patch(f"{SVMS}/{uuid}", json={"state": "stopped"}))
    record = api.get(f"{SVMS}/{uuid}?fields=state,language").json()
    assert (record["state"], record["language"]) == ("stopped", "c.utf_8")
    restart = {"state": "running", "language": "en.UTF-8"}
    finished_job(api, api.patch(f"{SVMS}/{uuid}", json=restart))
    record = api.get(f"{SVMS}/{uuid}?fields=state,language").json()
    assert (record["state"], record["language"]) == ("running", "en.utf_8")
    assert [(e.old.state, e.new.state, e.new.language) for e in events] == [
        ("running", "stopped", "c.utf_8"),
        ("stopped", "running", "en.utf_8"),
    ]
    assert all(isinstance(e, ev.SvmModified) for e in events)


@pytest.mark.parametrize(
    "body",
    [
        {"state": "deleting"},
        {"state": "bogus"},
        {"language": "!!"},
        {"language": "xx.utf_8"},
        {"state": "stopped", "name": "9"},
    ],
)
def test_svm_patch_refused_changes_nothing(
    app: OntapApp, api: httpx.Client, body: dict[str, Any]
) -> None:
    uuid = make_svms(api, ["vs1"])["vs1"]
    events = heard(app)
    response = api.patch(f"{SVMS}/{uuid}", json=body)
    assert response.status_code == 400, response.text
    record = api.get(f"{SVMS}/{uuid}?fields=state,language,name").json()
    assert (record["state"], record["language"], record["name"]) == ("running", "c.utf_8", "vs1")
    assert events == []
