"""/api/security/ipsec/policies: the IPsec policies of the cluster and the SVMs, since 9.8.

GET the collection or one policy, POST a policy, PATCH what ONTAP lets change after
creation (enabled, the endpoints, protocol, the identities, a PKI policy's certificate,
certificate_modify_keepsa, the post-quantum key's identity), DELETE one; query-based
PATCH and DELETE too. `secret_key` and `ppk.shared_key` are written once and never
returned, not even in an error. The rules are the policies' backend's
(:mod:`ontap_ipsec.domain.backends.ipsec_policies`); this module is the wire.
"""

from __future__ import annotations

from typing import Any

from ontap_ipsec.domain import ipsec_policy_rules as rules
from ontap_ipsec.resources.ipsec_ca_certificates import scope_ref
from ontap_ipsec.rest import errors
from ontap_ipsec.rest.body import Operation, parse_body
from ontap_ipsec.rest.bulk import enable_bulk
from ontap_ipsec.rest.context import Context
from ontap_ipsec.rest.errors import OntapError
from ontap_ipsec.rest.http import Request, Response
from ontap_ipsec.rest.query import parse_query
from ontap_ipsec.rest.reads import enable_reads, fetch_record, records_body
from ontap_ipsec.rest.resource import (
    POST_ONLY,
    READ_POST,
    READ_POST_PATCH,
    Field,
    Link,
    Resource,
    boolean,
    string,
    uuid_field,
)
from ontap_ipsec.store import views

SECRETS = ("secret_key", "ppk.shared_key")


def _endpoint_fields(side: str) -> list[Field]:
    title = side.capitalize()
    return [
        string(
            f"{side}_endpoint.address",
            access=READ_POST_PATCH,
            required_on_post=True,
            description=f"{title} endpoint: IPv4 or IPv6 address (shown as given, IPv6 "
            "compressed).",
            example="10.10.10.7",
        ),
        string(
            f"{side}_endpoint.netmask",
            access=READ_POST_PATCH,
            description=f"{title} endpoint: input as netmask length (16) or IPv4 mask "
            "(255.255.0.0). Output is always netmask length.",
            example="24",
        ),
        string(
            f"{side}_endpoint.family",
            access=READ_POST_PATCH,
            enum=rules.FAMILIES,
            description=f"{title} endpoint: IPv4 or IPv6 (follows the address).",
        ),
        string(
            f"{side}_endpoint.port",
            access=READ_POST_PATCH,
            description=f"{title} endpoint: application port to be covered by the IPsec "
            'policy; output is a range, "23-23", and "0-0" is any port.',
            example="23",
        ),
    ]


