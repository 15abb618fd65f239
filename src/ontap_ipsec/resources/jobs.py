"""/api/cluster/jobs: the record of asynchronous operations.

Operations that ONTAP runs as jobs (SVM create, modify, delete) complete
within their own request here; their job is recorded in the same transaction
as the change, already in state ``success``, so polling clients finish at once.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from ontap_ipsec.rest.http import Response
from ontap_ipsec.rest.query import Query
from ontap_ipsec.rest.reads import enable_reads
from ontap_ipsec.rest.resource import Resource, datetime_field, integer, string, uuid_field
from ontap_ipsec.store.tables import jobs as t

STATES = ("queued", "running", "paused", "success", "failure")

resource = Resource(
    name="job",
    path="/api/cluster/jobs",
    key="uuid",
    table=t,
    summary="Asynchronous operations and their outcome.",
    tag="cluster",
    fields=[
        uuid_field("uuid", t.c.uuid, default=True, description="Job UUID."),
        string("description", t.c.description, description="The operation the job ran."),
        string("state", t.c.state, enum=STATES, description="The state of the job."),
        string("message", t.c.message, description="The message of the job's outcome."),
        integer("code", t.c.code, description="The job's result code (0 on success)."),
        datetime_field("start_time", t.c.start_time, description="When the job started."),
        datetime_field("end_time", t.c.end_time, description="When the job ended."),
        string("svm.name", t.c.svm_name, description="The SVM the job worked on."),
        uuid_field("svm.uuid", t.c.svm_uuid, description="The SVM the job worked on."),
    ],
)
enable_reads(resource)


def record_done(
    conn: Connection,
    now: datetime,
    description: str,
    *,
    svm_uuid: str | None = None,
    svm_name: str | None = None,
) -> str:
    """Record a job that ran to success inside the caller's transaction."""
    job_uuid = str(uuid.uuid4())
    conn.execute(
        t.insert().values(
            uuid=job_uuid,
            description=description,
            state="success",
            message="success",
            code=0,
            start_time=now,
            end_time=now,
            svm_uuid=svm_uuid,
            svm_name=svm_name,
        )
    )
    return job_uuid


def job_link(job_uuid: str) -> dict[str, Any]:
    return {"uuid": job_uuid, "_links": {"self": {"href": f"{resource.path}/{job_uuid}"}}}


def job_response(
    query: Query,
    job_uuid: str,
    *,
    done_status: int,
    location: str | None = None,
    records: list[dict[str, Any]] | None = None,
) -> Response:
    """202 + job, as ONTAP answers; with return_timeout > 0 the finished job's status."""
    body: dict[str, Any] = {}
    if records is not None:
        body.update({"num_records": len(records), "records": records})
    body["job"] = job_link(job_uuid)
    headers = {"location": location} if location else {}
    status = done_status if (query.return_timeout or 0) > 0 else 202
    return Response(status, body, headers)
