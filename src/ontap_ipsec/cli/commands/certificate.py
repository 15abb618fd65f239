"""`security certificate install | create | show | delete`: the cluster's certificates."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ontap_ipsec.cli import pem_input
from ontap_ipsec.cli.commands.common import (
    CERTIFICATES,
    VSERVER,
    VSERVER_QUERY,
    Field,
    Row,
    emit,
    emit_json,
    fields_param,
    query_scope,
    scope_of,
    show,
    vserver_of,
)
from ontap_ipsec.cli.errors import CliError, usage
from ontap_ipsec.cli.spec import INSTANCE, INTEGER, Command, Param
from ontap_ipsec.cli.tables import Column, dash, footer, header, row

PATH = ("security", "certificate")
TYPES = ("server", "client-ca", "server-ca", "client", "root-ca")
KEYED = ("server", "client")
HASHES = ("sha256", "sha224", "sha384", "sha512", "sha1", "md5")
SIZES = ("512", "1024", "1536", "2048", "3072", "4096")
REST_FIELDS = (
    "name,svm.name,scope,common_name,serial_number,ca,type,key_size,hash_function,expiry_time"
)

if TYPE_CHECKING:
    from ontap_ipsec.cli.connection import Session


def _type_param(required: bool, help: str) -> Param:
    return Param(
        "type",
        "Type of Certificate",
        required=required,
        choices=TYPES,
        metavar="type of certificate",
        help=help,
    )


CERT_NAME = Param("cert-name", "Certificate Name", metavar="text", help="the certificate's name")
COMMON_NAME = Param(
    "common-name", "FQDN or Custom Common Name", metavar="FQDN or Custom Common Name"
)
SERIAL = Param("serial", "Serial Number of Certificate", help="serial number (hex)")
CA = Param("ca", "Certificate Authority", help="the issuer's common name")


def install(session: Session, opts: dict[str, Any]) -> int:
    scope = scope_of(session, opts["vserver"])
    cert_type = opts["type"]
    material = _material(opts, cert_type in KEYED)
    if material.certificate is None:
        raise CliError("no certificate was given (-----BEGIN CERTIFICATE----- ... END)")
    body: dict[str, Any] = {
        "type": cert_type.replace("-", "_"),
        "public_certificate": material.certificate,
        **scope.body(),
    }
    if opts.get("cert-name"):
        body["name"] = opts["cert-name"]
    if material.private_key:
        body["private_key"] = material.private_key
    if material.intermediates:
        body["intermediate_certificates"] = material.intermediates
    installed = _created(session, body)
    if session.json_output:
        emit_json([installed])
        return 0
    kept = "the private key and " if cert_type in KEYED else ""
    lines = [
        f"You should keep a copy of {kept}the CA-signed digital certificate for future reference.",
        "",
        "The installed certificate's CA and serial number for reference:",
        f"CA: {installed.get('ca')}",
        f"serial: {installed.get('serial_number')}",
    ]
    if not opts.get("cert-name"):
        lines += ["", f"The certificate's generated name for reference: {installed.get('name')}"]
    emit(lines)
    return 0


def _material(opts: dict[str, Any], want_key: bool) -> pem_input.Material:
    material = pem_input.Material()
    if opts.get("cert-file"):
        material.take(pem_input.read_file(opts["cert-file"]))
    if opts.get("key-file"):
        material.take(pem_input.read_file(opts["key-file"]))
    if material.certificate is None:
        if sys.stdin.isatty():
            pem_input.interactive(material, want_key)
        else:
            material.take(sys.stdin.read())
    return material


def _created(session: Session, body: dict[str, Any]) -> dict[str, Any]:
    answer = session.post(CERTIFICATES, body, {"return_records": "true"})
    records = answer.get("records") or [{}]
    cert_uuid = records[0].get("uuid")
    if not cert_uuid:
        return records[0]
    return session.get(f"{CERTIFICATES}/{cert_uuid}", {"fields": REST_FIELDS})


def create(session: Session, opts: dict[str, Any]) -> int:
    scope = scope_of(session, opts["vserver"])
    body: dict[str, Any] = {
        "type": opts["type"].replace("-", "_"),
        "common_name": opts["common-name"],
        **scope.body(),
    }
    if "size" in opts:
        body["key_size"] = int(opts["size"])
    if "hash-function" in opts:
        body["hash_function"] = opts["hash-function"]
    if "expire-days" in opts:
        body["expiry_time"] = f"P{opts['expire-days']}D"
    if opts.get("cert-name"):
        body["name"] = opts["cert-name"]
    created = _created(session, body)
    if session.json_output:
        emit_json([created])
    elif not opts.get("cert-name"):
        emit([f"The certificate's generated name for reference: {created.get('name')}"])
    return 0


def _query(session: Session, opts: dict[str, Any]) -> dict[str, str]:
    params = {"fields": REST_FIELDS, **query_scope(session, opts.get("vserver"))}
    for option, field in (
        ("cert-name", "name"),
        ("common-name", "common_name"),
        ("serial", "serial_number"),
        ("ca", "ca"),
    ):
        if opts.get(option):
            params[field] = opts[option]
    if opts.get("type"):
        params["type"] = opts["type"].replace("-", "_")
    return params


def _expiry(value: object) -> str:
    if not value:
        return "-"
    try:
        return datetime.fromisoformat(str(value)).strftime("%a %b %d %H:%M:%S %Y")
    except ValueError:
        return str(value)


def _row(session: Session, rec: dict[str, Any]) -> Row:
    return {
        "vserver": vserver_of(session, rec),
        "cert-name": dash(rec.get("name")),
        "common-name": dash(rec.get("common_name")),
        "serial": dash(rec.get("serial_number")),
        "ca": dash(rec.get("ca")),
        "type": dash(rec.get("type")).replace("_", "-"),
        "size": dash(rec.get("key_size")),
        "hash-function": dash(rec.get("hash_function")),
        "expiration": _expiry(rec.get("expiry_time")),
    }


SHOW_FIELDS = (
    Field("vserver", "Name of Vserver", key=True),
    Field("cert-name", "Certificate Name", key=True),
    Field("common-name", "FQDN or Custom Common Name"),
    Field("serial", "Serial Number of Certificate"),
    Field("ca", "Certificate Authority"),
    Field("type", "Type of Certificate"),
    Field("size", "Size of Requested Certificate(bits)"),
    Field("expiration", "Certificate Expiration Date"),
    Field("hash-function", "Hashing Function"),
)
COLUMNS = (
    Column(10, ("Vserver",)),
    Column(15, ("Serial Number",)),
    Column(38, ("Certificate Name",)),
    Column(12, ("Type",)),
)


def show_certificates(session: Session, opts: dict[str, Any]) -> int:
    records = session.records(CERTIFICATES, _query(session, opts))
    rows = sorted((_row(session, r) for r in records), key=lambda r: (r["vserver"], r["cert-name"]))
    if session.json_output:
        emit_json(records)
        return 0
    return show(opts, SHOW_FIELDS, rows, _table)


def _table(rows: Sequence[Row]) -> list[str]:
    if not rows:
        return footer(0)
    out = header(COLUMNS)
    for r in rows:
        out += row(COLUMNS, [r["vserver"], r["serial"], r["cert-name"], r["type"]])
        out += [
            f"    Certificate Authority: {r['ca']}",
            f"          Expiration Date: {r['expiration']}",
            "",
        ]
    return out + footer(len(rows))


def delete(session: Session, opts: dict[str, Any]) -> int:
    if not any(opts.get(k) for k in ("cert-name", "common-name", "serial", "ca", "type")):
        raise usage('Missing required parameter "-cert-name".')
    scope = scope_of(session, opts["vserver"])
    params = {**_query(session, opts), **scope.query(), "fields": "uuid,name"}
    found = session.records(CERTIFICATES, params)
    if not found:
        raise CliError("entry doesn't exist")
    for rec in found:
        session.delete(f"{CERTIFICATES}/{rec['uuid']}")
    if session.json_output:
        emit_json(found)
    elif len(found) > 1:
        emit([f"{len(found)} entries were deleted."])
    return 0


COMMANDS = (
    Command(
        (*PATH, "install"),
        "Install a Digital Certificate",
        install,
        (
            VSERVER,
            _type_param(True, "server, client-ca, server-ca, client or root-ca"),
            Param("cert-name", "Certificate Name", help="name (default: <common name>_<serial>)"),
            Param(
                "cert-file",
                "Certificate File",
                metavar="path",
                help="PEM file of the certificate (+ intermediates); default: standard input",
            ),
            Param(
                "key-file",
                "Private Key File",
                metavar="path",
                help="PEM file of the private key (server and client types)",
            ),
        ),
        "Installs a certificate (and, for server and client types, its private key and "
        "intermediate certificates). Without -cert-file the PEM is read from standard input; "
        "interactively, as ONTAP asks for it.",
    ),
    Command(
        (*PATH, "create"),
        "Create and Install a Self-Signed Digital Certificate",
        create,
        (
            VSERVER,
            Param(
                "common-name",
                "FQDN or Custom Common Name",
                required=True,
                metavar="FQDN or Custom Common Name",
            ),
            _type_param(True, "server, client-ca, server-ca, client or root-ca"),
            Param(
                "size",
                "Size of Requested Certificate in Bits",
                choices=SIZES,
                metavar="size of requested certificate in bits",
            ),
            Param("hash-function", "Hashing Function", choices=HASHES, metavar="hashing function"),
            Param(
                "expire-days", "Number of Days until Expiration", kind=INTEGER, metavar="integer"
            ),
            Param("cert-name", "Certificate Name", help="name (default: <common name>_<serial>)"),
        ),
        "Creates and installs a self-signed certificate.",
    ),
    Command(
        (*PATH, "show"),
        "Display Installed Digital Certificates",
        show_certificates,
        (
            fields_param(SHOW_FIELDS),
            INSTANCE,
            VSERVER_QUERY,
            COMMON_NAME,
            SERIAL,
            CA,
            _type_param(False, "only certificates of this type"),
            CERT_NAME,
        ),
        "Displays the installed certificates.",
        show_fields=tuple(f.name for f in SHOW_FIELDS),
    ),
    Command(
        (*PATH, "delete"),
        "Delete an Installed Digital Certificate",
        delete,
        (VSERVER, CERT_NAME, COMMON_NAME, SERIAL, CA, _type_param(False, "certificate type")),
        "Deletes the certificates of the Vserver that match the given parameters.",
    ),
)
