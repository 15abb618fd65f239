"""netapp_ontap's job polling through every state a job takes, against `ontap-ipsec serve`
(its worker processes share the progression and the rules through the database).

Each test runs as the cluster admin and (on the server's release, the newest) as the
`vsadmin` of an SVM the admin made: ONTAP lets an SVM administrator create, change or delete
no SVM, so the vsadmin's calls are refused (403, code 6) before any job is made."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from tests.clients.conftest import Identity
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
def connection(
    server: Server, identity: Identity, no_ca_bundle: None
) -> Iterator[HostConnection]:
    with HostConnection(
        server.host,
        port=server.port,
        username=identity.username,
        password=identity.password,
        verify=False,
        poll_interval=0.05,  # type: ignore[arg-type]
        poll_timeout=20,
    ) as conn:
        yield conn


def answered(control: httpx.Client, job_uuid: str) -> list[str]:
    return list(control.get(f"/_ontap-ipsec/jobs/{job_uuid}").json()["answered"])


def refused(call: Callable[[], object]) -> None:
    """The vsadmin's SVM command refused as netapp_ontap raises it: 403, code 6."""
    with pytest.raises(NetAppRestError) as info:
        call()
    assert info.value.status_code == 403
    assert str(info.value).endswith(": not authorized for that command")
    assert info.value.http_err_response.http_response.json()["error"]["code"] == "6"  # type: ignore[union-attr]


def no_job(control: httpx.Client, svm_name: str) -> None:
    jobs = control.get("/api/cluster/jobs", params={"svm.name": svm_name}).json()
    assert jobs["num_records"] == 0


def job_of(svm_name: str) -> str:
    (job,) = Job.get_collection(**{"svm.name": svm_name})
    return str(job.uuid)


def test_post_poll_sees_queued_running_and_success(
    control: httpx.Client, connection: HostConnection, identity: Identity
) -> None:
    control.put("/_ontap-ipsec/jobs/progression", json={"mode": "polls", "queued": 1, "running": 2})
    svm = Svm(name="vs_polled")
    if identity.vsadmin:
        refused(lambda: svm.post(poll=True))
        no_job(control, "vs_polled")
        assert Svm.find(name="vs_polled") is None
        return
    svm.post(poll=True)
    assert answered(control, job_of("vs_polled")) == ["queued", "running", "running", "success"]
    assert Svm.find(name="vs_polled").uuid == svm.uuid


def test_post_poll_by_time_and_patch_and_delete(
    control: httpx.Client, connection: HostConnection, identity: Identity
) -> None:
    control.put(
        "/_ontap-ipsec/jobs/progression", json={"mode": "time", "queued": 0.5, "running": 0.5}
    )
    svm = Svm(name="vs_timed")
    if identity.vsadmin:  # nor may it change or delete its own SVM
        refused(lambda: svm.post(poll=True))
        no_job(control, "vs_timed")
        own = Svm.find(name=identity.svm, fields="comment")
        before = own.to_dict()
        own.comment = "renamed later"
        refused(lambda: own.patch(poll=True))
        refused(lambda: own.delete(poll=True))
        assert Svm.find(name=identity.svm, fields="comment").to_dict() == before
        return
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
    control: httpx.Client, connection: HostConnection, identity: Identity
) -> None:
    control.put("/_ontap-ipsec/jobs/progression", json={"mode": "polls", "queued": 1, "running": 1})
    rule = {"method": "POST", "path": "/api/svm/svms", "message": MESSAGE, "code": 13434890}
    assert control.post("/_ontap-ipsec/jobs/rules", json=rule).status_code == 201
    if identity.vsadmin:  # refused before a job: the failure rule is not what it hears
        refused(lambda: Svm(name="vs_failed").post(poll=True))
        no_job(control, "vs_failed")
        return
    with pytest.raises(NetAppRestError) as raised:
        Svm(name="vs_failed").post(poll=True)
    assert MESSAGE in str(raised.value)
    assert answered(control, job_of("vs_failed")) == ["queued", "running", "failure"]
    assert Svm.find(name="vs_failed") is None
