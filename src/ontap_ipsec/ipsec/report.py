"""The document `GET /_ontap-ipsec/strongswan` answers: each daemon, and what has none.

Needs no `vici`: the HTTP workers build it from the agent's status file (or from the
service, when the daemons are driven in their own process) and from the database,
read now: which scope each name resolves to, and which scopes hold entries that no
daemon trusts ("unattached": kept, listed, served, and trusted by nothing).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ontap_ipsec.domain.scope import key_named
from ontap_ipsec.store import svms as svm_rows

from . import status_file

if TYPE_CHECKING:
    from ontap_ipsec.rest.context import Context

SERVICE_KEY = "strongswan"  # in Context.services, when the daemons are driven in-process
NO_AGENT = "no status: the strongSwan agent is not running"
NOT_YET = "no status yet: the strongSwan agent is starting, or is not running"


def build(ctx: Context) -> dict[str, Any]:
    specs = ctx.settings.strongswan_daemons
    snapshot, agent = _snapshot(ctx, bool(specs))
    by_scope = {d.get("scope"): d for d in (snapshot or {}).get("daemons", [])}
    per_scope = ctx.backends.ipsec_ca.entries_per_scope()
    entries = {key: n for key, _name, n in per_scope}
    daemons = []
    attached: set[str] = set()
    for spec in specs:
        key = key_named(ctx.store, spec.scope)
        if key is not None:
            attached.add(key)
        known = by_scope.get(spec.scope) if agent.get("running") else None
        daemons.append(
            {
                "scope": spec.scope,
                "scope_key": key,
                "attached": key is not None,
                "uri": spec.uri,
                "entries": entries.get(key, 0) if key is not None else 0,
                **_daemon_status(known, agent),
            }
        )
    cluster_name = str(ctx.store.rows(svm_rows.CLUSTER_NAME, {})[0][0])
    unattached = [
        {"scope": name or cluster_name, "scope_key": key, "entries": n}
        for key, name, n in per_scope
        if key not in attached
    ]
    return {"enabled": bool(specs), "agent": agent, "daemons": daemons, "unattached": unattached}


def _snapshot(ctx: Context, enabled: bool) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """The reconciler's status and who runs it (this process, or the agent, if alive)."""
    live = ctx.services.get(SERVICE_KEY)
    if live is not None:
        snapshot: dict[str, Any] | None = live.snapshot()
    elif enabled:
        snapshot = status_file.read(status_file.path_in(ctx.settings.data_dir))
    else:
        return None, {"running": False}
    if snapshot is None:
        return None, {"running": False, "error": NOT_YET}
    running = live is not None or status_file.alive(snapshot.get("pid"))
    agent = {
        "pid": snapshot.get("pid"),
        "running": running,
        "in_process": bool(snapshot.get("in_process")),
        "started": snapshot.get("started"),
    }
    if not running:
        agent["error"] = NO_AGENT
    return snapshot, agent


def _daemon_status(known: dict[str, Any] | None, agent: dict[str, Any]) -> dict[str, Any]:
    if known is None:
        return {
            "reachable": None,
            "in_sync": False,
            "missing": [],
            "extra": [],
            "last_error": agent.get("error", NOT_YET),
            "last_convergence": None,
            "connections": 0,
        }
    return {
        name: known.get(name)
        for name in (
            "reachable",
            "in_sync",
            "missing",
            "extra",
            "last_error",
            "last_convergence",
            "connections",
        )
    }
