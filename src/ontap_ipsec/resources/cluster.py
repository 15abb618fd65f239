"""/api/cluster: the cluster's name, uuid and ONTAP version."""

from __future__ import annotations

from ontap_ipsec.rest.reads import enable_reads
from ontap_ipsec.rest.resource import Resource, integer, string, uuid_field
from ontap_ipsec.store.tables import cluster as t

resource = Resource(
    name="cluster",
    path="/api/cluster",
    key=None,
    table=t,
    summary="The cluster: its name, uuid and ONTAP version.",
    tag="cluster",
    fields=[
        string("name", t.c.name, description="Name of the cluster."),
        uuid_field("uuid", t.c.uuid, description="Unique identifier of the cluster."),
        string(
            "version.full",
            t.c.version_full,
            description='The full version, e.g. "NetApp Release 9.18.1: ontap-ipsec 0.1.0".',
        ),
        integer(
            "version.generation",
            t.c.version_generation,
            description="The generation portion of the version.",
        ),
        integer(
            "version.major", t.c.version_major, description="The major portion of the version."
        ),
        integer(
            "version.minor", t.c.version_minor, description="The minor portion of the version."
        ),
    ],
)
enable_reads(resource)
