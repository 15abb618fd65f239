"""`toolkit jobs progression show | modify`, `toolkit jobs step`, `toolkit jobs rules show |
clear`: job progression from a shell, while a playbook or a script runs against the server.

Not ONTAP commands: clients of ontap-ipsec's /_ontap-ipsec/jobs/ routes (README, "job
progression"). Failure rules are added with curl or the pytest plugin's `ontap_jobs`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ontap_ipsec.cli.commands.common import emit, emit_json
from ontap_ipsec.cli.errors import usage
from ontap_ipsec.cli.spec import INTEGER, TEXT, Command, Param
from ontap_ipsec.cli.tables import Column, dash, footer, header, row

if TYPE_CHECKING:
    from ontap_ipsec.cli.connection import Session

JOBS = "/_ontap-ipsec/jobs"
MODES = ("immediate", "time", "polls", "manual")
RULE_COLUMNS = (
    Column(5, ("Rule",)),
    Column(7, ("Method",)),
    Column(26, ("Path",)),
    Column(9, ("Code",)),
    Column(7, ("Matched",)),
    Column(5, ("Fired",)),
)
_NOT_ONTAP = "Not an ONTAP command: it asks ontap-ipsec's own /_ontap-ipsec/ routes."


def _progression_lines(found: dict[str, Any]) -> list[str]:
    lines = [f"Mode: {found['mode']}"]
    unit = "polls" if found["mode"] == "polls" else "seconds"
    for state in ("queued", "running"):
        if state in found:
            lines.append(f"{state.capitalize()}: {found[state]} {unit}")
    return lines


def progression_show(session: Session, _opts: dict[str, Any]) -> int:
    found = session.get(f"{JOBS}/progression")
    if session.json_output:
        emit_json(found)
    else:
        emit(_progression_lines(found))
    return 0


def _number(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise usage(f'-{name}: "{raw}" is not a number') from None
    return int(value) if value.is_integer() else value


def progression_modify(session: Session, opts: dict[str, Any]) -> int:
    body: dict[str, Any] = {"mode": opts["mode"]}
    for name in ("queued", "running"):
        if opts.get(name) is not None:
            body[name] = _number(name, opts[name])
    found = session.request("PUT", f"{JOBS}/progression", json=body)
    if session.json_output:
        emit_json(found)
    return 0


def step(session: Session, opts: dict[str, Any]) -> int:
    body = {k: opts[k] for k in ("state", "message", "code") if opts.get(k) is not None}
    found = session.post(f"{JOBS}/{opts['job']}/step", body)
    if session.json_output:
        emit_json(found)
    else:
        emit([f"[Job {found['uuid']}] {found['state']}"])
    return 0


def rules_show(session: Session, _opts: dict[str, Any]) -> int:
    records = session.get(f"{JOBS}/rules").get("records") or []
    if session.json_output:
        emit_json(records)
        return 0
    if not records:
        emit(["There are no entries matching your query."])
        return 0
    lines = header(RULE_COLUMNS)
    for r in records:
        cells = [
            str(r["id"]),
            str(r["method"]),
            str(r["path"]),
            str(r["code"]),
            str(r["matched"]),
            f"{r['fired']}/{dash(None if r['remaining'] is None else r['fired'] + r['remaining'])}",
        ]
        lines += row(RULE_COLUMNS, cells)
    emit([*lines, *footer(len(records))])
    return 0


def rules_clear(session: Session, _opts: dict[str, Any]) -> int:
    session.delete(f"{JOBS}/rules")
    return 0


COMMANDS = (
    Command(
        ("toolkit", "jobs", "progression", "show"),
        "Show how new jobs progress",
        progression_show,
        (),
        _NOT_ONTAP,
    ),
    Command(
        ("toolkit", "jobs", "progression", "modify"),
        "Set how new jobs progress: immediate, time, polls or manual",
        progression_modify,
        (
            Param("mode", "Mode", TEXT, required=True, choices=MODES, metavar="mode"),
            Param(
                "queued", "Queued", TEXT, metavar="number", help="seconds (time) or GETs (polls)"
            ),
            Param("running", "Running", TEXT, metavar="number", help="seconds or GETs running"),
        ),
        "time: a job is queued, then running, for that many seconds; polls: for that many "
        "GETs of it; manual: until `toolkit jobs step`. " + _NOT_ONTAP,
    ),
    Command(
        ("toolkit", "jobs", "step"),
        "Move a queued or running job on",
        step,
        (
            Param("job", "Job", TEXT, required=True, metavar="uuid", positional=True),
            Param("state", "State", TEXT, choices=("running", "success", "failure")),
            Param("message", "Message", TEXT, help="the failure's message"),
            Param("code", "Code", INTEGER, metavar="integer", help="the failure's code"),
        ),
        "To its next state, or to -state; a failed job changes nothing. " + _NOT_ONTAP,
    ),
    Command(
        ("toolkit", "jobs", "rules", "show"),
        "Show the job failure rules and how often each matched and fired",
        rules_show,
        (),
        _NOT_ONTAP,
    ),
    Command(
        ("toolkit", "jobs", "rules", "clear"),
        "Remove every job failure rule",
        rules_clear,
        (),
        _NOT_ONTAP,
    ),
)
