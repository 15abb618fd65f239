"""`toolkit reset | faults show | faults clear | journal export`: the test toolkit from a shell.

Not ONTAP commands: clients of ontap-ipsec's own /_ontap-ipsec/ routes (README, "The test
toolkit"), for a shell user who wants a known state or what a run sent. Rules are added
with curl or the pytest plugin, which say more than a command line would.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ontap_ipsec.cli.commands.common import emit, emit_json
from ontap_ipsec.cli.errors import CliError
from ontap_ipsec.cli.spec import INTEGER, TEXT, Command, Param
from ontap_ipsec.cli.tables import Column, dash, footer, header, row

if TYPE_CHECKING:
    from ontap_ipsec.cli.connection import Session

FAULTS = "/_ontap-ipsec/faults"
JOURNAL = "/_ontap-ipsec/journal"
FAULT_COLUMNS = (
    Column(36, ("Fault",)),
    Column(7, ("Method",)),
    Column(28, ("Path",)),
    Column(9, ("Effect",)),
    Column(7, ("Matched",)),
    Column(5, ("Fired",)),
)


def reset(session: Session, _opts: dict[str, Any]) -> int:
    session.post("/_ontap-ipsec/reset", {})
    return 0


def faults_show(session: Session, _opts: dict[str, Any]) -> int:
    records = session.get(FAULTS).get("records") or []
    if session.json_output:
        emit_json(records)
        return 0
    if not records:
        emit(["There are no entries matching your query."])
        return 0
    lines = header(FAULT_COLUMNS)
    for r in records:
        method = r.get("method") or "*"
        cells = [
            str(r["id"]),
            method if isinstance(method, str) else ",".join(method),
            str(r.get("path")),
            str((r.get("effect") or {}).get("type")),
            str(r.get("matched")),
            f"{r.get('fired')}/{dash(r.get('times'))}",
        ]
        lines += row(FAULT_COLUMNS, cells)
    emit([*lines, *footer(len(records))])
    return 0


def faults_clear(session: Session, _opts: dict[str, Any]) -> int:
    session.delete(FAULTS)
    return 0


def journal_export(session: Session, opts: dict[str, Any]) -> int:
    params = {k: opts[k] for k in ("test_id", "method", "path", "status") if opts.get(k)}
    document = session.get(JOURNAL, {**params, "format": "har"})
    text = json.dumps(document, indent=2) + "\n"
    target = opts.get("file")
    if target in (None, "-"):
        print(text, end="")
        return 0
    try:
        Path(target).write_text(text)
    except OSError as exc:
        raise CliError(f"cannot write {target}: {exc.strerror}") from None
    count = len(document.get("log", {}).get("entries", []))
    emit([f"{count} entr{'y' if count == 1 else 'ies'} written to {target} (HAR 1.2)."])
    return 0


_NOT_ONTAP = "Not an ONTAP command: it asks ontap-ipsec's own /_ontap-ipsec/ routes."

COMMANDS = (
    Command(
        ("toolkit", "reset"),
        "Empty the state (SVMs, certificates, the IPsec list, jobs)",
        reset,
        (),
        "Empties the state as the pytest plugin does between tests; the cluster and the "
        "accounts stay. " + _NOT_ONTAP,
    ),
    Command(
        ("toolkit", "faults", "show"),
        "Show the fault rules and how often each matched and fired",
        faults_show,
        (),
        _NOT_ONTAP,
    ),
    Command(
        ("toolkit", "faults", "clear"),
        "Remove every fault rule",
        faults_clear,
        (),
        _NOT_ONTAP,
    ),
    Command(
        ("toolkit", "journal", "export"),
        "Write the request journal as a HAR 1.2 file",
        journal_export,
        (
            Param(
                "file",
                "File",
                TEXT,
                metavar="path",
                help="where to write it (- for stdout)",
                positional=True,
            ),
            Param("method", "Method", TEXT, help="only requests of this method"),
            Param("path", "Path", TEXT, metavar="glob", help="only paths matching this glob"),
            Param("status", "Status", INTEGER, metavar="integer", help="only this status"),
            Param("test_id", "Test ID", TEXT, help="only requests carrying this test id"),
        ),
        "Writes the journal's entries (secrets redacted) as HAR 1.2, which browsers' and "
        "proxies' tools open. " + _NOT_ONTAP,
    ),
)
