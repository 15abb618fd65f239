"""`vserver create | show | delete`: SVMs, created and deleted as ONTAP jobs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ontap_ipsec.cli.commands.common import (
    SVMS,
    Field,
    Row,
    emit,
    emit_json,
    fields_param,
    show,
)
from ontap_ipsec.cli.errors import CliError
from ontap_ipsec.cli.spec import INSTANCE, Command, Param
from ontap_ipsec.cli.tables import Column, dash, table

REST_FIELDS = "uuid,name,subtype,state,comment,language,ipspace.name,aggregates"
VSERVER = Param("vserver", "Vserver", required=True, metavar="vserver", positional=True)

SHOW_FIELDS = (
    Field("vserver", "Vserver", key=True),
    Field("type", "Vserver Type"),
    Field("subtype", "Vserver Subtype"),
    Field("uuid", "Vserver UUID"),
    Field("rootvolume", "Root Volume"),
    Field("aggregate", "Aggregate"),
    Field("language", "Language"),
    Field("comment", "Comment"),
    Field("ipspace", "IPspace Name"),
    Field("admin-state", "Vserver Admin State"),
    Field("operational-state", "Vserver Operational State"),
)
COLUMNS = (
    Column(11, ("Vserver",)),
    Column(7, ("Type",)),
    Column(10, ("Subtype",)),
    Column(10, ("Admin", "State")),
    Column(11, ("Operational", "State")),
    Column(10, ("Root", "Volume")),
    Column(10, ("Aggregate",)),
)

if TYPE_CHECKING:
    from ontap_ipsec.cli.connection import Session


def _job_line(state: dict[str, Any]) -> str:
    return f"[Job {state.get('uuid')}] Job succeeded: {state.get('message') or 'success'}"


def create(session: Session, opts: dict[str, Any]) -> int:
    body: dict[str, Any] = {"name": opts["vserver"]}
    for option, field in (
        ("comment", "comment"),
        ("language", "language"),
        ("ipspace", "ipspace.name"),
    ):
        if option in opts:
            body[field] = opts[option]
    state = session.wait_for_job(session.post(SVMS, body))
    if session.json_output:
        emit_json({"job": state})
    else:
        emit([_job_line(state)])
    return 0


def _svm_row(rec: dict[str, Any]) -> Row:
    state = rec.get("state")
    aggregates = [a.get("name") for a in rec.get("aggregates") or [] if a.get("name")]
    return {
        "vserver": str(rec.get("name")),
        "type": "data",
        "subtype": dash(rec.get("subtype")),
        "uuid": dash(rec.get("uuid")),
        "rootvolume": "-",
        "aggregate": aggregates[0] if aggregates else "-",
        "language": dash(rec.get("language")),
        "comment": dash(rec.get("comment")),
        "ipspace": dash((rec.get("ipspace") or {}).get("name")),
        "admin-state": dash(state),
        "operational-state": state if state in ("running", "stopped") else "-",
    }


def _admin_row(name: str) -> Row:
    row: Row = {f.name: "-" for f in SHOW_FIELDS}
    row.update(vserver=name, type="admin")
    return row


def show_vservers(session: Session, opts: dict[str, Any]) -> int:
    params = {"fields": REST_FIELDS}
    wanted = opts.get("vserver")
    if wanted:
        params["name"] = wanted
    cluster = session.cluster_name()
    records = session.records(SVMS, params) if wanted != cluster else []
    rows = [_svm_row(r) for r in records]
    if wanted in (None, cluster):
        rows.append(_admin_row(cluster))
    if opts.get("type"):
        rows = [r for r in rows if r["type"] == opts["type"]]
    rows.sort(key=lambda r: str(r["vserver"]))
    if session.json_output:
        emit_json(records)
        return 0
    return show(opts, SHOW_FIELDS, rows, _table)


def _table(rows: Sequence[Row]) -> list[str]:
    keys = (
        "vserver",
        "type",
        "subtype",
        "admin-state",
        "operational-state",
        "rootvolume",
        "aggregate",
    )
    return table(COLUMNS, [[r[k] for k in keys] for r in rows])


def delete(session: Session, opts: dict[str, Any]) -> int:
    name = opts["vserver"]
    if name == session.cluster_name():
        raise CliError(f'Vserver "{name}" is the admin Vserver; it cannot be deleted.')
    found = [
        r for r in session.records(SVMS, {"name": name, "fields": "uuid"}) if r.get("name") == name
    ]
    if not found:
        raise CliError(f'Vserver "{name}" does not exist.')
    state = session.wait_for_job(session.delete(f"{SVMS}/{found[0]['uuid']}"))
    if session.json_output:
        emit_json({"job": state})
    else:
        emit([_job_line(state)])
    return 0


COMMANDS = (
    Command(
        ("vserver", "create"),
        "Create a Vserver",
        create,
        (
            VSERVER,
            Param("comment", "Comment"),
            Param("language", "Default Volume Language Code", metavar="language code"),
            Param("ipspace", "IPspace Name", metavar="IPspace"),
        ),
        "Creates a Vserver (an SVM) and waits for its job to finish.",
    ),
    Command(
        ("vserver", "show"),
        "Display Vservers",
        show_vservers,
        (
            fields_param(SHOW_FIELDS),
            INSTANCE,
            Param("vserver", "Vserver", metavar="vserver", positional=True),
            Param("type", "Vserver Type", choices=("admin", "data"), metavar="vserver type"),
        ),
        "Displays the Vservers: the cluster's admin Vserver and the data Vservers.",
        show_fields=tuple(f.name for f in SHOW_FIELDS),
    ),
    Command(
        ("vserver", "delete"),
        "Delete a Vserver",
        delete,
        (VSERVER,),
        "Deletes a Vserver, with its certificates and IPsec CA certificates, and waits for "
        "its job to finish.",
    ),
)
