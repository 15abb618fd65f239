"""/api/security/ipsec/ca-certificates: the CA certificates IPsec trusts.

The seed of the project, as its ONTAP reference page gives it: GET the list,
POST an entry naming an installed CA certificate of the same scope, DELETE one
by `certificate.uuid`. The rules are the IPsec CA list's
(:mod:`ontap_ipsec.domain.backends.ipsec_ca`); this module is the wire.
"""

from __future__ import annotations

from ontap_ipsec import versions
from ontap_ipsec.domain.scope import ScopeRef
from ontap_ipsec.rest.body import parse_body
from ontap_ipsec.rest.bulk import enable_bulk
from ontap_ipsec.rest.context import Context
from ontap_ipsec.rest.http import Request, Response
from ontap_ipsec.rest.query import parse_query
from ontap_ipsec.rest.reads import enable_reads, fetch_record, records_body
from ontap_ipsec.rest.resource import READ_POST, Link, Resource, string, uuid_field
from ontap_ipsec.store import views

resource = Resource(
    name="ipsec_ca_certificate",
    path="/api/security/ipsec/ca-certificates",
    key="certificate.uuid",
    view=views.IPSEC_CA_CERTIFICATES,
    summary="IPsec CA certificates of the cluster and all SVMs.",
    tag="security",
    self_links=False,  # the ipsec_ca_certificate object has no _links of its own
    fields=[
        uuid_field(
            "certificate.uuid",
            access=READ_POST,
            default=True,
            required_on_post=True,
            description="Certificate UUID",
            example="1cd8a442-86d1-11e0-ae1c-123478563412",
        ),
        string(
            "scope",
            access=READ_POST,
            enum=("svm", "cluster"),
            description='Set to "svm" for interfaces owned by an SVM. Otherwise, set to "cluster".',
        ),
        string(
            "svm.name",
            access=READ_POST,
            default=True,
            description="The name of the SVM. This field cannot be specified in a PATCH method.",
            example="svm1",
        ),
        uuid_field(
            "svm.uuid",
            access=READ_POST,
            default=True,
            description="The unique identifier of the SVM. This field cannot be specified "
            "in a PATCH method.",
            example="02c9e252-41be-11e9-81d5-00a0986138f7",
        ),
    ],
    links=[
        Link("certificate", "/api/security/certificates/{}", "certificate.uuid"),
        Link("svm", "/api/svm/svms/{}", "svm.uuid"),
    ],
)
enable_reads(resource)

# The seed's example answer to return_records: certificate{uuid} and svm{name,uuid}.
_POSTED = parse_query("fields=certificate.uuid", resource, "get")


def scope_ref(body: dict[str, object]) -> ScopeRef:
    """The scope a POST body names (`svm.name`, `svm.uuid`, `scope`)."""
    return ScopeRef(body.get("svm.name"), body.get("svm.uuid"), body.get("scope"))  # type: ignore[arg-type]


@resource.on("collection", "POST", summary="Add a CA certificate to IPsec.")
def add(ctx: Context, request: Request) -> Response:
    query = parse_query(request.query_string, resource, "post")
    body = parse_body(request.body, resource, "post")
    added = ctx.backends.ipsec_ca.add(body["certificate.uuid"], scope_ref(body))
    uuid = added.certificate_uuid
    headers = {"location": resource.instance_href(uuid)}
    if not query.return_records:
        return Response(201, {}, headers)
    record = fetch_record(ctx.store, resource, uuid, _POSTED, hal=False)
    body = records_body([record] if record else [])
    if request.hal and versions.current().allows("answer ipsec_ca_certificate post _links"):
        body["_links"] = {"self": {"href": resource.path}}  # the 9.13.1/9.14.1 schema's
    return Response(201, body, headers)


@resource.on("instance", "DELETE", summary="Remove a CA certificate from IPsec.")
def remove(ctx: Context, request: Request) -> Response:
    parse_query(request.query_string, resource, "delete")
    ctx.backends.ipsec_ca.remove(request.path_params["key"])
    return Response(200, {})


enable_bulk(resource, "DELETE")
