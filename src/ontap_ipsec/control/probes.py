"""`GET /healthz` and `GET /readyz`: probes for an orchestrator, without credentials.

`/healthz` answers while the process serves. `/readyz` answers 200 once the database
answers and its schema is the one this release needs, else 503; the strongSwan daemons
are reported by count (attached, reachable, in sync), never gating readiness, since a
daemon that is down fails no API call. Neither says more: no version, no path, no URI.
"""

from __future__ import annotations

from typing import Any

from ontap_ipsec.control.routes import route
from ontap_ipsec.rest.context import Context
from ontap_ipsec.rest.http import JSON, Request, Response


@route("/healthz", "GET", public=True, toolkit=False)
def healthz(_ctx: Context, _request: Request) -> Response:
    return Response(200, {"status": "ok"}, content_type=JSON)


@route("/readyz", "GET", public=True, toolkit=False)
def readyz(ctx: Context, _request: Request) -> Response:
    from ontap_ipsec.store import migrate

    try:
        current = migrate.current_revision(ctx.store.engine)
    except Exception:  # noqa: BLE001 - any failure to answer means "not ready"
        return Response(
            503, {"status": "unavailable", "database": "unreachable"}, content_type=JSON
        )
    if current != migrate.HEAD:
        return Response(503, {"status": "unavailable", "database": "schema"}, content_type=JSON)
    body: dict[str, Any] = {"status": "ready", "database": "ok"}
    if ctx.settings.strongswan:
        body["strongswan"] = _daemons(ctx)
    return Response(200, body, content_type=JSON)


def _daemons(ctx: Context) -> dict[str, int]:
    from ontap_ipsec.ipsec import report

    try:
        daemons = report.build(ctx)["daemons"]
    except Exception:  # noqa: BLE001 - reported, never gating
        return {"configured": len(ctx.settings.strongswan), "reachable": 0, "in_sync": 0}
    return {
        "configured": len(daemons),
        "reachable": sum(1 for d in daemons if d.get("reachable")),
        "in_sync": sum(1 for d in daemons if d.get("in_sync")),
    }
