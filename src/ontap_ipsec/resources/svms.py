"""/api/svm/svms: storage VMs, the owners of SVM-scoped certificates.

ONTAP runs SVM create, modify and delete as jobs: the answer is 202 with a job
link (or, with ``return_timeout`` > 0, the finished job's 201/200).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ontap_ipsec.resources import jobs
from ontap_ipsec.rest import errors
from ontap_ipsec.rest.body import parse_body
from ontap_ipsec.rest.bulk import enable_bulk
from ontap_ipsec.rest.context import Context
from ontap_ipsec.rest.errors import OntapError
from ontap_ipsec.rest.http import Request, Response
from ontap_ipsec.rest.query import parse_query
from ontap_ipsec.rest.reads import enable_reads, fetch_record
from ontap_ipsec.rest.resource import (
    READ,
    READ_POST,
    READ_POST_PATCH,
    Field,
    Link,
    Resource,
    string,
    uuid_field,
)
from ontap_ipsec.store.tables import cluster, metadata
from ontap_ipsec.store.tables import svms as t

NAME_RULE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]{0,46}$")
LANGUAGE_RULE = re.compile(r"^[a-z][a-z_]*(\.utf_8)?$")
DEFAULT_IPSPACE = "Default"
DEFAULT_SNAPSHOT_POLICY = "default"
STATES = ("starting", "running", "stopping", "stopped", "deleting", "initializing")
SUBTYPES = ("default", "dp_destination", "sync_source", "sync_destination")
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
    table=t,
    summary="Storage VMs.",
    tag="svm",
    fields=[
        uuid_field("uuid", t.c.uuid, default=True, description="The unique identifier of the SVM."),
        string(
            "name",
            t.c.name,
            access=READ_POST_PATCH,
            default=True,
            required_on_post=True,
            description="The name of the SVM.",
            example="svm1",
        ),
        string("state", t.c.state, access=READ, enum=STATES, description="SVM state."),
        string("subtype", t.c.subtype, access=READ, enum=SUBTYPES, description="SVM subtype."),
        string(
            "language",
            t.c.language,
            access=READ_POST,
            description='Default volume language code, e.g. "c.utf_8".',
        ),
        string("comment", t.c.comment, access=READ_POST_PATCH, description="Comment."),
        string("ipspace.name", t.c.ipspace_name, access=READ_POST, description="IPspace name."),
        uuid_field("ipspace.uuid", t.c.ipspace_uuid, access=READ_POST, description="IPspace UUID."),
        string(
            "snapshot_policy.name",
            t.c.snapshot_policy_name,
            description="The default snapshot policy of the SVM's volumes.",
        ),
        uuid_field(
            "snapshot_policy.uuid",
            t.c.snapshot_policy_uuid,
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


def _check_name(name: Any) -> str:
    if not isinstance(name, str) or not NAME_RULE.match(name):
        raise errors.invalid_body_value(
            "name",
            name,
            "it must start with a letter or '_', hold only letters, digits, '_', '.', '-', "
            "and be at most 47 characters",
        )
    return name


def _name_taken(conn: Connection, name: str, *, other_than: str | None = None) -> bool:
    stmt = sa.select(t.c.uuid).where(t.c.name == name)
    if other_than is not None:
        stmt = stmt.where(t.c.uuid != other_than)
    if conn.execute(stmt).first() is not None:
        return True
    return conn.execute(sa.select(cluster.c.uuid).where(cluster.c.name == name)).first() is not None


@resource.on("collection", "POST", summary="Create an SVM (answers with a job).")
def create(ctx: Context, request: Request) -> Response:
    query = parse_query(request.query_string, resource, "post")
    body = parse_body(request.body, resource, "post")
    if body.get("name") is None:
        raise errors.missing_value("name")
    name = _check_name(body["name"])
    language = body.get("language") or "c.utf_8"
    if not LANGUAGE_RULE.match(language):
        raise errors.invalid_body_value("language", language)
    with ctx.store.write() as conn:
        home = conn.execute(sa.select(cluster.c.ipspace_uuid, cluster.c.snapshot_policy_uuid)).one()
        if body.get("ipspace.name") not in (None, DEFAULT_IPSPACE):
            raise errors.invalid_body_value(
                "ipspace.name", body["ipspace.name"], f'only "{DEFAULT_IPSPACE}" exists'
            )
        if body.get("ipspace.uuid") not in (None, home.ipspace_uuid):
            raise errors.invalid_body_value(
                "ipspace.uuid", body["ipspace.uuid"], f'only the "{DEFAULT_IPSPACE}" IPspace exists'
            )
        if _name_taken(conn, name):
            raise errors.duplicate("name")
        svm_uuid = str(uuid.uuid4())
        now = ctx.naive_now()
        conn.execute(
            t.insert().values(
                uuid=svm_uuid,
                name=name,
                comment=body.get("comment"),
                language=language,
                state="running",
                subtype="default",
                ipspace_name=DEFAULT_IPSPACE,
                ipspace_uuid=home.ipspace_uuid,
                snapshot_policy_name=DEFAULT_SNAPSHOT_POLICY,
                snapshot_policy_uuid=home.snapshot_policy_uuid,
                created=now,
            )
        )
        job = jobs.record_done(conn, now, "POST /api/svm/svms", svm_uuid=svm_uuid, svm_name=name)
        records = None
        if query.return_records:
            records = [
                fetch_record(ctx.store.reader, resource, svm_uuid, hal=request.hal, conn=conn) or {}
            ]
    return jobs.job_response(
        query, job, done_status=201, records=records, location=resource.instance_href(svm_uuid)
    )


@resource.on("instance", "PATCH", summary="Rename an SVM or change its comment (a job).")
def modify(ctx: Context, request: Request) -> Response:
    query = parse_query(request.query_string, resource, "patch")
    body = parse_body(request.body, resource, "patch")
    if not body:
        raise OntapError(
            400, "262190", "You must provide one or more values to apply your changes."
        )
    svm_uuid = request.path_params["key"]
    changes: dict[str, Any] = {}
    if "name" in body:
        if body["name"] is None:
            raise errors.invalid_body_value("name", body["name"])
        changes["name"] = _check_name(body["name"])
    if "comment" in body:
        changes["comment"] = body["comment"]
    with ctx.store.write() as conn:
        current = conn.execute(sa.select(t.c.name).where(t.c.uuid == svm_uuid)).first()
        if current is None:
            raise errors.not_found("uuid")
        if "name" in changes and _name_taken(conn, changes["name"], other_than=svm_uuid):
            raise errors.duplicate("name")
        conn.execute(t.update().where(t.c.uuid == svm_uuid).values(**changes))
        job = jobs.record_done(
            conn,
            ctx.naive_now(),
            f"PATCH /api/svm/svms/{svm_uuid}",
            svm_uuid=svm_uuid,
            svm_name=changes.get("name", current.name),
        )
    return jobs.job_response(query, job, done_status=200)


@resource.on("instance", "DELETE", summary="Delete an SVM and all it owns (a job).")
def delete(ctx: Context, request: Request) -> Response:
    query = parse_query(request.query_string, resource, "delete")
    svm_uuid = request.path_params["key"]
    with ctx.store.write() as conn:
        current = conn.execute(sa.select(t.c.name).where(t.c.uuid == svm_uuid)).first()
        if current is None:
            raise errors.not_found("uuid")
        for owned in reversed(metadata.sorted_tables):
            if owned.info.get("owned_by_svm"):
                conn.execute(owned.delete().where(owned.c.svm_uuid == svm_uuid))
        conn.execute(t.delete().where(t.c.uuid == svm_uuid))
        job = jobs.record_done(
            conn,
            ctx.naive_now(),
            f"DELETE /api/svm/svms/{svm_uuid}",
            svm_uuid=svm_uuid,
            svm_name=current.name,
        )
    return jobs.job_response(query, job, done_status=200)


enable_bulk(resource, "PATCH", "DELETE")
