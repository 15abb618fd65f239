"""Query-based PATCH and DELETE on a collection.

As ONTAP does it: the query selects the records, then the instance operation
runs on each in turn (one transaction each). At least one field must be given
as a query parameter. The answer is ``{"num_records": N}``, plus the jobs the
operations started.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import quote

from ontap_ipsec.rest import errors
from ontap_ipsec.rest.body import parse_body
from ontap_ipsec.rest.context import Context
from ontap_ipsec.rest.errors import OntapError
from ontap_ipsec.rest.http import Request, Response
from ontap_ipsec.rest.query import parse_query
from ontap_ipsec.rest.resource import Resource
from ontap_ipsec.store import records

_PASS_THROUGH = ("return_timeout", "return_records")


def enable_bulk(resource: Resource, *methods: str) -> None:
    for method in methods:
        resource.on("collection", method, summary=f"{method} every record the query selects.")(
            _bulk_handler(resource, method)
        )


def _bulk_handler(resource: Resource, method: str) -> Any:
    def handler(ctx: Context, request: Request) -> Response:
        return apply_to_matches(ctx, request, resource, method)

    return handler


def apply_to_matches(ctx: Context, request: Request, resource: Resource, method: str) -> Response:
    query = parse_query(request.query_string, resource, "bulk")
    if not query.filters:
        raise OntapError(
            400,
            errors.INVALID,
            f"{method} on a collection needs a query: give at least one field as a "
            "query parameter.",
        )
    if method == "PATCH":  # the body is judged even when the query selects nothing
        parse_body(request.body, resource, "patch")
    instance = resource.handlers[("instance", method)]
    keys = records.matching_keys(ctx.store, resource, query.filters, query.max_records)
    passed = "&".join(f"{k}={v}" for k, v in query.raw_params if k in _PASS_THROUGH)
    done = 0
    jobs: list[dict[str, Any]] = []
    for key_value in keys:
        sub = replace(
            request,
            path=resource.instance_href(quote(str(key_value), safe="")),
            query_string=passed,
            path_params={"key": str(key_value)},
        )
        try:
            response = instance(ctx, sub)
        except OntapError as exc:
            if exc.status == 404:  # gone meanwhile: nothing left to do for it
                continue
            if query.continue_on_failure:
                continue
            raise
        done += 1
        if isinstance(response.body, dict) and "job" in response.body:
            jobs.append(response.body["job"])
    body: dict[str, Any] = {"num_records": done}
    if jobs:
        body["jobs"] = jobs
    return Response(200, body)
