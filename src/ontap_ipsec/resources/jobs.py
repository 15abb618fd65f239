"""/api/cluster/jobs: the record of asynchronous operations, and the job answer.

Jobs are recorded by the backends (:mod:`ontap_ipsec.domain.backends.jobs`);
this module serves them and shapes ONTAP's 202-with-a-job answer.
"""

from __future__ import annotations

from typing import Any

from ontap_ipsec.domain.backends.jobs import STATES
from ontap_ipsec.rest.context import Context
from ontap_ipsec.rest.http import Request, Response
from ontap_ipsec.rest.query import Query
from ontap_ipsec.rest.reads import enable_reads, get_record
from ontap_ipsec.rest.resource import (
    Link,
    Resource,
    datetime_field,
    integer,
    string,
    uuid_field,
)
from ontap_ipsec.store import views

resource = Resource(
    name="job",
    path="/api/cluster/jobs",
    key="uuid",
    view=views.JOBS,
    summary="Asynchronous operations and their outcome.",
    tag="cluster",
    fields=[
        uuid_field("uuid", default=True, description="Job UUID."),
        string("description", description="The operation the job ran."),
        string("state", enum=STATES, description="The state of the job."),
        string("message", description="The message of the job's outcome."),
        integer("code", description="The job's result code (0 on success)."),
        datetime_field("start_time", description="When the job started."),
        datetime_field("end_time", description="When the job ended."),
        string("svm.name", description="The SVM the job worked on."),
        uuid_field("svm.uuid", description="The SVM the job worked on."),
        string("error.code", description="Error code of a failed job."),
        string("error.message", description="Error message of a failed job."),
    ],
    links=[Link("svm", "/api/svm/svms/{}", "svm.uuid")],  # as every svm reference of ONTAP's
)
enable_reads(resource, instance=False)


@resource.on("instance", "GET", summary="A job: each GET is a poll, which may move it on.")
def get(ctx: Context, request: Request) -> Response:
    ctx.backends.jobs.observe(request.path_params["key"])
    return get_record(ctx, request, resource)


def job_link(job_uuid: str) -> dict[str, Any]:
    return {"uuid": job_uuid, "_links": {"self": {"href": f"{resource.path}/{job_uuid}"}}}


def job_response(
    query: Query,
    job_uuid: str,
    *,
    done_status: int,
    location: str | None = None,
    records: list[dict[str, Any]] | None = None,
    succeeded: bool = True,
) -> Response:
    """202 + job, as ONTAP answers; with return_timeout > 0 the status of a job that
    succeeded within it (a job still running, or failed, stays 202: its outcome is the
    job's to tell)."""
    body: dict[str, Any] = {}
    if records is not None:
        body.update({"num_records": len(records), "records": records})
    body["job"] = job_link(job_uuid)
    headers = {"location": location} if location else {}
    status = done_status if (query.return_timeout or 0) > 0 and succeeded else 202
    return Response(status, body, headers)
