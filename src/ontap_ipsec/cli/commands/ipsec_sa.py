"""`security ipsec show-ikesa | show-ipsecsa`: the IKE and IPsec security associations.

Over GET /api/security/ipsec/security-associations, `type=ike` and `type=ipsec`.
ONTAP requires `-node`; here it is optional (a cluster of ontap-ipsec has one node,
`<cluster>-01`), and when given it filters on `node.name`, so the commands read the
same against a real cluster. The default tables are ONTAP's, its misspelt
"Initator-SPI" header included: the vserver and policy name on one line, the
addresses, SPIs and state on the next. States are shown in upper case (ESTABLISHED,
INSTALLED), as ONTAP's CLI shows them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ontap_ipsec.cli.commands.common import (
    VSERVER_QUERY,
    Field,
    Row,
    emit_json,
    fields_param,
    query_scope,
    show,
    vserver_of,
)
from ontap_ipsec.cli.spec import INSTANCE, Command, Param
from ontap_ipsec.cli.tables import Column, dash, footer, header, row

ASSOCIATIONS = "/api/security/ipsec/security-associations"
SHOWN_ACTIONS = {"esp_transport": "ESP_TRA", "esp_udp": "ESP_UDP"}
KEYS = (
    Field("node", "Node", key=True),
    Field("vserver", "Vserver Name", key=True),
    Field("policy-name", "Policy Name", key=True),
    Field("local-address", "Local Address"),
    Field("remote-address", "Remote Address"),
)

if TYPE_CHECKING:
    from ontap_ipsec.cli.connection import Session

Getter = Callable[[dict[str, Any]], object]


def _at(path: str) -> Getter:
    """The value at a dotted REST path of a record."""

    def get(rec: dict[str, Any]) -> object:
        value: Any = rec
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return value

    return get


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return dash(value)


def _upper(get: Getter) -> Getter:
    return lambda rec: None if get(rec) is None else str(get(rec)).upper()


@dataclass(frozen=True)
class Kind:
    """One of the two commands: the SA type, its fields, its default table."""

    sa_type: str
    fields: tuple[Field, ...]
    getters: dict[str, Getter]
    columns: tuple[Column, ...]
    second_line: tuple[str, ...]  # the fields of the table's second line

    def rest_fields(self) -> str:
        """The record's common fields and its own group (`ike` or `ipsec`)."""
        common = "uuid,type,node.name,svm.name,scope,policy_name,local_address,remote_address"
        return f"{common},cipher_suite,lifetime,{self.sa_type}"

    def row(self, session: Session, rec: dict[str, Any]) -> Row:
        out: Row = {
            "node": dash(_at("node.name")(rec)),
            "vserver": vserver_of(session, rec),
            "policy-name": dash(rec.get("policy_name")),
            "local-address": dash(rec.get("local_address")),
            "remote-address": dash(rec.get("remote_address")),
        }
        for name, get in self.getters.items():
            out[name] = _text(get(rec))
        return out

    def table(self, rows: Sequence[Row]) -> list[str]:
        if not rows:
            return footer(0)
        out = header(self.columns)
        blank = ["", ""]
        for r in rows:
            out += row(self.columns[:2], [r["vserver"], r["policy-name"]])
            out += row(self.columns, [*blank, *(r[k] for k in self.second_line)])
        return out + footer(len(rows))


COMMON = {
    "cipher-suite": _upper(_at("cipher_suite")),
    "lifetime": _at("lifetime"),
}
IKE = Kind(
    "ike",
    (
        *KEYS,
        Field("initiator-spi", "Initiator SPI"),
        Field("responder-spi", "Responder SPI"),
        Field("is-initiator", "Is Initiator"),
        Field("ike-version", "IKE Version"),
        Field("auth-method", "Authentication Method"),
        Field("cipher-suite", "Cipher Suite"),
        Field("lifetime", "Lifetime"),
        Field("state", "State"),
    ),
    {
        "initiator-spi": _at("ike.initiator_security_parameter_index"),
        "responder-spi": _at("ike.responder_security_parameter_index"),
        "is-initiator": _at("ike.is_initiator"),
        "ike-version": _at("ike.version"),
        "auth-method": _upper(_at("ike.authentication")),
        **COMMON,
        "state": _upper(_at("ike.state")),
    },
    (
        Column(11, ("Vserver",)),
        Column(6, ("Policy", "Name")),
        Column(15, ("Local", "Address")),
        Column(15, ("Remote", "Address")),
        Column(16, ("Initator-SPI",)),
        Column(11, ("State",)),
    ),
    ("local-address", "remote-address", "initiator-spi", "state"),
)


