"""What the command families share: the vserver's scope, and how `show` prints."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ontap_ipsec.cli.args import match
from ontap_ipsec.cli.errors import CliError
from ontap_ipsec.cli.spec import Param
from ontap_ipsec.cli.tables import Cell, fields_table, instances

SVMS = "/api/svm/svms"
CERTIFICATES = "/api/security/certificates"
IPSEC_CA = "/api/security/ipsec/ca-certificates"

VSERVER = Param(
    "vserver",
    "Vserver Name",
    required=True,
    metavar="vserver name",
    help="the SVM, or the cluster's name for cluster scope",
)
VSERVER_QUERY = Param(
    "vserver", "Vserver Name", metavar="vserver name", help="only this SVM (or the cluster's name)"
)

if TYPE_CHECKING:
    from ontap_ipsec.cli.connection import Session


@dataclass(frozen=True)
class Scope:
    """A `-vserver`: an SVM, or the cluster (its admin vserver) for cluster scope."""

    vserver: str
    svm: str | None  # None: cluster scope

    def query(self) -> dict[str, str]:
        return {"svm.name": self.svm} if self.svm else {"scope": "cluster"}

    def body(self) -> dict[str, Any]:
        return {"svm": {"name": self.svm}} if self.svm else {}


def scope_of(session: Session, vserver: str) -> Scope:
    """The scope `-vserver` names; a vserver that does not exist is an error."""
    if vserver == session.cluster_name():
        return Scope(vserver, None)
    found = session.records(SVMS, {"name": vserver, "fields": "name"})
    if not any(r.get("name") == vserver for r in found):
        raise CliError(f'Vserver "{vserver}" does not exist.')
    return Scope(vserver, vserver)


def query_scope(session: Session, vserver: str | None) -> dict[str, str]:
    """The REST filter of a `show` command's `-vserver` (a query: no existence check)."""
    if vserver is None:
        return {}
    if vserver == session.cluster_name():
        return {"scope": "cluster"}
    return {"svm.name": vserver}


def vserver_of(session: Session, record: dict[str, Any]) -> str:
    return str((record.get("svm") or {}).get("name") or session.cluster_name())


@dataclass(frozen=True)
class Field:
    """A field of a `show` command: its `-fields` name and its `-instance` label."""

    name: str
    label: str
    key: bool = False


Row = dict[str, Cell]


def emit(lines: Sequence[str]) -> None:
    for line in lines:
        print(line)


def emit_json(records: Any) -> None:
    print(json.dumps(records, indent=2, sort_keys=False))


def show(
    opts: dict[str, Any],
    fields: Sequence[Field],
    rows: Sequence[Row],
    default: Callable[[Sequence[Row]], list[str]],
) -> int:
    """Print rows as the default table, or as `-fields` / `-instance` ask."""
    if opts.get("fields") == ["?"]:
        width = max(len(f.name) for f in fields) + 4
        emit([f"  {f.name.ljust(width)}{f.label}" for f in fields])
        return 0
    if "fields" in opts:
        names = [match(n, (f.name for f in fields), "field") for n in opts["fields"]]
        keys = [f.name for f in fields if f.key]
        chosen = keys + [n for n in dict.fromkeys(names) if n not in keys]
        emit(fields_table(chosen, [[r[n] for n in chosen] for r in rows]))
    elif opts.get("instance"):
        emit(instances([[(f.label, r[f.name]) for f in fields] for r in rows]))
    else:
        emit(default(rows))
    return 0


def fields_param(fields: Sequence[Field]) -> Param:
    names = ", ".join(f.name for f in fields)
    return Param(
        "fields",
        "Fields",
        kind="list",
        metavar="fieldname",
        help=f"show these fields ({names}); '-fields ?' lists them",
    )
