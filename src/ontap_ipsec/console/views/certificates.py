"""Certificates: the list with its filters, install a PEM (pasted or uploaded), create a root CA."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from ontap_ipsec.console.api import ApiError
from ontap_ipsec.console.http import Page, redirect
from ontap_ipsec.console.render import EXPIRING_DAYS
from ontap_ipsec.console.server import View, route
from ontap_ipsec.console.views.common import CERT_FIELDS, pick, scope_body, scope_filter, scopes

CERTS = "/api/security/certificates"
IPSEC = "/api/security/ipsec/ca-certificates"
TYPES = ("server_ca", "client_ca", "root_ca", "server", "client")
EXPIRY = {
    "": "Any expiry",
    "soon": f"Expired or expiring within {EXPIRING_DAYS} days",
    "expired": "Expired",
    "valid": "Not expired",
}
PAGE = 100


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _filters(query: dict[str, str], options: list[Any]) -> tuple[dict[str, str], dict[str, Any]]:
    """The chosen filters (as the form shows them) and the API query they make."""
    chosen = {
        "scope": query.get("scope", ""),
        "type": query.get("type", ""),
        "expiry": query.get("expiry", ""),
    }
    api: dict[str, Any] = {"fields": CERT_FIELDS, "order_by": "name", "max_records": PAGE}
    scope = pick(options, chosen["scope"])
    if scope is not None:
        api.update(scope_filter(scope))
    if chosen["type"] in TYPES:
        api["type"] = chosen["type"]
    now = datetime.now(UTC)
    if chosen["expiry"] == "soon":
        api["expiry_time"] = f"<{_stamp(now + timedelta(days=EXPIRING_DAYS))}"
    elif chosen["expiry"] == "expired":
        api["expiry_time"] = f"<{_stamp(now)}"
    elif chosen["expiry"] == "valid":
        api["expiry_time"] = f">={_stamp(now)}"
    return chosen, api


async def listing(view: View, status: int = 200, **values: Any) -> Page:
    query = view.request.query
    _cluster, options = await scopes(view.api)
    chosen, api_query = _filters(query, options)
    following = query.get("after")
    if following:  # the API's own next link, kept to its parameters
        api_query.update(dict(parse_qsl(following)))
    found = await view.api.get(CERTS, **api_query)
    in_ipsec: set[str] = set()
    if found.records:  # which of this page's certificates IPsec lists
        shown = "|".join(str(r["uuid"]) for r in found.records)
        used = await view.api.get(IPSEC, fields="certificate.uuid", **{"certificate.uuid": shown})
        in_ipsec = {r["certificate"]["uuid"] for r in used.records}
    next_href = (found.body.get("_links") or {}).get("next", {}).get("href")
    next_page = None
    if next_href:
        after = urlencode(
            [
                (k, v)
                for k, v in parse_qsl(urlsplit(next_href).query)
                if k.startswith("start.") or k == "start"
            ]
        )
        next_page = "/certificates?" + urlencode({**chosen, "after": after})
    values.setdefault("form", {})
    return view.render(
        "certificates.html",
        status=status,
        certificates=found.records,
        in_ipsec=in_ipsec,
        chosen=chosen,
        scopes=options,
        types=TYPES,
        expiry=EXPIRY,
        next_page=next_page,
        **values,
    )


@route("GET", "/certificates")
async def show(view: View) -> Page:
    return await listing(view)


async def _scope_of(view: View, value: str) -> dict[str, Any]:
    _cluster, options = await scopes(view.api)
    scope = pick(options, value)
    return {} if scope is None else scope_body(scope)


@route("POST", "/certificates/install")
async def install(view: View) -> Page:
    form = view.request.form
    body: dict[str, Any] = {"type": form.get("type"), **await _scope_of(view, form.get("scope"))}
    pem = form.text("pem_file").strip() or form.get("pem").strip()
    if pem:
        body["public_certificate"] = pem + "\n"
    if form.get("name").strip():
        body["name"] = form.get("name").strip()
    key = form.text("key_file").strip() or form.get("private_key").strip()
    if key:
        body["private_key"] = key + "\n"
    shown = {
        "install": {
            "type": body["type"],
            "scope": form.get("scope"),
            "name": form.get("name"),
            "pem": form.get("pem"),
        }
    }
    try:
        await view.api.post(CERTS, body)
    except ApiError as exc:  # the private key is never shown again
        return await listing(view, exc.status, error=view.failure(exc), form=shown)
    return redirect("/certificates?done=cert-installed")


@route("POST", "/certificates/create")
async def create(view: View) -> Page:
    form = view.request.form
    body: dict[str, Any] = {
        "type": "root_ca",
        "common_name": form.get("common_name").strip(),
        **await _scope_of(view, form.get("scope")),
    }
    for name in ("name", "hash_function"):
        if form.get(name).strip():
            body[name] = form.get(name).strip()
    if form.get("key_size").strip().isdigit():
        body["key_size"] = int(form.get("key_size"))
    days = form.get("days").strip()
    if days:
        body["expiry_time"] = f"P{days}D" if days.isdigit() else days
    try:
        await view.api.post(CERTS, body)
    except ApiError as exc:
        shown = {
            "create": {
                **{k: form.get(k) for k in ("common_name", "name", "days")},
                "scope": form.get("scope"),
            }
        }
        return await listing(view, exc.status, error=view.failure(exc), form=shown)
    return redirect("/certificates?done=cert-created")
