"""Job progression over the control API.

``GET/PUT /_ontap-ipsec/jobs/progression``
    How new jobs progress: ``{"mode": "immediate"}`` (the default), ``{"mode": "time",
    "queued": 0.5, "running": 1}`` (seconds), ``{"mode": "polls", "queued": 1,
    "running": 1}`` (GETs of the job), ``{"mode": "manual"}``.
``GET /_ontap-ipsec/jobs/<uuid>``
    How a job progressed: ``{"state", "mode", "polls", "answered": [states its GETs saw]}``.
``POST /_ontap-ipsec/jobs/<uuid>/step``
    Move a queued or running job on: to its next state, or to ``{"state": "running" |
    "success" | "failure", "message": ..., "code": ...}``.
``GET/POST/DELETE /_ontap-ipsec/jobs/rules``, ``GET/DELETE /_ontap-ipsec/jobs/rules/<id>``
    The rules that make jobs fail with an ONTAP-shaped error (see
    :mod:`ontap_ipsec.domain.backends.job_rules`).
"""

from __future__ import annotations

from typing import Any

from ontap_ipsec.control.bodies import json_object
from ontap_ipsec.control.routes import route
from ontap_ipsec.domain.backends.job_rules import Failure, check_rule
from ontap_ipsec.domain.backends.jobs import DEFAULT_FAILURE
from ontap_ipsec.rest import errors
from ontap_ipsec.rest.context import Context
from ontap_ipsec.rest.errors import OntapError
from ontap_ipsec.rest.http import Request, Response

PROGRESSION = "/_ontap-ipsec/jobs/progression"
RULES = "/_ontap-ipsec/jobs/rules"
JOB = "/_ontap-ipsec/jobs/"


@route(PROGRESSION, "GET")
def get_progression(ctx: Context, _request: Request) -> Response:
    return Response(200, ctx.backends.jobs.rules.progression().describe())


@route(PROGRESSION, "PUT")
def set_progression(ctx: Context, request: Request) -> Response:
    progression = ctx.backends.jobs.rules.set_progression(json_object(request.body))
    return Response(200, progression.describe())


@route(RULES, "GET")
def list_rules(ctx: Context, _request: Request) -> Response:
    records = [r.describe() for r in ctx.backends.jobs.rules.rules()]
    return Response(200, {"records": records, "num_records": len(records)})


@route(RULES, "POST")
def add_rule(ctx: Context, request: Request) -> Response:
    rule = ctx.backends.jobs.rules.add_rule(json_object(request.body))
    return Response(201, rule.describe(), {"location": f"{RULES}/{rule.id}"})


@route(RULES, "DELETE")
def clear_rules(ctx: Context, _request: Request) -> Response:
    ctx.backends.jobs.rules.clear_rules()
    return Response(200, {})


def _rule_id(request: Request) -> int:
    raw = request.path[len(RULES + "/") :]
    if not raw.isdigit():
        raise OntapError(404, errors.ENTRY_NOT_FOUND, "entry doesn't exist", target="id")
    return int(raw)


@route(RULES + "/", "GET")
def get_rule(ctx: Context, request: Request) -> Response:
    return Response(200, ctx.backends.jobs.rules.rule(_rule_id(request)).describe())


@route(RULES + "/", "DELETE")
def remove_rule(ctx: Context, request: Request) -> Response:
    ctx.backends.jobs.rules.remove_rule(_rule_id(request))
    return Response(200, {})


def _job_path(request: Request, action: str) -> str:
    job_uuid, _, rest = request.path[len(JOB) :].partition("/")
    if rest != action or not job_uuid:
        raise OntapError(404, errors.NOT_SUPPORTED, "API not found")
    return job_uuid


@route(JOB, "GET")
def progress(ctx: Context, request: Request) -> Response:
    """A job's progression: state, mode, polls counted and the states they were answered."""
    return Response(200, ctx.backends.jobs.progress(_job_path(request, "")))


@route(JOB, "POST")
def step(ctx: Context, request: Request) -> Response:
    job_uuid = _job_path(request, "step")
    body: dict[str, Any] = json_object(request.body, empty_ok=True)
    for name in body:
        if name not in ("state", "message", "code"):
            raise OntapError(400, errors.UNEXPECTED_ARGUMENT, f'Unexpected argument "{name}".')
    failure = None
    if "message" in body or "code" in body:
        failure = _failure(body)
    state = ctx.backends.jobs.step(job_uuid, body.get("state"), failure)
    return Response(200, {"uuid": job_uuid, "state": state})


def _failure(body: dict[str, Any]) -> Failure:
    """The message and code a step to failure gives, checked as a rule's are."""
    given = {"path": "/", "message": body.get("message", DEFAULT_FAILURE.message)}
    if "code" in body:
        given["code"] = body["code"]
    values = check_rule(given)
    return Failure(values["message"], values["code"])
