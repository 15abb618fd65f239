"""IPsec's CA list, per scope (the cluster or an SVM): add an installed CA of it, remove one."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from ontap_ipsec.console.api import ApiError
from ontap_ipsec.console.http import Page, redirect
from ontap_ipsec.console.server import View, route
from ontap_ipsec.console.views.common import (
    CA_TYPES,
    Scope,
    pick,
    scope_body,
    scope_filter,
    scopes,
)

IPSEC = "/api/security/ipsec/ca-certificates"
CERTS = "/api/security/certificates"
LIMIT = 10000


async def _page(view: View, value: str | None, status: int = 200, **values: Any) -> Page:
    _cluster, options = await scopes(view.api)
    scope = pick(options, value) or options[0]
    listed = await view.api.get(
        IPSEC, fields="certificate.uuid,svm.name,scope", max_records=LIMIT, **scope_filter(scope)
    )
    cas = await view.api.get(
        CERTS,
        fields="uuid,name,type,common_name,expiry_time",
        type=CA_TYPES,
        order_by="name",
        max_records=LIMIT,
        **scope_filter(scope),
    )
    by_uuid = {c["uuid"]: c for c in cas.records}
    in_list = [r["certificate"]["uuid"] for r in listed.records]
    entries = [by_uuid.get(u, {"uuid": u, "name": u}) for u in in_list]
    entries.sort(key=lambda c: str(c.get("name", "")))
    addable = [c for c in cas.records if c["uuid"] not in set(in_list)]
    return view.render(
        "ipsec.html",
        status=status,
        scope=scope,
        scopes=options,
        entries=entries,
        addable=addable,
        **values,
    )


def _back(scope: str, done: str) -> str:
    return f"/ipsec?scope={quote(scope, safe='')}&done={done}"


@route("GET", "/ipsec")
async def show(view: View) -> Page:
    return await _page(view, view.request.query.get("scope"))


async def _chosen(view: View) -> Scope:
    _cluster, options = await scopes(view.api)
    return pick(options, view.request.form.get("scope")) or options[0]


@route("POST", "/ipsec/add")
async def add(view: View) -> Page:
    scope = await _chosen(view)
    body = {"certificate": {"uuid": view.request.form.get("certificate")}, **scope_body(scope)}
    try:
        await view.api.post(IPSEC, body)
    except ApiError as exc:
        return await _page(view, scope.value, exc.status, error=view.failure(exc))
    return redirect(_back(scope.value, "ipsec-added"))


@route("POST", "/ipsec/{uuid}/remove")
async def remove(view: View, uuid: str) -> Page:
    scope = await _chosen(view)
    try:
        await view.api.delete(f"{IPSEC}/{quote(uuid, safe='')}")
    except ApiError as exc:
        return await _page(view, scope.value, exc.status, error=view.failure(exc))
    return redirect(_back(scope.value, "ipsec-removed"))
