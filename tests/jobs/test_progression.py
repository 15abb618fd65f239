"""Job progression: immediate, by time, by polls, by hand; what the state is meanwhile."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

SVMS = "/api/svm/svms"
PROGRESSION = "/_ontap-ipsec/jobs/progression"


def progress(client: httpx.Client, mode: str, **numbers: float) -> None:
    answer = client.put(PROGRESSION, json={"mode": mode, **numbers})
    assert answer.status_code == 200, answer.text


def job_of(answer: httpx.Response) -> str:
    assert answer.status_code == 202, answer.text
    return str(answer.json()["job"]["uuid"])


def job_state(client: httpx.Client, job: str) -> dict[str, Any]:
    return dict(client.get(f"/api/cluster/jobs/{job}", params={"fields": "*"}).json())


def svm_names(client: httpx.Client) -> list[str]:
    return [r["name"] for r in client.get(SVMS).json()["records"]]


def test_immediate_is_the_default(ontap_client: httpx.Client) -> None:
    assert ontap_client.get(PROGRESSION).json() == {"mode": "immediate"}
    job = job_of(ontap_client.post(SVMS, json={"name": "vs1"}))
    assert job_state(ontap_client, job)["state"] == "success"
    assert svm_names(ontap_client) == ["vs1"]


def test_by_polls_each_get_sees_the_next_state_and_the_svm_appears_at_success(
    ontap_client: httpx.Client,
) -> None:
    progress(ontap_client, "polls", queued=1, running=2)
    assert ontap_client.get(PROGRESSION).json() == {"mode": "polls", "queued": 1, "running": 2}
    job = job_of(ontap_client.post(SVMS, json={"name": "vs1"}))
    seen = []
    for _ in range(4):
        record = job_state(ontap_client, job)
        seen.append(record["state"])
        if record["state"] != "success":
            assert svm_names(ontap_client) == []
    assert seen == ["queued", "running", "running", "success"]
    assert record["message"] == "success" and record["code"] == 0
    assert "start_time" in record and "end_time" in record
    assert svm_names(ontap_client) == ["vs1"]
    assert ontap_client.get(f"/_ontap-ipsec/jobs/{job}").json() == {
        "uuid": job,
        "state": "success",
        "mode": "polls",
        "polls": 4,
        "answered": ["queued", "running", "running", "success"],
    }


def test_by_time_the_job_ends_without_being_polled(ontap_client: httpx.Client) -> None:
    progress(ontap_client, "time", queued=0.5, running=0.1)
    job = job_of(ontap_client.post(SVMS, json={"name": "vs1"}))
    assert job_state(ontap_client, job)["state"] == "queued"
    deadline = time.monotonic() + 5
    while svm_names(ontap_client) != ["vs1"] and time.monotonic() < deadline:
        time.sleep(0.02)
    assert svm_names(ontap_client) == ["vs1"]
    collection = ontap_client.get("/api/cluster/jobs", params={"fields": "state"}).json()
    assert [r["state"] for r in collection["records"]] == ["success"]


def test_by_time_return_timeout_waits_for_the_end(ontap_client: httpx.Client) -> None:
    progress(ontap_client, "time", queued=0.05, running=0.05)
    answer = ontap_client.post(SVMS, params={"return_timeout": 5}, json={"name": "vs1"})
    assert answer.status_code == 201, answer.text
    assert svm_names(ontap_client) == ["vs1"]
    progress(ontap_client, "time", queued=10, running=10)
    slow = ontap_client.post(SVMS, params={"return_timeout": 1}, json={"name": "vs2"})
    assert slow.status_code == 202  # it cannot end within the wait: answered at once


def test_by_hand_a_job_moves_only_when_stepped(ontap_client: httpx.Client) -> None:
    progress(ontap_client, "manual")
    (vs,) = svm_names(ontap_client) or [None]
    assert vs is None
    job = job_of(ontap_client.post(SVMS, params={"return_timeout": 1}, json={"name": "vs1"}))
    assert job_state(ontap_client, job)["state"] == "queued"
    assert job_state(ontap_client, job)["state"] == "queued"
    step = ontap_client.post(f"/_ontap-ipsec/jobs/{job}/step")
    assert step.json() == {"uuid": job, "state": "running"}
    assert svm_names(ontap_client) == []
    assert ontap_client.post(f"/_ontap-ipsec/jobs/{job}/step").json()["state"] == "success"
    assert svm_names(ontap_client) == ["vs1"]
    again = ontap_client.post(f"/_ontap-ipsec/jobs/{job}/step")
    assert again.status_code == 409
    assert again.json()["error"]["message"].startswith("The job is success")


def test_a_step_can_fail_a_job_with_a_message_and_code(ontap_client: httpx.Client) -> None:
    vs1 = ontap_client.post(SVMS, json={"name": "vs1"}).headers["location"]
    progress(ontap_client, "manual")
    job = job_of(ontap_client.delete(vs1))
    failed = ontap_client.post(
        f"/_ontap-ipsec/jobs/{job}/step",
        json={"state": "failure", "message": "SVM is busy", "code": 13434920},
    )
    assert failed.json()["state"] == "failure"
    record = job_state(ontap_client, job)
    assert (record["state"], record["message"], record["code"]) == (
        "failure",
        "SVM is busy",
        13434920,
    )
    assert svm_names(ontap_client) == ["vs1"]  # a failed job changes nothing


def test_pending_modify_and_delete_change_nothing_until_they_end(
    ontap_client: httpx.Client,
) -> None:
    vs1 = ontap_client.post(SVMS, json={"name": "vs1"}).headers["location"]
    progress(ontap_client, "manual")
    rename = job_of(ontap_client.patch(vs1, json={"name": "vs9"}))
    assert svm_names(ontap_client) == ["vs1"]
    ontap_client.post(f"/_ontap-ipsec/jobs/{rename}/step", json={"state": "success"})
    assert svm_names(ontap_client) == ["vs9"]
    delete = job_of(ontap_client.delete(vs1))
    assert svm_names(ontap_client) == ["vs9"]
    ontap_client.post(f"/_ontap-ipsec/jobs/{delete}/step", json={"state": "success"})
    assert svm_names(ontap_client) == []


def test_a_change_no_longer_possible_when_its_job_ends_fails_the_job(
    ontap_client: httpx.Client,
) -> None:
    progress(ontap_client, "manual")
    first = job_of(ontap_client.post(SVMS, json={"name": "vs1"}))
    second = job_of(ontap_client.post(SVMS, json={"name": "vs1"}))  # checked against today
    ontap_client.post(f"/_ontap-ipsec/jobs/{first}/step", json={"state": "success"})
    ontap_client.post(f"/_ontap-ipsec/jobs/{second}/step", json={"state": "success"})
    record = job_state(ontap_client, second)
    assert record["state"] == "failure"
    assert record["code"] == 13434908
    assert "Duplicate SVM name" in record["message"]
    assert svm_names(ontap_client) == ["vs1"]


def test_return_records_of_a_pending_create_names_the_svm(ontap_client: httpx.Client) -> None:
    progress(ontap_client, "manual")
    answer = ontap_client.post(SVMS, params={"return_records": "true"}, json={"name": "vs1"})
    assert answer.status_code == 202
    (record,) = answer.json()["records"]
    assert record["name"] == "vs1"
    assert answer.headers["location"].endswith(record["uuid"])


def test_events_are_published_when_the_job_ends(ontap_app: Any, ontap_client: httpx.Client) -> None:
    heard: list[str] = []
    stop = ontap_app.events.subscribe(lambda e: heard.append(type(e).__name__))
    try:
        progress(ontap_client, "polls", queued=0, running=1)
        job = job_of(ontap_client.post(SVMS, json={"name": "vs1"}))
        assert heard == []
        job_state(ontap_client, job)
        assert heard == []
        job_state(ontap_client, job)
        assert heard == ["SvmCreated"]
    finally:
        stop()


@pytest.mark.parametrize(
    "body",
    [
        {"mode": "sometimes"},
        {"mode": "polls", "queued": -1},
        {"mode": "polls", "queued": 1.5},
        {"mode": "time", "running": "1"},
        {"mode": "time", "extra": 1},
        [],
    ],
)
def test_a_bad_progression_is_refused_and_changes_nothing(
    ontap_client: httpx.Client, body: Any
) -> None:
    progress(ontap_client, "manual")
    answer = ontap_client.put(PROGRESSION, json=body)
    assert answer.status_code == 400
    assert set(answer.json()["error"]) >= {"message", "code"}
    assert ontap_client.get(PROGRESSION).json() == {"mode": "manual"}


def test_stepping_an_unknown_job_is_404(ontap_client: httpx.Client) -> None:
    answer = ontap_client.post("/_ontap-ipsec/jobs/0000/step")
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "4"
    assert ontap_client.post("/_ontap-ipsec/jobs/0000/jump").status_code == 404


def test_the_reset_goes_back_to_immediate(ontap_inprocess: Any) -> None:
    with ontap_inprocess.client() as client:
        progress(client, "manual")
        ontap_inprocess.reset()
        assert client.get(PROGRESSION).json() == {"mode": "immediate"}
