"""One certificate: its details and PEM, delete it, and sign a CSR with it (a download)."""

from __future__ import annotations

import re
from typing import Any

from ontap_ipsec.console import certinfo
from ontap_ipsec.console.api import ApiError
from ontap_ipsec.console.http import Page, download, redirect
from ontap_ipsec.console.server import View, route

HASHES = ("sha256", "sha384", "sha512", "sha224")  # the ones ONTAP signs with

CERTS = "/api/security/certificates"
IPSEC = "/api/security/ipsec/ca-certificates"
_UUID = re.compile(r"^[0-9a-fA-F-]{36}$")


def _filename(name: str, suffix: str) -> str:
    return (re.sub(r"[^A-Za-z0-9._-]+", "_", name) or "certificate") + suffix


async def _record(view: View, uuid: str) -> dict[str, Any]:
    if not _UUID.match(uuid):
        raise ApiError(404, "4", "entry doesn't exist", "uuid")
    return (await view.api.get(f"{CERTS}/{uuid}", fields="*")).body


async def _page(view: View, uuid: str, status: int = 200, **values: Any) -> Page:
    record = await _record(view, uuid)
    used = await view.api.get(IPSEC, **{"certificate.uuid": uuid, "fields": "svm.name,scope"})
    values.setdefault("sign_form", {})
    return view.render(
        "certificate.html",
        status=status,
        cert=record,
        ipsec=used.records,
        details=certinfo.details(str(record.get("public_certificate", ""))),
        hashes=HASHES,
        **values,
    )


@route("GET", "/certificates/{uuid}")
async def show(view: View, uuid: str) -> Page:
    return await _page(view, uuid)


@route("GET", "/certificates/{uuid}/pem")
async def pem(view: View, uuid: str) -> Page:
    record = await _record(view, uuid)
    text = str(record.get("public_certificate", ""))
    return download(_filename(str(record.get("name", uuid)), ".pem"), text.encode())


@route("POST", "/certificates/{uuid}/delete")
async def delete(view: View, uuid: str) -> Page:
    try:
        await view.api.delete(f"{CERTS}/{uuid}")
    except ApiError as exc:
        if exc.status == 404:
            return redirect("/certificates")
        return await _page(view, uuid, exc.status, error=view.failure(exc))
    return redirect("/certificates?done=cert-deleted")


@route("POST", "/certificates/{uuid}/sign")
async def sign(view: View, uuid: str) -> Page:
    form = view.request.form
    body: dict[str, Any] = {
        "signing_request": (form.text("csr_file").strip() or form.get("csr").strip()) + "\n"
    }
    if form.get("days").strip():
        days = form.get("days").strip()
        body["expiry_time"] = f"P{days}D" if days.isdigit() else days
    if form.get("hash_function"):
        body["hash_function"] = form.get("hash_function")
    try:
        signed = await view.api.post(f"{CERTS}/{uuid}/sign", body)
    except ApiError as exc:
        shown = {"csr": form.get("csr"), "days": form.get("days")}
        return await _page(view, uuid, exc.status, error=view.failure(exc), sign_form=shown)
    text = str(signed.body.get("public_certificate", ""))
    record = await _record(view, uuid)
    return download(_filename(f"signed-by-{record.get('name', uuid)}", ".pem"), text.encode())
