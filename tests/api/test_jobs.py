"""/api/cluster/jobs: the jobs that SVM writes record."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from tests.api.helpers import JOBS, SVMS, make_svms


def _parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def svm_links(uuid: str) -> dict[str, dict[str, str]]:
    return {"self": {"href": f"{SVMS}/{uuid}"}}


def test_post_job_is_retrievable_at_its_link_and_succeeded(api: httpx.Client) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    response = api.post(SVMS, json={"name": "vs1"})
    svm_uuid = response.headers["location"].rsplit("/", 1)[1]
    link = response.json()["job"]["_links"]["self"]["href"]
    job = api.get(link)
    assert job.status_code == 200
    body = job.json()
    assert body == {
        "uuid": response.json()["job"]["uuid"],
        "description": "POST /api/svm/svms",
        "state": "success",
        "message": body["message"],
        "code": 0,
        "start_time": body["start_time"],
        "end_time": body["end_time"],
        "svm": {
            "name": "vs1",
            "uuid": svm_uuid,
            "_links": {"self": {"href": f"/api/svm/svms/{svm_uuid}"}},
        },
        "_links": {"self": {"href": link}},
    }
    assert isinstance(body["message"], str)
    start, end = _parse(body["start_time"]), _parse(body["end_time"])
    assert start.tzinfo is not None
    assert before <= start <= end <= datetime.now(UTC)


def test_job_code_is_an_integer_on_the_wire(api: httpx.Client) -> None:
    make_svms(api, ["vs1"])
    records = api.get(f"{JOBS}?fields=code").json()["records"]
    assert [type(r["code"]) for r in records] == [int]


def test_delete_records_a_job_and_removes_the_svm(api: httpx.Client) -> None:
    uuid = make_svms(api, ["vs1"])["vs1"]
    response = api.delete(f"{SVMS}/{uuid}")
    assert response.status_code == 202
    job = api.get(response.json()["job"]["_links"]["self"]["href"]).json()
    assert job["description"] == f"DELETE /api/svm/svms/{uuid}"
    assert job["state"] == "success"
    assert job["svm"] == {"name": "vs1", "uuid": uuid, "_links": svm_links(uuid)}
    assert api.get(f"{SVMS}/{uuid}").status_code == 404


def test_patch_records_a_job_naming_the_new_name(api: httpx.Client) -> None:
    uuid = make_svms(api, ["vs1"])["vs1"]
    response = api.patch(f"{SVMS}/{uuid}", json={"name": "vs2"})
    job = api.get(response.json()["job"]["_links"]["self"]["href"]).json()
    assert job["description"] == f"PATCH /api/svm/svms/{uuid}"
    assert job["svm"] == {"name": "vs2", "uuid": uuid, "_links": svm_links(uuid)}


def test_jobs_filter_by_svm_name(api: httpx.Client) -> None:
    make_svms(api, ["vs1", "vs2"])
    records = api.get(f"{JOBS}?svm.name=vs2&fields=description").json()["records"]
    assert [(r["description"], r["svm"]["name"]) for r in records] == [
        ("POST /api/svm/svms", "vs2")
    ]


def test_jobs_filter_by_the_start_time_they_show(api: httpx.Client) -> None:
    """A time read from a record selects that record when sent back as a filter."""
    make_svms(api, ["vs1"])
    job = api.get(f"{JOBS}?fields=start_time").json()["records"][0]
    found = api.get(JOBS, params={"start_time": job["start_time"]}).json()
    assert [r["uuid"] for r in found["records"]] == [job["uuid"]]


def test_jobs_filter_by_state(api: httpx.Client) -> None:
    make_svms(api, ["vs1"])
    assert api.get(f"{JOBS}?state=success").json()["num_records"] == 1
    assert api.get(f"{JOBS}?state=failure").json()["num_records"] == 0


def test_a_failed_job_carries_the_error_object_clients_read(api: httpx.Client) -> None:
    """OpenStack's NetApp REST client reads response['error']['message'] and ['code'] of a
    job in state failure; a successful job has no error."""
    rule = {"message": "The root volume could not be created.", "code": 13434890, "path": SVMS}
    assert api.post("/_ontap-ipsec/jobs/rules", json=rule).status_code == 201
    failed = api.post(SVMS, json={"name": "vs1"}).json()["job"]["uuid"]
    record = api.get(f"{JOBS}/{failed}?fields=*").json()
    assert record["state"] == "failure"
    assert record["error"] == {"code": "13434890", "message": rule["message"]}
    done = api.post(SVMS, json={"name": "vs1"}).json()["job"]["uuid"]
    assert "error" not in api.get(f"{JOBS}/{done}?fields=*").json()
    found = api.get(f"{JOBS}?error.code=13434890&fields=state").json()["records"]
    assert [r["uuid"] for r in found] == [failed]
