"""netapp_ontap's job polling through every state a job takes, against `ontap-ipsec serve`
(its worker processes share the progression and the rules through the database)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.requirements import require
from tests.server.process import Server

require("netapp_ontap", "pip install netapp-ontap; it is in the test extra")

from netapp_ontap import HostConnection  # noqa: E402
from netapp_ontap.error import NetAppRestError  # noqa: E402
from netapp_ontap.resources import Job, Svm  # noqa: E402

MESSAGE = "Failed to create the root volume of the SVM."


@pytest.fixture
def control(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, auth=server.auth, verify=False) as client:
        assert client.post("/_ontap-ipsec/reset").status_code == 200
        yield client
        client.post("/_ontap-ipsec/reset")


@pytest.fixture
def connection(server: Server, no_ca_bundle: None) -> Iterator[HostConnection]:
    with HostConnection(
        server.host,
        port=server.port,
        username=server.username,
        password=server.password,
        verify=False,
        poll_interval=0.05,  # type: ignore[arg-type]
        poll_timeout=20,
    ) as conn:
        yield conn


def answered(control: httpx.Client, job_uuid: str) -> list[str]:
    return list(control.get(f"/_ontap-ipsec/jobs/{job_uuid}").json()["answered"])


def job_of(svm_name: str) -> str:
    (job,) = Job.get_collection(**{"svm.name": svm_name})
    return str(job.uuid)


def test_post_poll_sees_queued_running_and_success(
    control: httpx.Client, connection: HostConnection
) -> None:
    control.put("/_ontap-ipsec/jobs/progression", json={"mode": "polls", "queued": 1, "running": 2})
    svm = Svm(name="vs_polled")
    svm.post(poll=True)
    assert answered(control, job_of("vs_polled")) == ["queued", "running", "running", "success"]
    assert Svm.find(name="vs_polled").uuid == svm.uuid


def test_post_poll_by_time_and_patch_and_delete(
    control: httpx.Client, connection: HostConnection
) -> None:
    control.put(
        "/_ontap-ipsec/jobs/progression", json={"mode": "time", "queued": 0.5, "running": 0.5}
    )
    svm = Svm(name="vs_timed")
    svm.post(poll=True)
    job = job_of("vs_timed")
    # its end came by its timer (the poll after it read an ended job, and counted nothing)
    # or by the poll that found it due, whichever came first
    states = answered(control, job)
    assert states[0] == "queued" and "running" in states
    assert set(states) <= {"queued", "running", "success"}
    finished = Job(uuid=job)
    finished.get()
    assert finished.state == "success"
    svm.comment = "renamed later"
    svm.patch(poll=True)
    assert Svm.find(name="vs_timed", fields="comment").comment == "renamed later"
    svm.delete(poll=True)
    assert Svm.find(name="vs_timed") is None


def test_a_failed_job_is_reported_with_ontaps_message(
    control: httpx.Client, connection: HostConnection
) -> None:
    control.put("/_ontap-ipsec/jobs/progression", json={"mode": "polls", "queued": 1, "running": 1})
    rule = {"method": "POST", "path": "/api/svm/svms", "message": MESSAGE, "code": 13434890}
    assert control.post("/_ontap-ipsec/jobs/rules", json=rule).status_code == 201
    with pytest.raises(NetAppRestError) as raised:
        Svm(name="vs_failed").post(poll=True)
    assert MESSAGE in str(raised.value)
    assert answered(control, job_of("vs_failed")) == ["queued", "running", "failure"]
    assert Svm.find(name="vs_failed") is None
