"""/api/security/ipsec/security-associations: the IKE and IPsec SAs of the daemons.

Read-only, as ONTAP's: every GET asks each attached daemon (`--strongswan`) for its
SAs (`list-sas`) and shows those of our connections, one record per IKE SA and one
per CHILD_SA (:mod:`ontap_ipsec.ipsec.associations`). Without a daemon, or while a
daemon cannot be reached, its SAs are simply absent: the collection is empty, as a
cluster's is when nothing has negotiated. Never cached: they change without us.
"""

from __future__ import annotations

from dataclasses import dataclass

from ontap_ipsec.rest.context import Context
from ontap_ipsec.rest.http import Request, Response
from ontap_ipsec.rest.reads import get_record, list_records
from ontap_ipsec.rest.resource import Field, Link, Resource, integer, string, uuid_field
from ontap_ipsec.store import associations as sa_rows
from ontap_ipsec.store.engine import Store

_SNAPSHOT = "security-associations"


def _spi(name: str, description: str) -> Field:
    return string(name, description=description, example="c764f9ee020cec69")


resource = Resource(
    name="security_association",
    path="/api/security/ipsec/security-associations",
    key="uuid",
    view=sa_rows.SECURITY_ASSOCIATIONS,
    summary="IPsec and IKE security associations.",
    tag="security",
    live=True,
    fields=[
        uuid_field(
            "uuid", default=True, description="Unique identifier of the security association."
        ),
        string(
            "type",
            default=True,
            enum=("ipsec", "ike"),
            description="Type of security association, it can be IPsec or IKE (Internet Key "
            "Exchange).",
        ),
        string("svm.name", description="The name of the SVM.", example="svm1"),
        uuid_field("svm.uuid", description="The unique identifier of the SVM."),
        string(
            "scope",
            enum=("svm", "cluster"),
            description='Set to "svm" for interfaces owned by an SVM. Otherwise, set to '
            '"cluster".',
        ),
        string("node.name", description="Node with the security association.", example="node1"),
        uuid_field("node.uuid", description="Node with the security association."),
        string("local_address", description="Local address of the security association."),
        string("remote_address", description="Remote address of the security association."),
        string("policy_name", description="Policy name for the security association."),
        string(
            "cipher_suite",
            enum=("suite_aescbc", "suiteb_gcm256", "suiteb_gmac256"),
            description="Cipher suite for the security association.",
        ),
        integer("lifetime", description="Lifetime for the security association in seconds."),
        string(
            "ike.authentication",
            enum=("none", "psk", "cert"),
            description="Authentication method for internet key exchange protocol.",
        ),
        _spi(
            "ike.initiator_security_parameter_index",
            "Initiator's security parameter index for the IKE security association.",
        ),
        _spi(
            "ike.responder_security_parameter_index",
            "Responder's security parameter index for the IKE security association.",
        ),
        Field(
            "ike.is_initiator",
            "boolean",
            description="Indicates whether or not IKE has been initiated by this node.",
        ),
        string(
            "ike.state",
            enum=("none", "connecting", "established", "dead_peer_probe"),
            description="State of the IKE connection.",
        ),
        integer("ike.version", description="Internet key exchange protocol version."),
        string(
            "ipsec.action",
            enum=("bypass", "discard", "esp_transport"),
            description="Action for the IPsec security association.",
        ),
        string("ipsec.state", description="State of the IPsec security association."),
        _spi(
            "ipsec.inbound.security_parameter_index",
            "Inbound security parameter index for the IPsec security association.",
        ),
        integer(
            "ipsec.inbound.bytes",
            description="Number of inbound bytes for the IPsec security association.",
        ),
        integer(
            "ipsec.inbound.packets",
            description="Number of inbound packets for the IPsec security association.",
        ),
        _spi(
            "ipsec.outbound.security_parameter_index",
            "Outbound security parameter index for the IPsec security association.",
        ),
        integer(
            "ipsec.outbound.bytes",
            description="Number of outbound bytes for the IPsec security association.",
        ),
        integer(
            "ipsec.outbound.packets",
            description="Number of outbound packets for the IPsec security association.",
        ),
    ],
    links=[Link("svm", "/api/svm/svms/{}", "svm.uuid")],
)


@dataclass(frozen=True)
class _Reads:
    """What the generic reads need of a context: the store to read from."""

    store: Store


@resource.on("collection", "GET", summary="Retrieve the IPsec and IKE security associations.")
def collection(ctx: Context, request: Request) -> Response:
    with _snapshot(ctx).refreshed(collect(ctx)) as store:
        return list_records(_Reads(store), request, resource)  # type: ignore[arg-type]


@resource.on("instance", "GET", summary="Retrieve one IPsec or IKE security association.")
def instance(ctx: Context, request: Request) -> Response:
    with _snapshot(ctx).refreshed(collect(ctx)) as store:
        return get_record(_Reads(store), request, resource)  # type: ignore[arg-type]


def collect(ctx: Context) -> list[dict[str, object]]:
    """The SAs of the attached daemons (nothing of strongSwan is imported without one)."""
    if not ctx.settings.strongswan_daemons:
        return []
    from ontap_ipsec.ipsec.sa_source import collect as from_daemons

    return from_daemons(ctx)


def _snapshot(ctx: Context) -> sa_rows.Snapshot:
    found = ctx.services.get(_SNAPSHOT)
    if found is None:
        found = ctx.services.setdefault(_SNAPSHOT, sa_rows.Snapshot())
    return found  # type: ignore[no-any-return]
