"""/api/security/certificates: install, create, show, delete and sign X.509 certificates.

The rules are the certificate backend's (:mod:`ontap_ipsec.domain.backends.certificates`);
this module is the wire.
"""

from __future__ import annotations

from ontap_ipsec.domain import certificate_types as kinds
from ontap_ipsec.domain.backends.certificates import SAN_KINDS
from ontap_ipsec.resources.ipsec_ca_certificates import scope_ref
from ontap_ipsec.rest.body import parse_body
from ontap_ipsec.rest.bulk import enable_bulk
from ontap_ipsec.rest.context import Context
from ontap_ipsec.rest.http import Request, Response
from ontap_ipsec.rest.query import parse_query
from ontap_ipsec.rest.reads import enable_reads, fetch_record, records_body
from ontap_ipsec.rest.resource import (
    POST_ONLY,
    READ,
    READ_POST,
    Action,
    Field,
    Link,
    Resource,
    integer,
    string,
    uuid_field,
)
from ontap_ipsec.store import views


def _san_field(kind: str) -> Field:
    return Field(
        f"subject_alternatives.{kind}",
        "array",
        access=READ_POST,
        description=f"Subject alternative names of type {kind} (on POST, of a certificate "
        "created here; an installed certificate shows its own).",
    )


resource = Resource(
    slow_writes=True,  # keys are generated, X.509 is checked
    name="security_certificate",
    path="/api/security/certificates",
    key="uuid",
    view=views.CERTIFICATES,
    summary="Security certificates.",
    tag="security",
    fields=[
        uuid_field("uuid", default=True, description="Unique ID that identifies a certificate."),
        string(
            "name",
            access=READ_POST,
            description="Certificate name; generated (<common_name>_<serial>) when not given.",
        ),
        string(
            "svm.name",
            access=READ_POST,
            default=True,
            description="The SVM of an SVM-scoped certificate.",
        ),
        uuid_field(
            "svm.uuid",
            access=READ_POST,
            description="The SVM of an SVM-scoped certificate.",
        ),
        string(
            "scope",
            access=READ_POST,
            enum=("svm", "cluster"),
            description='"svm" for an SVM-scoped certificate, otherwise "cluster".',
        ),
        string(
            "type",
            access=READ_POST,
            enum=kinds.TYPES,
            required_on_post=True,
            description="Type of certificate.",
            not_in_enum=("3735622", "The certificate type is not supported."),
        ),
        string(
            "common_name",
            access=READ_POST,
            description="FQDN or custom common name.",
        ),
        string(
            "serial_number",
            description="Serial number (hex).",
            read_only=(
                "3735645",
                "Cannot specify a value for serial. It is generated automatically.",
            ),
        ),
        string("ca", description="Certificate authority (the issuer's common name)."),
        Field(  # a string in NetApp's OpenAPI: durations are posted, date-times shown
            "expiry_time",
            "datetime",
            access=READ_POST,
            description="Expiry; on POST an ISO 8601 duration or date-time "
            "(self-signed only, default P365DT).",
        ),
        string(
            "hash_function",
            access=READ_POST,
            enum=kinds.HASHES,
            description="Hashing function (md5 and sha1 are refused on POST).",
        ),
        integer(
            "key_size",
            access=READ_POST,
            description="Key size of requested Certificate in bits. One of 512, 1024, 1536, "
            "2048, 3072 (and 4096 here); at least 2048 on POST.",
        ),
        string(
            "subject_key_identifier",
            description="Public key identifier.",
        ),
        string(
            "authority_key_identifier",
            description="The issuer's key identifier.",
        ),
        *[_san_field(kind) for kind in SAN_KINDS],
        string(
            "public_certificate",
            format="pem",
            access=READ_POST,
            description="The certificate in PEM; omitted on POST to create a self-signed one.",
        ),
        string(
            "private_key",
            format="pem",
            access=POST_ONLY,
            description="Private key in PEM (install only; never returned).",
        ),
        Field(
            "intermediate_certificates",
            "array",
            format="pem",
            access=POST_ONLY,
            description="Chain of intermediate certificates in PEM (install only).",
        ),
    ],
    links=[Link("svm", "/api/svm/svms/{}", "svm.uuid")],
)
enable_reads(resource)
enable_bulk(resource, "DELETE")


@resource.on("collection", "POST", summary="Install a certificate, or create a self-signed one.")
def create(ctx: Context, request: Request) -> Response:
    query = parse_query(request.query_string, resource, "post")
    body = parse_body(request.body, resource, "post")
    installed = ctx.backends.certificates.install(body, scope_ref(body))
    headers = {"location": resource.instance_href(installed.uuid)}
    if not query.return_records:
        return Response(201, {}, headers)
    record = fetch_record(ctx.store, resource, installed.uuid, hal=request.hal)
    return Response(201, records_body([record] if record else []), headers)


@resource.on("instance", "DELETE", summary="Delete a certificate that nothing uses.")
def delete(ctx: Context, request: Request) -> Response:
    parse_query(request.query_string, resource, "delete")
    ctx.backends.certificates.delete(request.path_params["key"])
    return Response(200, {})


_SIGN = Resource(
    name="security_certificate_sign",
    path="/api/security/certificates/{uuid}/sign",
    key=None,
    fields=[
        string(
            "signing_request",
            access=POST_ONLY,
            required_on_post=True,
            format="pem",
            description="Certificate signing request (PEM).",
        ),
        string("expiry_time", access=POST_ONLY, description="ISO 8601 duration or date-time."),
        string(
            "hash_function",
            access=POST_ONLY,
            enum=kinds.SIGN_HASHES,
            description="Hash function of the signature (default sha256).",
        ),
    ],
)
_SIGNED = Resource(
    name="security_certificate_signed",
    path="/api/security/certificates/{uuid}/sign",
    key=None,
    fields=[string("public_certificate", access=READ, description="The signed certificate (PEM).")],
)


def sign(ctx: Context, request: Request) -> Response:
    """Sign a CSR with a root_ca certificate whose private key is held here."""
    parse_query(request.query_string, _SIGN, "post")
    body = parse_body(request.body, _SIGN, "post")
    signed = ctx.backends.certificates.sign(
        request.path_params["key"],
        body["signing_request"],
        expiry_time=body.get("expiry_time"),
        hash_function=body.get("hash_function"),
    )
    return Response(200, {"public_certificate": signed})


resource.actions["sign"] = Action(
    {"POST": sign},
    body=_SIGN,
    answer=_SIGNED,
    summary="Sign a certificate signing request with this root_ca certificate.",
    path_key="ca.uuid",  # NetApp's: POST /security/certificates/{ca.uuid}/sign
)
