"""`security ipsec ca-certificate add | remove | show`: the CA certificates IPsec trusts.

The CLI names certificates; REST keys them by uuid. Each name is looked up in
the vserver's scope first, so a bad name changes nothing; if the cluster
refuses one of several, the ones already done are undone.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ontap_ipsec.cli.commands.common import (
    CERTIFICATES,
    IPSEC_CA,
    VSERVER,
    VSERVER_QUERY,
    Field,
    Row,
    Scope,
    emit_json,
    fields_param,
    query_scope,
    scope_of,
    show,
    vserver_of,
)
from ontap_ipsec.cli.errors import CliError
from ontap_ipsec.cli.spec import INSTANCE, LIST, Command, Param
from ontap_ipsec.cli.tables import Column, table

PATH = ("security", "ipsec", "ca-certificate")
CA_CERTS = Param(
    "ca-certs", "CA Certificate Names", kind=LIST, required=True, help="certificate names"
)
SHOW_FIELDS = (
    Field("vserver", "Vserver Name", key=True),
    Field("ca-certs", "CA Certificate Names"),
)
COLUMNS = (Column(18, ("Vserver",)), Column(34, ("CA Certificate Names",)))
CHUNK = 40  # certificate uuids per name lookup

if TYPE_CHECKING:
    from ontap_ipsec.cli.connection import Session


def _uuid_of(session: Session, scope: Scope, name: str) -> str | None:
    found = session.records(CERTIFICATES, {"name": name, "fields": "uuid", **scope.query()})
    return str(found[0]["uuid"]) if found else None


def _uuids(session: Session, scope: Scope, names: Sequence[str], missing: str) -> list[str]:
    uuids = []
    for name in dict.fromkeys(names):
        cert_uuid = _uuid_of(session, scope, name)
        if cert_uuid is None:
            raise CliError(missing.format(name=name, vserver=scope.vserver))
        uuids.append(cert_uuid)
    return uuids


def add(session: Session, opts: dict[str, Any]) -> int:
    scope = scope_of(session, opts["vserver"])
    uuids = _uuids(session, scope, opts["ca-certs"], 'CA certificate "{name}" is not installed.')
    done: list[str] = []
    records: list[dict[str, Any]] = []
    try:
        for cert_uuid in uuids:
            answer = session.post(
                IPSEC_CA,
                {"certificate": {"uuid": cert_uuid}, **scope.body()},
                {"return_records": "true"},
            )
            done.append(cert_uuid)
            records.extend(answer.get("records", []))
    except CliError:
        for cert_uuid in done:
            _quietly(session.delete, f"{IPSEC_CA}/{cert_uuid}")
        raise
    if session.json_output:
        emit_json(records)
    return 0


def remove(session: Session, opts: dict[str, Any]) -> int:
    scope = scope_of(session, opts["vserver"])
    uuids = _uuids(
        session,
        scope,
        opts["ca-certs"],
        'The CA certificate "{name}" cannot be removed from IPsec because it is not installed.',
    )
    done: list[str] = []
    try:
        for cert_uuid in uuids:
            session.delete(f"{IPSEC_CA}/{cert_uuid}")
            done.append(cert_uuid)
    except CliError:
        for cert_uuid in done:
            _quietly(session.post, IPSEC_CA, {"certificate": {"uuid": cert_uuid}, **scope.body()})
        raise
    if session.json_output:
        emit_json([{"certificate": {"uuid": u}} for u in done])
    return 0


def _quietly(call: Any, *args: Any) -> None:
    with contextlib.suppress(CliError):  # undoing is best effort; the first error is reported
        call(*args)


def _names(session: Session, uuids: list[str]) -> dict[str, str]:
    names: dict[str, str] = {}
    for i in range(0, len(uuids), CHUNK):
        chunk = uuids[i : i + CHUNK]
        for rec in session.records(CERTIFICATES, {"uuid": "|".join(chunk), "fields": "name"}):
            names[str(rec["uuid"])] = str(rec.get("name") or rec["uuid"])
    return names


def show_entries(session: Session, opts: dict[str, Any]) -> int:
    params = {"fields": "certificate.uuid,scope,svm.name,svm.uuid"}
    params.update(query_scope(session, opts.get("vserver")))
    entries = session.records(IPSEC_CA, params)
    names = _names(session, sorted({str(e["certificate"]["uuid"]) for e in entries}))
    groups: dict[str, list[str]] = {}
    for entry in entries:
        cert_uuid = str(entry["certificate"]["uuid"])
        entry["certificate"]["name"] = names.get(cert_uuid, cert_uuid)
        groups.setdefault(vserver_of(session, entry), []).append(names.get(cert_uuid, cert_uuid))
    wanted = set(opts.get("ca-certs") or [])
    chosen = sorted(v for v, listed in groups.items() if wanted <= set(listed))
    if session.json_output:
        emit_json([e for e in entries if vserver_of(session, e) in chosen])
        return 0
    rows: list[Row] = [{"vserver": v, "ca-certs": sorted(groups[v])} for v in chosen]
    return show(opts, SHOW_FIELDS, rows, _table)


def _table(rows: Sequence[Row]) -> list[str]:
    return table(COLUMNS, [[r["vserver"], r["ca-certs"]] for r in rows], sep="   ")


COMMANDS = (
    Command(
        (*PATH, "add"),
        "Add CA certificate(s) to a vserver",
        add,
        (VSERVER, CA_CERTS),
        "Adds a list of CA certificates to IPsec for the given Vserver (the cluster's "
        "name for cluster scope). The certificates must already be installed "
        "(security certificate install or create).",
    ),
    Command(
        (*PATH, "remove"),
        "Remove CA certificate(s) from a vserver",
        remove,
        (VSERVER, CA_CERTS),
        "Removes a list of IPsec CA certificates for the given Vserver.",
    ),
    Command(
        (*PATH, "show"),
        "Displays the CA certificates added to IPsec",
        show_entries,
        (
            fields_param(SHOW_FIELDS),
            INSTANCE,
            VSERVER_QUERY,
            Param(
                "ca-certs",
                "CA Certificate Names",
                kind=LIST,
                help="only the Vservers for which these CA certificates are present in IPsec",
            ),
        ),
        "Displays the configured IPsec CA certificates, one line per Vserver.",
        show_fields=tuple(f.name for f in SHOW_FIELDS),
    ),
)
