"""SVMs: the list, create, delete (each a job in ONTAP; the job's outcome is shown)."""

from __future__ import annotations

from typing import Any

from ontap_ipsec.console.api import Answer, ApiError
from ontap_ipsec.console.http import Page, redirect
from ontap_ipsec.console.server import View, route

SVMS = "/api/svm/svms"


async def _list(view: View, status: int = 200, **values: Any) -> Page:
    found = await view.api.get(
        SVMS, fields="name,uuid,state,comment", order_by="name", max_records=1000
    )
    values.setdefault("form", {})
    return view.render(
        "svms.html", status=status, svms=found.records, more=found.count > 1000, **values
    )


async def job_outcome(view: View, answer: Answer) -> None:
    """Raise the job's failure as an ApiError; a job that succeeded (or is gone) returns."""
    job = answer.body.get("job") or {}
    uuid = job.get("uuid")
    if not uuid:
        return
    state = (await view.api.get(f"/api/cluster/jobs/{uuid}", fields="state,message,code")).body
    if state.get("state") == "failure":
        raise ApiError(400, str(state.get("code", "")), str(state.get("message", "")))


@route("GET", "/svms")
async def show(view: View) -> Page:
    return await _list(view)


@route("POST", "/svms")
async def create(view: View) -> Page:
    form = view.request.form
    body: dict[str, Any] = {"name": form.get("name").strip()}
    if form.get("comment").strip():
        body["comment"] = form.get("comment").strip()
    try:
        await job_outcome(view, await view.api.post(SVMS, body, return_timeout=15))
    except ApiError as exc:
        return await _list(view, exc.status, error=view.failure(exc), form=body)
    return redirect("/svms?done=svm-created")


@route("POST", "/svms/{uuid}/delete")
async def delete(view: View, uuid: str) -> Page:
    try:
        await job_outcome(view, await view.api.delete(f"{SVMS}/{uuid}", return_timeout=15))
    except ApiError as exc:
        return await _list(view, exc.status, error=view.failure(exc))
    return redirect("/svms?done=svm-deleted")
