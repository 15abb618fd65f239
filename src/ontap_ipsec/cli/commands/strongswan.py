"""`strongswan status`: the strongSwan daemons whose trust store the IPsec CA list is.

Not an ONTAP command (ONTAP has no strongSwan): a client of ontap-ipsec's own
`GET /_ontap-ipsec/strongswan`, printed in the CLI's table style; `--output json`
prints the document as the server answered it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ontap_ipsec.cli.commands.common import emit, emit_json
from ontap_ipsec.cli.spec import Command
from ontap_ipsec.cli.tables import Column, dash, footer, header, row

STATUS_PATH = "/_ontap-ipsec/strongswan"
COLUMNS = (
    Column(16, ("Scope",)),
    Column(9, ("Reachable",)),
    Column(7, ("In Sync",)),
    Column(7, ("Missing",)),
    Column(5, ("Extra",)),
    Column(20, ("Last", "Convergence")),
    Column(30, ("Daemon",)),
)

if TYPE_CHECKING:
    from ontap_ipsec.cli.connection import Session


def status(session: Session, _opts: dict[str, Any]) -> int:
    document = session.get(STATUS_PATH)
    if session.json_output:
        emit_json(document)
    else:
        emit(render(document))
    return 0


def _flag(value: object) -> str:
    return "-" if value is None else ("true" if value else "false")


def _when(value: object) -> str:
    return dash(value).replace("T", " ", 1)[:19] + ("Z" if value else "")


def render(document: dict[str, Any]) -> list[str]:
    """The status as lines: a row per daemon, then what needs a word of its own."""
    lines: list[str] = []
    agent = document.get("agent") or {}
    daemons: Sequence[dict[str, Any]] = document.get("daemons") or []
    if not document.get("enabled"):
        lines.append("No strongSwan daemon is attached (ontap-ipsec serve --strongswan SCOPE=URI).")
    elif agent.get("error"):
        lines.append(f"{agent['error']} (pid {dash(agent.get('pid'))}).")
    if daemons:
        if lines:
            lines.append("")
        lines += header(COLUMNS)
        for d in daemons:
            cells = [
                str(d.get("scope")),
                _flag(d.get("reachable")),
                _flag(d.get("in_sync")),
                str(len(d.get("missing") or [])),
                str(len(d.get("extra") or [])),
                _when(d.get("last_convergence")),
                str(d.get("uri")),
            ]
            lines += row(COLUMNS, cells)
        lines += footer(len(daemons))
        notes = _notes(daemons)
        if notes:
            lines += ["", *notes]
    unattached = document.get("unattached") or []
    if unattached:
        shown = ", ".join(
            f"{u.get('scope')} ({u.get('entries')} entr{'y' if u.get('entries') == 1 else 'ies'})"
            for u in unattached
        )
        lines += ["", f"Unattached scopes (entries kept, trusted by no daemon): {shown}"]
    return lines


def _notes(daemons: Sequence[dict[str, Any]]) -> list[str]:
    notes = []
    for d in daemons:
        scope = d.get("scope")
        if not d.get("attached"):
            notes.append(f"{scope}: not attached: neither the cluster nor an SVM is named so")
        for what in ("missing", "extra"):
            if d.get(what):
                notes.append(f"{scope}: {what} {', '.join(d[what])}")
        if d.get("last_error"):
            notes.append(f"{scope}: last error: {d['last_error']}")
    return notes


COMMANDS = (
    Command(
        ("strongswan", "status"),
        "Show the strongSwan daemons trusting the IPsec CA list",
        status,
        (),
        "Shows, for each strongSwan daemon attached with ontap-ipsec serve --strongswan, "
        "whether it is reachable, whether its authorities equal the scope's IPsec CA list "
        "(or which are missing or extra), its last error and last convergence, and the "
        "scopes whose entries no daemon trusts. Not an ONTAP command: it asks "
        "ontap-ipsec's own /_ontap-ipsec/strongswan.",
    ),
)
