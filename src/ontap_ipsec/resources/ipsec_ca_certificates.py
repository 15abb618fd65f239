"""/api/security/ipsec/ca-certificates: the CA certificates IPsec trusts.

The seed of the project. An entry names an installed CA certificate
(``/api/security/certificates``) of the same scope; the database holds that
rule through a composite foreign key, so no race can break it.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ontap_ipsec.resources import scope as scopes
from ontap_ipsec.rest import errors
from ontap_ipsec.rest.body import parse_body
from ontap_ipsec.rest.bulk import enable_bulk
from ontap_ipsec.rest.context import Context
from ontap_ipsec.rest.errors import OntapError
from ontap_ipsec.rest.http import Request, Response
from ontap_ipsec.rest.query import parse_query
from ontap_ipsec.rest.reads import enable_reads, fetch_record, records_body
from ontap_ipsec.rest.resource import READ_POST, Link, Resource, string, uuid_field
from ontap_ipsec.store.prepared import Conn
from ontap_ipsec.store.tables import CLUSTER_SCOPE, certificates, svms
from ontap_ipsec.store.tables import ipsec_ca_certificates as t

NOT_INSTALLED = "66257304"
NOT_IN_IPSEC = "66257298"
CANNOT_REMOVE_NOT_INSTALLED = "66257303"

resource = Resource(
    name="ipsec_ca_certificate",
    path="/api/security/ipsec/ca-certificates",
    key="certificate.uuid",
    table=t.outerjoin(svms, t.c.svm_uuid == svms.c.uuid),
    summary="IPsec CA certificates of the cluster and all SVMs.",
    tag="security",
    self_links=False,  # the ipsec_ca_certificate object has no _links of its own
    fields=[
        uuid_field(
            "certificate.uuid",
            t.c.certificate_uuid,
            access=READ_POST,
            default=True,
            required_on_post=True,
            description="Certificate UUID",
            example="1cd8a442-86d1-11e0-ae1c-123478563412",
        ),
        string(
            "scope",
            sa.case((t.c.scope_key == CLUSTER_SCOPE, "cluster"), else_="svm"),
            access=READ_POST,
            enum=("svm", "cluster"),
            description='Set to "svm" for interfaces owned by an SVM. Otherwise, set to "cluster".',
        ),
        string(
            "svm.name",
            svms.c.name,
            access=READ_POST,
            default=True,
            description="The name of the SVM. This field cannot be specified in a PATCH method.",
            example="svm1",
        ),
        uuid_field(
            "svm.uuid",
            svms.c.uuid,
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


def not_installed() -> OntapError:
    return OntapError(400, NOT_INSTALLED, "CA certificate is not installed.")


def _bind(name: str) -> Any:
    return sa.bindparam(name, value=None)


# The statements of the two writes, compiled once (see store/prepared.py).
_STATEMENTS: dict[str, Any] = {
    "installed_ca": lambda: sa.select(certificates.c.is_ca).where(
        certificates.c.uuid == _bind("uuid"), certificates.c.scope_key == _bind("scope")
    ),
    "listed": lambda: sa.select(t.c.certificate_uuid).where(t.c.certificate_uuid == _bind("uuid")),
    "installed": lambda: sa.select(certificates.c.uuid).where(certificates.c.uuid == _bind("uuid")),
    "insert": lambda: t.insert().values(
        certificate_uuid=_bind("uuid"),
        svm_uuid=_bind("svm"),
        scope_key=_bind("scope"),
        is_ca=sa.true(),
        created=sa.bindparam("created", value=None, type_=sa.DateTime()),
    ),
    "delete": lambda: t.delete().where(t.c.certificate_uuid == _bind("uuid")),
}


def _prepared(ctx: Context, name: str) -> Any:
    return ctx.store.reader.prepare(("ipsec", name), _STATEMENTS[name])


@resource.on("collection", "POST", summary="Add a CA certificate to IPsec.")
def add(ctx: Context, request: Request) -> Response:
    query = parse_query(request.query_string, resource, "post")
    body = parse_body(request.body, resource, "post")
    cert_uuid = body.get("certificate.uuid")
    if cert_uuid is None:
        raise errors.missing_value("certificate.uuid")
    reader = ctx.store.reader
    with reader.transaction() as conn:
        scope = scopes.resolve(conn, body, reader)
        if not _installed_ca(ctx, conn, cert_uuid, scope.key):
            raise not_installed()
        if reader.fetch(_prepared(ctx, "listed"), {"uuid": cert_uuid}, conn):
            raise errors.duplicate("certificate.uuid")
        values = {
            "uuid": cert_uuid,
            "svm": scope.svm_uuid,
            "scope": scope.key,
            "created": ctx.naive_now(),
        }
        try:
            reader.change(_prepared(ctx, "insert"), values, conn)
        except IntegrityError:
            raise _lost_race(ctx, cert_uuid) from None
        records = None
        if query.return_records:
            # The seed's example answer: certificate{uuid} and svm{name,uuid}, no links.
            record = fetch_record(reader, resource, cert_uuid, _POSTED, hal=False, conn=conn)
            records = [record] if record else []
    location = {"location": resource.instance_href(cert_uuid)}
    return Response(201, records_body(records) if records is not None else {}, location)


_POSTED = parse_query("fields=certificate.uuid", resource, "get")


def _installed_ca(ctx: Context, conn: Conn, cert_uuid: str, scope_key: str) -> bool:
    """Whether `cert_uuid` is an installed CA certificate of that scope."""
    values = {"uuid": cert_uuid, "scope": scope_key}
    found = ctx.store.reader.fetch(_prepared(ctx, "installed_ca"), values, conn)
    return bool(found) and bool(found[0][0])


def _lost_race(ctx: Context, cert_uuid: str) -> OntapError:
    """The database refused the insert after the checks passed: a concurrent change won.

    Either the same entry was added meanwhile, or the certificate was deleted.
    """
    with ctx.store.read() as conn:
        listed = ctx.store.reader.fetch(_prepared(ctx, "listed"), {"uuid": cert_uuid}, conn)
    return errors.duplicate("certificate.uuid") if listed else not_installed()


@resource.on("instance", "DELETE", summary="Remove a CA certificate from IPsec.")
def remove(ctx: Context, request: Request) -> Response:
    parse_query(request.query_string, resource, "delete")
    cert_uuid = request.path_params["key"]
    reader = ctx.store.reader
    with reader.transaction() as conn:
        if reader.change(_prepared(ctx, "delete"), {"uuid": cert_uuid}, conn):
            return Response(200, {})
        installed = reader.fetch(_prepared(ctx, "installed"), {"uuid": cert_uuid}, conn)
    if installed:
        raise OntapError(
            404,
            NOT_IN_IPSEC,
            "CA certificate is not installed for IPsec.",
            target="certificate.uuid",
        )
    raise OntapError(
        404,
        CANNOT_REMOVE_NOT_INSTALLED,
        "The CA certificate cannot be removed from IPsec because it is not installed.",
        target="certificate.uuid",
    )


enable_bulk(resource, "DELETE")