def _action(rec: dict[str, Any]) -> object:
    action = _at("ipsec.action")(rec)
    return None if action is None else SHOWN_ACTIONS.get(str(action), str(action).upper())


IPSEC = Kind(
    "ipsec",
    (
        *KEYS,
        Field("inbound-spi", "Inbound SPI"),
        Field("outbound-spi", "Outbound SPI"),
        Field("action", "Action"),
        Field("cipher-suite", "Cipher Suite"),
        Field("lifetime", "Lifetime"),
        Field("inbound-bytes", "Inbound Bytes"),
        Field("inbound-packets", "Inbound Packets"),
        Field("outbound-bytes", "Outbound Bytes"),
        Field("outbound-packets", "Outbound Packets"),
        Field("state", "State"),
    ),
    {
        "inbound-spi": _at("ipsec.inbound.security_parameter_index"),
        "outbound-spi": _at("ipsec.outbound.security_parameter_index"),
        "action": _action,
        **COMMON,
        "inbound-bytes": _at("ipsec.inbound.bytes"),
        "inbound-packets": _at("ipsec.inbound.packets"),
        "outbound-bytes": _at("ipsec.outbound.bytes"),
        "outbound-packets": _at("ipsec.outbound.packets"),
        "state": _upper(_at("ipsec.state")),
    },
    (
        Column(11, ("Vserver",)),
        Column(7, ("Policy", "Name")),
        Column(15, ("Local", "Address")),
        Column(15, ("Remote", "Address")),
        Column(8, ("Inbound", "SPI")),
        Column(8, ("Outbound", "SPI")),
        Column(9, ("State",)),
    ),
    ("local-address", "remote-address", "inbound-spi", "outbound-spi", "state"),
)

FILTERS = (
    ("node", "node.name"),
    ("policy-name", "policy_name"),
    ("local-address", "local_address"),
    ("remote-address", "remote_address"),
)


def _show(kind: Kind) -> Callable[[Session, dict[str, Any]], int]:
    def run(session: Session, opts: dict[str, Any]) -> int:
        params = {"type": kind.sa_type, "fields": kind.rest_fields()}
        params.update(query_scope(session, opts.get("vserver")))
        for option, field in FILTERS:
            if opts.get(option):
                params[field] = opts[option]
        records = session.records(ASSOCIATIONS, params)
        if session.json_output:
            emit_json(records)
            return 0
        rows = [kind.row(session, r) for r in records]
        rows.sort(key=lambda r: tuple(str(r[f.name]) for f in kind.fields))
        return show(opts, kind.fields, rows, kind.table)

    return run


def _params(kind: Kind, what: str) -> tuple[Param, ...]:
    return (
        fields_param(kind.fields),
        INSTANCE,
        Param(
            "node",
            "Node",
            metavar="nodename",
            help=f"only the {what} of this node (required by ONTAP; optional here, where "
            "the cluster has one node)",
        ),
        VSERVER_QUERY,
        Param("policy-name", "Policy Name", help=f"only the {what} of this policy"),
        Param("local-address", "Local Address", metavar="IP address"),
        Param("remote-address", "Remote Address", metavar="IP address"),
    )


COMMANDS = (
    Command(
        ("security", "ipsec", "show-ikesa"),
        "Show IKE SA Information",
        _show(IKE),
        _params(IKE, "IKE SAs"),
        "Displays the IKE security associations. ONTAP requires -node; here it is optional "
        "(one node, <cluster>-01) and filters on the node's name when given.",
        show_fields=tuple(f.name for f in IKE.fields),
    ),
    Command(
        ("security", "ipsec", "show-ipsecsa"),
        "Show IPsec SA Information",
        _show(IPSEC),
        _params(IPSEC, "IPsec SAs"),
        "Displays the IPsec security associations. ONTAP requires -node; here it is "
        "optional (one node, <cluster>-01) and filters on the node's name when given.",
        show_fields=tuple(f.name for f in IPSEC.fields),
    ),
)
