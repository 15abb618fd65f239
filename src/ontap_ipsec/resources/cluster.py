"""/api/cluster: the cluster's identity and ONTAP version; PATCH of its name, contact and
location (a job, as ONTAP runs it)."""

from __future__ import annotations

from ontap_ipsec.resources import jobs
from ontap_ipsec.rest.body import parse_body
from ontap_ipsec.rest.context import Context
from ontap_ipsec.rest.http import Request, Response
from ontap_ipsec.rest.query import parse_query
from ontap_ipsec.rest.reads import enable_reads
from ontap_ipsec.rest.resource import (
    READ_PATCH,
    Field,
    Resource,
    integer,
    string,
    uuid_field,
)
from ontap_ipsec.store import views

resource = Resource(
    name="cluster",
    path="/api/cluster",
    key=None,
    view=views.CLUSTER,
    summary="The cluster: its identity and ONTAP version.",
    tag="cluster",
    fields=[
        string("name", access=READ_PATCH, description="Name of the cluster."),
        uuid_field("uuid", description="Unique identifier of the cluster."),
        string(
            "contact",
            access=READ_PATCH,
            description="The contact field of the cluster (a name or e-mail address).",
        ),
        string(
            "location",
            access=READ_PATCH,
            description="The location field of the cluster.",
        ),
        string(
            "version.full",
            description='The full version, e.g. "NetApp Release 9.18.1: ontap-ipsec 0.1.0".',
        ),
        integer(
            "version.generation",
            description="The generation portion of the version.",
        ),
        integer("version.major", description="The major portion of the version."),
        integer("version.minor", description="The minor portion of the version."),
        string("timezone.name", constant="Etc/UTC", description="The cluster's time zone."),
        Field(
            "dns_domains",
            "array",
            constant=[],
            description="DNS domains of the cluster (none here).",
        ),
        Field(
            "name_servers",
            "array",
            constant=[],
            description="The DNS servers of the cluster (none here).",
        ),
        Field(
            "ntp_servers",
            "array",
            constant=[],
            description="NTP servers of the cluster (none here).",
        ),
        Field(
            "san_optimized",
            "boolean",
            constant=False,
            description="Whether the cluster is SAN optimized (an all-SAN array).",
        ),
    ],
)
enable_reads(resource)


@resource.on("collection", "PATCH", summary="Rename the cluster, set its contact or location.")
def modify(ctx: Context, request: Request) -> Response:
    query = parse_query(request.query_string, resource, "patch")
    body = parse_body(request.body, resource, "patch")
    job = ctx.backends.cluster.modify(body)
    return jobs.job_response(query, job, done_status=200)
