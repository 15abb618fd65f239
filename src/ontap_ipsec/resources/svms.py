"""/api/svm/svms: storage VMs, the owners of SVM-scoped certificates.

ONTAP runs SVM create, modify and delete as jobs: the answer is 202 with a job
link (or, with ``return_timeout`` > 0, the finished job's 201/200).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ontap_ipsec.domain.backends.jobs import PENDING
from ontap_ipsec.domain.backends.svms import NAME_TOO_LONG, Done
from ontap_ipsec.resources import jobs
from ontap_ipsec.rest import test_id
from ontap_ipsec.rest.body import parse_body
from ontap_ipsec.rest.bulk import enable_bulk
from ontap_ipsec.rest.context import Context
from ontap_ipsec.rest.http import Request, Response
from ontap_ipsec.rest.query import parse_query
from ontap_ipsec.rest.reads import enable_reads, fetch_record
from ontap_ipsec.rest.resource import (
    READ,
    READ_PATCH,
    READ_POST,
    READ_POST_PATCH,
    Field,
    Link,
    Resource,
    string,
    uuid_field,
)
from ontap_ipsec.store import views

STATES = ("starting", "running", "stopping", "stopped", "deleting", "initializing")
# netapp_ontap 9.19.1's valid choices (data_engine the newest)
SUBTYPES = ("default", "dp_destination", "sync_source", "sync_destination", "data_engine")
PROTOCOLS = ("cifs", "fcp", "iscsi", "nfs", "nvme", "s3")


def _protocol_fields() -> list[Field]:
    out: list[Field] = []
    for proto in PROTOCOLS:
        out.append(
            Field(
                f"{proto}.allowed",
                "boolean",
                constant=True,
                description=f"Whether {proto} may be configured on the SVM.",
            )
        )
        out.append(
            Field(
                f"{proto}.enabled",
                "boolean",
                constant=False,
                description=f"Whether {proto} is enabled on the SVM.",
            )
        )
    return out


resource = Resource(
    name="svm",
    path="/api/svm/svms",
    key="uuid",
    view=views.SVMS,
    summary="Storage VMs.",
    tag="svm",
    fields=[
        uuid_field("uuid", default=True, description="The unique identifier of the SVM."),
        string(
            "name",
            access=READ_POST_PATCH,
            default=True,
            required_on_post=True,
            description="The name of the SVM.",
            example="svm1",
            too_long=NAME_TOO_LONG,
        ),
        string(
            "state",
            access=READ_PATCH,
            enum=STATES,
            description='SVM state; PATCH "stopped" to stop it, "running" to start it.',
        ),
        string("subtype", access=READ, enum=SUBTYPES, description="SVM subtype."),
        string(
            "language",
            access=READ_POST_PATCH,
            description='Default volume language code, e.g. "c.utf_8" ("en.UTF-8" is '
            'stored as "en.utf_8").',
        ),
        string("comment", access=READ_POST_PATCH, description="Comment."),
        string("ipspace.name", access=READ_POST, description="IPspace name."),
        uuid_field("ipspace.uuid", access=READ_POST, description="IPspace UUID."),
        string(
            "snapshot_policy.name",
            description="The default snapshot policy of the SVM's volumes.",
        ),
        uuid_field(
            "snapshot_policy.uuid",
            description="The default snapshot policy of the SVM's volumes.",
        ),
        Field(
            "aggregates",
            "array",
            constant=[],
            items="string",
            description="Aggregates assigned to the SVM (none here).",
        ),
        *_protocol_fields(),
        Field(
            "ndmp.allowed", "boolean", constant=True, description="Whether NDMP may be configured."
        ),
        string("max_volumes", constant="unlimited", description="Maximum number of volumes."),
        string(
            "anti_ransomware_default_volume_state",
            constant="disabled",
            description="Default anti-ransomware state of new volumes.",
        ),
        Field(
            "auto_enable_analytics",
            "boolean",
            constant=False,
            description="Whether file system analytics is enabled on new volumes.",
        ),
        Field(
            "storage.limit",
            "integer",
            constant=0,
            description="Maximum storage of the SVM's volumes in bytes (0: no limit).",
        ),
        Field(
            "storage.limit_threshold_alert",
            "integer",
            constant=90,
            description="Percentage of the storage limit at which an alert is sent.",
        ),
        Field(
            "auto_enable_activity_tracking",
            "boolean",
            constant=False,
            description="Whether activity tracking is enabled on new volumes.",
        ),
    ],
    links=[
        Link("ipspace", "/api/network/ipspaces/{}", "ipspace.uuid"),
        Link("snapshot_policy", "/api/storage/snapshot-policies/{}", "snapshot_policy.uuid"),
    ],
)
enable_reads(resource)


@resource.on("collection", "POST", summary="Create an SVM (answers with a job).")
def create(ctx: Context, request: Request) -> Response:
    query = parse_query(request.query_string, resource, "post")
    body = parse_body(request.body, resource, "post")
    done = ctx.backends.svms.create(
        body["name"],
        language=body.get("language"),
        comment=body.get("comment"),
        ipspace_name=body.get("ipspace.name"),
        ipspace_uuid=body.get("ipspace.uuid"),
        test_id=test_id.carried(request),
    )
    done = _waited(ctx, query, done)
    records = None
    if query.return_records:
        found = fetch_record(ctx.store, resource, done.uuid, hal=request.hal)
        records = [found or _pending_record(done.uuid, body["name"], request.hal)]
    return _job(query, done, 201, records=records, location=resource.instance_href(done.uuid))


@resource.on(
    "instance",
    "PATCH",
    summary="Rename an SVM, change its comment or language, start or stop it (a job).",
)
def modify(ctx: Context, request: Request) -> Response:
    query = parse_query(request.query_string, resource, "patch")
    body = parse_body(request.body, resource, "patch")
    key = request.path_params["key"]
    done = ctx.backends.svms.modify(key, body, test_id=test_id.carried(request))
    return _job(query, _waited(ctx, query, done), 200)


@resource.on("instance", "DELETE", summary="Delete an SVM and all it owns (a job).")
def delete(ctx: Context, request: Request) -> Response:
    query = parse_query(request.query_string, resource, "delete")
    done = ctx.backends.svms.delete(request.path_params["key"], test_id=test_id.carried(request))
    return _job(query, _waited(ctx, query, done), 200)


def _waited(ctx: Context, query: Any, done: Done) -> Done:
    """With return_timeout, a job still running is waited for (as long as it may end)."""
    if (query.return_timeout or 0) > 0 and done.state in PENDING:
        return replace(done, state=ctx.backends.jobs.wait(done.job_uuid, query.return_timeout))
    return done


def _pending_record(svm_uuid: str, name: str, hal: bool) -> dict[str, Any]:
    """The record of an SVM whose create job has not ended: what the request named."""
    out: dict[str, Any] = {"uuid": svm_uuid, "name": name}
    if hal:
        out["_links"] = {"self": {"href": resource.instance_href(svm_uuid)}}
    return out


def _job(query: Any, done: Done, status: int, **kw: Any) -> Response:
    return jobs.job_response(
        query, done.job_uuid, done_status=status, succeeded=done.state == "success", **kw
    )


enable_bulk(resource, "PATCH", "DELETE")
