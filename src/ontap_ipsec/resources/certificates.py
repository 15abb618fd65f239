"""/api/security/certificates: install, create, show, delete and sign X.509 certificates."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from ontap_ipsec.domain import certificate_types as kinds
from ontap_ipsec.resources import scope as scopes
from ontap_ipsec.rest import errors
from ontap_ipsec.rest.body import parse_body
from ontap_ipsec.rest.bulk import enable_bulk
from ontap_ipsec.rest.context import Context
from ontap_ipsec.rest.errors import OntapError
from ontap_ipsec.rest.http import Request, Response
from ontap_ipsec.rest.query import parse_query
from ontap_ipsec.rest.reads import enable_reads, fetch_record, records_body
from ontap_ipsec.rest.resource import (
    POST_ONLY,
    READ_POST,
    Field,
    Link,
    Resource,
    datetime_field,
    integer,
    string,
    uuid_field,
)

if TYPE_CHECKING:
    from ontap_ipsec.domain.pki import KeyVault
from ontap_ipsec.store.tables import (
    CLUSTER_SCOPE,
    certificate_sans,
    ipsec_ca_certificates,
    svms,
)
from ontap_ipsec.store.tables import (
    certificates as t,
)

IN_USE = "52560272"
SAN_KINDS = ("dns", "email", "ip", "uri")


def _san_field(kind: str) -> Field:
    def exists(cond: Any) -> Any:
        s = certificate_sans
        return (
            sa.select(sa.literal(1))
            .where(s.c.certificate_uuid == t.c.uuid, s.c.kind == kind, cond(s.c.value))
            .exists()
        )

    return Field(
        f"subject_alternatives.{kind}",
        "array",
        getattr(t.c, f"san_{kind}"),
        exists=exists,
        description=f"Subject alternative names of type {kind}.",
    )


resource = Resource(
    name="security_certificate",
    path="/api/security/certificates",
    key="uuid",
    table=t.outerjoin(svms, t.c.svm_uuid == svms.c.uuid),
    summary="Security certificates.",
    tag="security",
    fields=[
        uuid_field(
            "uuid", t.c.uuid, default=True, description="Unique ID that identifies a certificate."
        ),
        string(
            "name",
            t.c.name,
            access=READ_POST,
            description="Certificate name; generated (<common_name>_<serial>) when not given.",
        ),
        string(
            "svm.name",
            svms.c.name,
            access=READ_POST,
            default=True,
            description="The SVM of an SVM-scoped certificate.",
        ),
        uuid_field(
            "svm.uuid",
            svms.c.uuid,
            access=READ_POST,
            description="The SVM of an SVM-scoped certificate.",
        ),
        string(
            "scope",
            sa.case((t.c.scope_key == CLUSTER_SCOPE, "cluster"), else_="svm"),
            access=READ_POST,
            enum=("svm", "cluster"),
            description='"svm" for an SVM-scoped certificate, otherwise "cluster".',
        ),
        string(
            "type",
            t.c.type,
            access=READ_POST,
            enum=kinds.TYPES,
            required_on_post=True,
            description="Type of certificate.",
        ),
        string(
            "common_name",
            t.c.common_name,
            access=READ_POST,
            description="FQDN or custom common name.",
        ),
        string("serial_number", t.c.serial_number, description="Serial number (hex)."),
        string("ca", t.c.ca, description="Certificate authority (the issuer's common name)."),
        datetime_field(
            "expiry_time",
            t.c.expiry_time,
            access=READ_POST,
            description="Expiry; on POST an ISO 8601 duration or date-time "
            "(self-signed only, default P365DT).",
        ),
        string(
            "hash_function",
            t.c.hash_function,
            access=READ_POST,
            enum=kinds.HASHES,
            description="Hashing function (md5 and sha1 are refused on POST).",
        ),
        integer(
            "key_size",
            t.c.key_size,
            access=READ_POST,
            description="Key size of the public key (2048, 3072 or 4096 on POST).",
        ),
        string(
            "subject_key_identifier",
            t.c.subject_key_identifier,
            description="Public key identifier.",
        ),
        string(
            "authority_key_identifier",
            t.c.authority_key_identifier,
            description="The issuer's key identifier.",
        ),
        *[_san_field(kind) for kind in SAN_KINDS],
        string(
            "public_certificate",
            t.c.public_certificate,
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


def vault(ctx: Context) -> KeyVault:
    from ontap_ipsec.domain.pki import KeyVault

    found = ctx.services.get("vault")
    if found is None:
        found = KeyVault.from_file(ctx.settings.data_dir / "keys" / "vault.key")
        ctx.services["vault"] = found
    return found


@resource.on("collection", "POST", summary="Install a certificate, or create a self-signed one.")
def create(ctx: Context, request: Request) -> Response:
    query = parse_query(request.query_string, resource, "post")
    body = parse_body(request.body, resource, "post")
    if body.get("type") is None:
        raise errors.missing_value("type")
    from ontap_ipsec.domain import certificates as rules  # X.509: imported on first use

    now = ctx.now()
    prepared = rules.prepare(body, now=now)
    info = prepared.info
    cert_uuid = str(uuid.uuid4())
    name = body.get("name")
    if name is None:
        name = rules.default_name(info)
    elif not name.strip():
        raise errors.invalid_body_value("name", name, "a name cannot be empty")
    key_token = vault(ctx).encrypt(prepared.private_key) if prepared.private_key else None
    with ctx.store.write() as conn:
        scope = scopes.resolve(conn, body, ctx.store.reader)
        _refuse_duplicates(conn, scope.key, name, prepared.issuer_serial)
        sans = info.subject_alternatives
        try:
            conn.execute(
                t.insert().values(
                    uuid=cert_uuid,
                    name=name,
                    svm_uuid=scope.svm_uuid,
                    scope_key=scope.key,
                    type=body["type"],
                    common_name=info.common_name,
                    serial_number=info.serial_number,
                    ca=info.ca,
                    not_before=rules.naive_utc(info.not_before),
                    expiry_time=rules.naive_utc(info.expiry_time),
                    hash_function=info.hash_function,
                    key_type=info.key_type,
                    key_size=info.key_size,
                    subject_key_identifier=info.subject_key_identifier,
                    authority_key_identifier=info.authority_key_identifier,
                    **{f"san_{k}": _json_list(sans.get(k)) for k in SAN_KINDS},
                    public_certificate=info.pem,
                    private_key=key_token,
                    intermediate_certificates=_json_list(prepared.intermediates),
                    is_ca=info.is_ca,
                    issuer_serial=prepared.issuer_serial,
                    created=rules.naive_utc(now),
                )
            )
        except IntegrityError:
            raise _duplicate_after_race(ctx, scope.key, name, prepared.issuer_serial) from None
        rows = [
            {"certificate_uuid": cert_uuid, "kind": k, "value": v}
            for k in SAN_KINDS
            for v in dict.fromkeys(sans.get(k, []))
        ]
        if rows:
            conn.execute(certificate_sans.insert(), rows)
        records = None
        if query.return_records:
            record = fetch_record(ctx.store.reader, resource, cert_uuid, hal=request.hal, conn=conn)
            records = [record] if record else []
    location = {"location": resource.instance_href(cert_uuid)}
    return Response(201, records_body(records) if records is not None else {}, location)


def _json_list(values: list[str] | None) -> str | None:
    return orjson.dumps(values).decode() if values else None


def _duplicate_after_race(ctx: Context, scope_key: str, name: str, issuer_serial: str) -> Exception:
    """A concurrent install won the unique constraint: say which one it broke."""
    with ctx.store.read() as conn:
        target = _duplicate_target(conn, scope_key, name, issuer_serial)
    return errors.duplicate(target or "uuid")


def _refuse_duplicates(conn: Connection, scope_key: str, name: str, issuer_serial: str) -> None:
    target = _duplicate_target(conn, scope_key, name, issuer_serial)
    if target is not None:
        raise errors.duplicate(target)


def _duplicate_target(
    conn: Connection, scope_key: str, name: str, issuer_serial: str
) -> str | None:
    """`uuid` when the same certificate is in the scope, `name` when the name is taken."""
    same = conn.execute(
        sa.select(t.c.name, t.c.issuer_serial).where(
            t.c.scope_key == scope_key,
            sa.or_(t.c.name == name, t.c.issuer_serial == issuer_serial),
        )
    ).first()
    if same is None:
        return None
    return "uuid" if same.issuer_serial == issuer_serial else "name"


@resource.on("instance", "DELETE", summary="Delete a certificate that nothing uses.")
def delete(ctx: Context, request: Request) -> Response:
    parse_query(request.query_string, resource, "delete")
    cert_uuid = request.path_params["key"]
    with ctx.store.write() as conn:
        found = conn.execute(sa.select(t.c.uuid).where(t.c.uuid == cert_uuid)).first()
        if found is None:
            raise errors.not_found("uuid")
        used = conn.execute(
            sa.select(ipsec_ca_certificates.c.certificate_uuid).where(
                ipsec_ca_certificates.c.certificate_uuid == cert_uuid
            )
        ).first()
        if used is not None:
            raise in_use()
        try:
            conn.execute(
                certificate_sans.delete().where(certificate_sans.c.certificate_uuid == cert_uuid)
            )
            conn.execute(t.delete().where(t.c.uuid == cert_uuid))
        except IntegrityError:  # listed by a concurrent add: the database said no
            raise in_use() from None
    return Response(200, {})


def in_use() -> OntapError:
    return OntapError(
        400,
        IN_USE,
        "The certificate could not be removed due to being in use by one or more subsystems.",
        target="uuid",
    )


_SIGN_FIELDS = Resource(
    name="security_certificate_sign",
    path="/api/security/certificates/{uuid}/sign",
    key=None,
    fields=[
        string(
            "signing_request", access=READ_POST, description="Certificate signing request (PEM)."
        ),
        string("expiry_time", access=READ_POST, description="ISO 8601 duration or date-time."),
        string(
            "hash_function",
            access=READ_POST,
            enum=kinds.HASHES,
            description="Hash function of the signature (default sha256).",
        ),
    ],
)


def sign(ctx: Context, request: Request) -> Response:
    """Sign a CSR with a root_ca certificate whose private key is held here."""
    parse_query(request.query_string, _SIGN_FIELDS, "post")
    body = parse_body(request.body, _SIGN_FIELDS, "post")
    if not body.get("signing_request"):
        raise errors.missing_value("signing_request")
    cert_uuid = request.path_params["key"]
    with ctx.store.read() as conn:
        row = conn.execute(
            sa.select(t.c.type, t.c.public_certificate, t.c.private_key).where(
                t.c.uuid == cert_uuid
            )
        ).first()
    if row is None:
        raise errors.not_found("uuid")
    if row.type != "root_ca" or row.private_key is None:
        raise OntapError(
            400,
            errors.INVALID,
            "Only a root_ca certificate whose private key is installed can sign a "
            "certificate signing request.",
            target="uuid",
        )
    from ontap_ipsec.domain import pki, x509  # imported on first use

    now = ctx.now()
    expiry = body.get("expiry_time")
    not_after = x509.parse_expiry(kinds.DEFAULT_EXPIRY if expiry is None else expiry, now=now)
    signed = pki.sign_csr(
        ca_cert_pem=row.public_certificate,
        ca_key_pem=vault(ctx).decrypt(row.private_key),
        csr_pem=body["signing_request"],
        not_after=not_after,
        now=now,
        hash_function=body.get("hash_function") or kinds.DEFAULT_HASH,  # enum-checked
    )
    return Response(200, {"public_certificate": signed})


resource.actions["sign"] = {"POST": sign}
resource.docs[("action:sign", "POST")] = {
    "summary": "Sign a certificate signing request with this root_ca certificate.",
    "request": {
        "type": "object",
        "required": ["signing_request"],
        "properties": {
            "signing_request": {"type": "string"},
            "expiry_time": {"type": "string"},
            "hash_function": {"type": "string", "enum": list(kinds.HASHES)},
        },
    },
    "response": {"type": "object", "properties": {"public_certificate": {"type": "string"}}},
}
