"""/api/cluster: the cluster's name, uuid and ONTAP version."""

from __future__ import annotations

from ontap_ipsec.rest.reads import enable_reads
from ontap_ipsec.rest.resource import Resource, integer, string, uuid_field
from ontap_ipsec.store import views

resource = Resource(
    name="cluster",
    path="/api/cluster",
    key=None,
    view=views.CLUSTER,
    summary="The cluster: its name, uuid and ONTAP version.",
    tag="cluster",
    fields=[
        string("name", description="Name of the cluster."),
        uuid_field("uuid", description="Unique identifier of the cluster."),
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
    ],
)
enable_reads(resource)