resource = Resource(
    name="ipsec_policy",
    path="/api/security/ipsec/policies",
    key="uuid",
    view=views.IPSEC_POLICIES,
    summary="IPsec policies of the cluster and all SVMs.",
    tag="security",
    self_links=False,  # the ipsec_policy object has no _links of its own
    fields=[
        uuid_field(
            "uuid",
            default=True,
            description="Unique identifier of the IPsec policy.",
            example="1cd8a442-86d1-11e0-ae1c-123478563412",
        ),
        string(
            "name",
            access=READ_POST,
            default=True,
            required_on_post=True,
            description="IPsec policy name (1 to 64 characters).",
        ),
        string(
            "svm.name",
            access=READ_POST,
            default=True,
            description="SVM, applies only to SVM-scoped objects. This field cannot be "
            "specified in a PATCH method.",
            example="svm1",
        ),
        uuid_field(
            "svm.uuid",
            access=READ_POST,
            default=True,
            description="SVM, applies only to SVM-scoped objects. This field cannot be "
            "specified in a PATCH method.",
        ),
        string(
            "scope",
            access=READ_POST,
            enum=("svm", "cluster"),
            description='Set to "svm" for interfaces owned by an SVM. Otherwise, set to "cluster".',
        ),
        string(
            "ipspace.name",
            access=READ_POST,
            description="Applies to both SVM and cluster-scoped objects. Either the UUID or "
            "name may be supplied on input.",
            example="Default",
        ),
        uuid_field("ipspace.uuid", access=READ_POST, description="IPspace UUID."),
        boolean(
            "enabled",
            access=READ_POST_PATCH,
            description="Indicates whether or not the policy is enabled (default true).",
        ),
        string(
            "action",
            access=READ_POST,
            enum=rules.ACTIONS,
            description="Action for the IPsec policy (default esp_transport); set at creation.",
        ),
        string(
            "authentication_method",
            access=READ_POST,
            enum=rules.METHODS,
            description="Authentication method for the IPsec policy; set at creation (psk "
            "or pki for esp_transport and esp_udp, told or inferred; none otherwise).",
        ),
        string(
            "certificate.name",
            access=READ_POST_PATCH,
            description="Certificate name (a client or server certificate of the scope).",
        ),
        uuid_field(
            "certificate.uuid",
            access=READ_POST_PATCH,
            description="Certificate UUID (a client or server certificate of the scope).",
        ),
        boolean(
            "certificate_modify_keepsa",
            access=READ_POST_PATCH,
            description="Indicates whether old security associations are kept upon "
            "certificate modification.",
        ),
        *_endpoint_fields("local"),
        *_endpoint_fields("remote"),
        string(
            "protocol",
            access=READ_POST_PATCH,
            description='Lower layer protocol to be covered by the IPsec policy: "any", '
            '"tcp", "udp", "icmp" or a protocol number (shown by name where it has one).',
            example="17",
        ),
        string("local_identity", access=READ_POST_PATCH, description="Local Identity"),
        string("remote_identity", access=READ_POST_PATCH, description="Remote Identity"),
        string(
            "secret_key",
            access=POST_ONLY,
            format="password",
            description="Pre-shared key for IKE negotiation (18 to 128 characters; "
            '"0x..." hexadecimal, "0s..." Base64). Never returned.',
        ),
        string(
            "ppk.identity",
            access=READ_POST_PATCH,
            description="Post-quantum pre-shared key identity.",
        ),
        string(
            "ppk.shared_key",
            access=POST_ONLY,
            format="password",
            description="Post-quantum pre-shared key. Never returned.",
        ),
    ],
    links=[
        Link("svm", "/api/svm/svms/{}", "svm.uuid"),
        Link("ipspace", "/api/network/ipspaces/{}", "ipspace.uuid"),
        Link("certificate", "/api/security/certificates/{}", "certificate.uuid"),
    ],
)
enable_reads(resource)


def _body(request: Request, operation: Operation) -> dict[str, Any]:
    """The body's fields; an error about a key never shows the value given."""
    try:
        return parse_body(request.body, resource, operation)
    except OntapError as exc:
        if exc.target in SECRETS and exc.code == errors.INVALID_VALUE:
            raise OntapError(
                exc.status,
                exc.code,
                f'The value given for field "{exc.target}" is invalid.',
                target=exc.target,
            ) from None
        raise


@resource.on("collection", "POST", summary="Create an IPsec policy.")
def create(ctx: Context, request: Request) -> Response:
    query = parse_query(request.query_string, resource, "post")
    body = _body(request, "post")
    created = ctx.backends.ipsec_policies.create(body, scope_ref(body))
    headers = {"location": resource.instance_href(created.uuid)}
    if not query.return_records:
        return Response(201, {}, headers)
    record = fetch_record(ctx.store, resource, created.uuid, hal=request.hal)
    return Response(201, records_body([record] if record else []), headers)


@resource.on("instance", "PATCH", summary="Update an IPsec policy.")
def modify(ctx: Context, request: Request) -> Response:
    parse_query(request.query_string, resource, "patch")
    body = _body(request, "patch")
    ctx.backends.ipsec_policies.modify(request.path_params["key"], body)
    return Response(200, {})


@resource.on("instance", "DELETE", summary="Delete an IPsec policy.")
def delete(ctx: Context, request: Request) -> Response:
    parse_query(request.query_string, resource, "delete")
    ctx.backends.ipsec_policies.delete(request.path_params["key"])
    return Response(200, {})


enable_bulk(resource, "PATCH", "DELETE")
