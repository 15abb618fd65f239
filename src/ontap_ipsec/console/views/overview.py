"""The overview: the cluster, how much there is, and strongSwan's daemons when served."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from ontap_ipsec.console.api import Api
from ontap_ipsec.console.http import Page
from ontap_ipsec.console.render import EXPIRING_DAYS
from ontap_ipsec.console.server import View, route
from ontap_ipsec.console.views.common import CA_TYPES

STRONGSWAN = "/_ontap-ipsec/strongswan"


async def _count(api: Api, path: str, **query: Any) -> int:
    return (await api.get(path, return_records="false", **query)).count


async def strongswan(api: Api, admin: bool) -> dict[str, Any] | None:
    """The daemons' status document, if this server has that endpoint and may show it."""
    if not admin:
        return None
    status, raw = await api.exchange("GET", STRONGSWAN)
    if status != 200:
        return None
    try:
        found = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    return found if isinstance(found, dict) else None


@route("GET", "/")
async def overview(view: View) -> Page:
    api = view.api
    cluster = (await api.get("/api/cluster", fields="name,uuid,version")).body
    soon = (datetime.now(UTC) + timedelta(days=EXPIRING_DAYS)).strftime("%Y-%m-%dT%H:%M:%SZ")
    certs = "/api/security/certificates"
    counts = {
        "svms": await _count(api, "/api/svm/svms"),
        "certificates": await _count(api, certs),
        "cas": await _count(api, certs, type=CA_TYPES),
        "expiring": await _count(api, certs, expiry_time=f"<{soon}"),
        "ipsec": await _count(api, "/api/security/ipsec/ca-certificates"),
    }
    return view.render(
        "overview.html",
        cluster=cluster,
        counts=counts,
        strongswan=await strongswan(api, view.session.admin),
    )
