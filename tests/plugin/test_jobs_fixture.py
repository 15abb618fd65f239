"""The plugin's ontap_jobs, as a user's test would use it."""

from __future__ import annotations

from typing import Any

import httpx

from ontap_ipsec.testing_jobs import Jobs


def test_a_job_stepped_by_hand(ontap_client: httpx.Client, ontap_jobs: Jobs) -> None:
    ontap_jobs.progression("manual")
    job = ontap_client.post("/api/svm/svms", json={"name": "vs1"}).json()["job"]["uuid"]
    assert ontap_jobs.step(job) == "running"
    assert ontap_client.get("/api/svm/svms").json()["num_records"] == 0
    assert ontap_jobs.step(job) == "success"
    assert ontap_client.get("/api/svm/svms").json()["num_records"] == 1


def test_a_failed_job_with_netapp_ontap(ontap_connection: Any, ontap_jobs: Jobs) -> None:
    from netapp_ontap.error import NetAppRestError
    from netapp_ontap.resources import Svm

    ontap_jobs.progression("polls", queued=1, running=1)
    ontap_jobs.fail(message="No aggregate has room for the root volume.", code=13434890, times=1)
    with ontap_connection:
        try:
            Svm(name="vs1").post(poll=True, poll_interval=0.01)  # type: ignore[arg-type]
        except NetAppRestError as exc:
            assert "No aggregate has room" in str(exc)
        else:
            raise AssertionError("the job did not fail")
        assert Svm.count_collection() == 0
    assert ontap_jobs.rules() == []


def test_nothing_is_left_from_the_tests_before(
    ontap_client: httpx.Client, ontap_jobs: Jobs
) -> None:
    assert ontap_client.get("/_ontap-ipsec/jobs/progression").json() == {"mode": "immediate"}
    assert ontap_jobs.rules() == []
