"""/api/svm/svms writes: jobs, return_timeout, return_records, conflicts, bulk PATCH/DELETE."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.helpers import JOBS, SVMS, assert_error, make_svms, name_set


def job_body(response: httpx.Response) -> dict[str, Any]:
    """The response's job link, checked for ONTAP's shape."""
    job = response.json()["job"]
    assert job == {"uuid": job["uuid"], "_links": {"self": {"href": f"{JOBS}/{job['uuid']}"}}}
    return job


def test_post_answers_202_with_a_job_and_the_location(api: httpx.Client) -> None:
    response = api.post(SVMS, json={"name": "vs1", "comment": "first"})
    assert response.status_code == 202
    assert set(response.json()) == {"job"}
    job_body(response)
    location = response.headers["location"]
    assert location.startswith(f"{SVMS}/")
    record = api.get(location).json()
    assert record["name"] == "vs1"
    assert record["comment"] == "first"
    assert location == f"{SVMS}/{record['uuid']}"


def test_post_with_return_timeout_answers_201(api: httpx.Client) -> None:
    response = api.post(f"{SVMS}?return_timeout=30", json={"name": "vs1"})
    assert response.status_code == 201
    job_body(response)
    assert api.get(response.headers["location"]).status_code == 200


def test_post_with_return_records_returns_the_record(api: httpx.Client) -> None:
    response = api.post(f"{SVMS}?return_records=true", json={"name": "vs1"})
    assert response.status_code == 202
    body = response.json()
    job_body(response)
    assert body["num_records"] == 1
    assert body["records"] == [api.get(response.headers["location"]).json()]


def test_post_with_return_records_and_timeout_answers_201_with_records(
    api: httpx.Client,
) -> None:
    response = api.post(f"{SVMS}?return_records=true&return_timeout=5", json={"name": "vs1"})
    assert response.status_code == 201
    assert response.json()["records"][0]["name"] == "vs1"


def test_post_defaults(api: httpx.Client) -> None:
    uuid = make_svms(api, ["vs1"])["vs1"]
    record = api.get(f"{SVMS}/{uuid}").json()
    assert record["state"] == "running"
    assert record["subtype"] == "default"
    assert record["language"] == "c.utf_8"
    assert record["ipspace"]["name"] == "Default"
    assert "comment" not in record


DUPLICATE = 'Duplicate SVM name "vs1": an SVM or the cluster already has it.'


def test_duplicate_name_is_409_code_13434908(api: httpx.Client) -> None:
    make_svms(api, ["vs1"])
    assert_error(api.post(SVMS, json={"name": "vs1"}), 409, "13434908", DUPLICATE, "name")
    assert api.get(SVMS).json()["num_records"] == 1


@pytest.mark.parametrize("name", ["x" * 48, "x" * 64, "x" * 65, "x" * 300])
def test_name_too_long_is_400_code_13434911(api: httpx.Client, name: str) -> None:
    response = api.post(SVMS, json={"name": name})
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "13434911"
    assert response.json()["error"]["target"] == "name"
    assert api.get(SVMS).json()["num_records"] == 0


@pytest.mark.parametrize("name", ["1abc", "a b", "", "vs1/x"])
def test_invalid_name_is_400_code_262185(api: httpx.Client, name: str) -> None:
    response = api.post(SVMS, json={"name": name})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "262185"
    assert response.json()["error"]["target"] == "name"


def test_patch_renames_with_a_job(api: httpx.Client) -> None:
    uuid = make_svms(api, ["vs1"])["vs1"]
    response = api.patch(f"{SVMS}/{uuid}", json={"name": "vs9", "comment": "c"})
    assert response.status_code == 202
    assert set(response.json()) == {"job"}
    job_body(response)
    record = api.get(f"{SVMS}/{uuid}").json()
    assert (record["name"], record["comment"]) == ("vs9", "c")


def test_patch_with_return_timeout_answers_200(api: httpx.Client) -> None:
    uuid = make_svms(api, ["vs1"])["vs1"]
    response = api.patch(f"{SVMS}/{uuid}?return_timeout=10", json={"comment": "c"})
    assert response.status_code == 200
    job_body(response)


def test_patch_to_a_taken_name_is_409_code_13434908(api: httpx.Client) -> None:
    made = make_svms(api, ["vs1", "vs2"])
    assert_error(
        api.patch(f"{SVMS}/{made['vs2']}", json={"name": "vs1"}), 409, "13434908", DUPLICATE, "name"
    )
    assert api.get(f"{SVMS}/{made['vs2']}").json()["name"] == "vs2"


def test_patch_to_its_own_name_is_accepted(api: httpx.Client) -> None:
    uuid = make_svms(api, ["vs1"])["vs1"]
    assert api.patch(f"{SVMS}/{uuid}", json={"name": "vs1"}).status_code == 202


def test_delete_answers_202_with_a_job_and_removes_the_svm(api: httpx.Client) -> None:
    uuid = make_svms(api, ["vs1"])["vs1"]
    response = api.delete(f"{SVMS}/{uuid}")
    assert response.status_code == 202
    job_body(response)
    assert api.get(f"{SVMS}/{uuid}").status_code == 404
    assert api.get(SVMS).json()["num_records"] == 0


def test_delete_with_return_timeout_answers_200(api: httpx.Client) -> None:
    uuid = make_svms(api, ["vs1"])["vs1"]
    assert api.delete(f"{SVMS}/{uuid}?return_timeout=120").status_code == 200


def test_delete_twice_is_404(api: httpx.Client) -> None:
    uuid = make_svms(api, ["vs1"])["vs1"]
    api.delete(f"{SVMS}/{uuid}")
    assert api.delete(f"{SVMS}/{uuid}").status_code == 404


def test_name_is_reusable_after_delete(api: httpx.Client) -> None:
    uuid = make_svms(api, ["vs1"])["vs1"]
    api.delete(f"{SVMS}/{uuid}")
    assert api.post(SVMS, json={"name": "vs1"}).status_code == 202


# --- return_timeout on every method -----------------------------------------------------


def _call(api: httpx.Client, method: str, timeout: str) -> httpx.Response:
    uuid = make_svms(api, [f"rt{method.lower()}"])[f"rt{method.lower()}"]
    if method == "GET":
        return api.get(f"{SVMS}/{uuid}?return_timeout={timeout}")
    if method == "POST":
        return api.post(f"{SVMS}?return_timeout={timeout}", json={"name": "rtnew"})
    if method == "PATCH":
        return api.patch(f"{SVMS}/{uuid}?return_timeout={timeout}", json={"comment": "c"})
    return api.delete(f"{SVMS}/{uuid}?return_timeout={timeout}")


@pytest.mark.parametrize("method", ["GET", "POST", "PATCH", "DELETE"])
@pytest.mark.parametrize("timeout", ["121", "-1"])
def test_return_timeout_out_of_range_is_400_code_262197(
    api: httpx.Client, method: str, timeout: str
) -> None:
    response = _call(api, method, timeout)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "262197"
    assert response.json()["error"]["target"] == "return_timeout"


@pytest.mark.parametrize(
    ("method", "timeout", "status"),
    [
        ("GET", "0", 200), ("GET", "120", 200),
        ("POST", "0", 202), ("POST", "120", 201),
        ("PATCH", "0", 202), ("PATCH", "120", 200),
        ("DELETE", "0", 202), ("DELETE", "120", 200),
    ],
)
def test_return_timeout_0_and_120_are_accepted(
    api: httpx.Client, method: str, timeout: str, status: int
) -> None:
    assert _call(api, method, timeout).status_code == status


# --- query-based PATCH and DELETE on the collection ------------------------------------------


def test_collection_patch_with_a_query_changes_every_match(api: httpx.Client) -> None:
    make_svms(api, ["a1", "a2", "b1"])
    response = api.patch(f"{SVMS}?name=a*", json={"comment": "bulk"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"num_records", "jobs"}
    assert body["num_records"] == 2
    assert len(body["jobs"]) == 2
    for job in body["jobs"]:
        assert job == {"uuid": job["uuid"], "_links": {"self": {"href": f"{JOBS}/{job['uuid']}"}}}
        assert api.get(f"{JOBS}/{job['uuid']}").json()["state"] == "success"
    assert name_set(api.get(f"{SVMS}?comment=bulk")) == {"a1", "a2"}
    assert name_set(api.get(f"{SVMS}?comment=null")) == {"b1"}


def test_collection_delete_with_a_query_deletes_every_match(api: httpx.Client) -> None:
    make_svms(api, ["a1", "a2", "b1"])
    response = api.delete(f"{SVMS}?name=a*")
    assert response.status_code == 200
    assert response.json()["num_records"] == 2
    assert len(response.json()["jobs"]) == 2
    assert name_set(api.get(SVMS)) == {"b1"}


def test_collection_delete_matching_nothing_is_200_with_zero_records(api: httpx.Client) -> None:
    make_svms(api, ["a1"])
    response = api.delete(f"{SVMS}?name=zz*")
    assert response.status_code == 200
    assert response.json() == {"num_records": 0}
    assert name_set(api.get(SVMS)) == {"a1"}


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
@pytest.mark.parametrize("query", ["", "?return_timeout=5"])
def test_collection_patch_or_delete_without_a_query_is_400(
    api: httpx.Client, method: str, query: str
) -> None:
    make_svms(api, ["a1"])
    body = {"comment": "x"} if method == "PATCH" else None
    response = api.request(method, f"{SVMS}{query}", json=body)
    assert_error(
        response, 400, "2",
        f"{method} on a collection needs a query: give at least one field as a query parameter.",
    )
    assert name_set(api.get(f"{SVMS}?comment=null")) == {"a1"}


def test_collection_patch_with_an_invalid_body_changes_nothing(api: httpx.Client) -> None:
    make_svms(api, ["a1", "a2"])
    response = api.patch(f"{SVMS}?name=a*", json={"subtype": "default"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "262196"
    assert name_set(api.get(f"{SVMS}?comment=null")) == {"a1", "a2"}


@pytest.mark.parametrize(
    ("body", "code"),
    [(b"\x00", "262199"), (b"[]", "262199"), (b'{"subtype": "default"}', "262196"),
     (b'{"colour": 1}', "262179"), (b'{"comment": 5}', "262185")],
)
def test_collection_patch_matching_nothing_still_refuses_an_invalid_body(
    api: httpx.Client, body: bytes, code: str
) -> None:
    """Found by Schemathesis: a query-based PATCH whose query selected no record answered
    200 {"num_records": 0} to any body, bytes that are not JSON included."""
    make_svms(api, ["a1"])
    response = api.patch(
        f"{SVMS}?name=zz*", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == code
    ok = api.patch(f"{SVMS}?name=zz*", json={"comment": "fine"})
    assert ok.status_code == 200 and ok.json() == {"num_records": 0}


def test_collection_patch_with_an_unknown_filter_is_400_code_262179(api: httpx.Client) -> None:
    response = api.patch(f"{SVMS}?colour=red", json={"comment": "x"})
    assert_error(response, 400, "262179", 'Unexpected argument "colour".')


def test_collection_delete_with_return_timeout_and_a_query(api: httpx.Client) -> None:
    make_svms(api, ["a1"])
    response = api.delete(f"{SVMS}?name=a1&return_timeout=120")
    assert response.status_code == 200
    assert response.json()["num_records"] == 1


def test_paging_continues_when_the_next_page_first_record_is_deleted(api: httpx.Client) -> None:
    made = make_svms(api, [f"k{i}" for i in range(6)])
    first = api.get(f"{SVMS}?max_records=2").json()
    seen = [r["uuid"] for r in first["records"]]
    ordered = sorted(made.values())
    assert seen == ordered[:2]
    api.delete(f"{SVMS}/{ordered[2]}")  # the record the cursor names
    rest = api.get(first["_links"]["next"]["href"]).json()
    assert [r["uuid"] for r in rest["records"]] == ordered[3:5]
