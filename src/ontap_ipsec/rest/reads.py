"""Generic GET: collections and instances of any declared resource.

Parse the query, ask the store for rows (:mod:`ontap_ipsec.store.records`),
render them as records. The rows' SQL is the store's; the wire is here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ontap_ipsec.rest import errors
from ontap_ipsec.rest.context import Context
from ontap_ipsec.rest.http import Request, Response
from ontap_ipsec.rest.query import DEFAULT_MAX_RECORDS, Operation, Query, parse_query
from ontap_ipsec.rest.render import (
    RecordShape,
    collection_body,
    cursor_text,
    next_href,
    projection,
)
from ontap_ipsec.rest.resource import Resource
from ontap_ipsec.store import compile as sqlc
from ontap_ipsec.store import records as store_records
from ontap_ipsec.store.engine import Store


def _shape(resource: Resource, columns: store_records.Columns) -> RecordShape:
    """How rows of `columns` become records; made once per column plan, kept with it."""
    found: RecordShape | None = columns.rendering
    if found is None:
        found = columns.rendering = RecordShape(resource, columns.visible, columns.index)
    return found


def list_records(ctx: Context, request: Request, resource: Resource) -> Response:
    query = parse_query(request.query_string, resource, "list")
    visible = projection(resource, query, instance=False)
    keys = sqlc.sort_keys(resource, query.order_by)
    store = ctx.store
    if query.return_records is False:
        body: dict[str, Any] = {"num_records": store_records.count(store, resource, query.filters)}
        if request.hal:
            body["_links"] = {"self": {"href": request.target}}
        return Response(200, body)
    columns = store_records.columns_of(resource, visible, [f for f, _ in keys])
    limit = query.max_records or DEFAULT_MAX_RECORDS
    found = store_records.page(
        store, resource, columns, query.filters, keys, query.start or None, limit
    )
    hal = request.hal
    shape = _shape(resource, columns)
    records = [shape.build(row, hal) for row in found.rows]
    link = None
    if found.following is not None:
        link = next_href(request.path, query, _cursor(columns, keys, found.following))
    return Response(
        200, collection_body(records, self_href=request.target, next_href=link, hal=hal)
    )


def _cursor(
    columns: store_records.Columns, keys: Sequence[sqlc.SortKey], row: Sequence[Any]
) -> dict[str, str]:
    start: dict[str, str] = {}
    for fld, _ in keys:
        value = row[columns.index[fld.name]]
        if value is not None:
            start[fld.name] = cursor_text(fld, value)
    return start


def get_record(ctx: Context, request: Request, resource: Resource) -> Response:
    operation: Operation = "singleton" if resource.singleton else "get"
    query = parse_query(request.query_string, resource, operation)
    key_value = request.path_params.get("key")
    record = fetch_record(ctx.store, resource, key_value, query, hal=request.hal)
    if record is None:
        raise errors.not_found(resource.not_found_target)
    return Response(200, record)


def fetch_record(
    store: Store,
    resource: Resource,
    key_value: str | None,
    query: Query | None = None,
    *,
    hal: bool = True,
) -> dict[str, Any] | None:
    """One record by key (or the singleton), projected as an instance GET is."""
    visible = projection(resource, query or Query(), instance=True)
    columns = store_records.columns_of(resource, visible, [])
    row = store_records.one(store, resource, columns, key_value)
    return _shape(resource, columns).build(row, hal) if row is not None else None


def records_body(records: list[dict[str, Any]]) -> dict[str, Any]:
    """The `return_records=true` body of a POST."""
    return {"num_records": len(records), "records": records}


def enable_reads(resource: Resource, *, collection: bool = True, instance: bool = True) -> None:
    """Register the generic GET handlers of a resource."""
    if resource.singleton:
        resource.on("collection", "GET")(lambda ctx, req: get_record(ctx, req, resource))
        return
    if collection:
        resource.on("collection", "GET")(lambda ctx, req: list_records(ctx, req, resource))
    if instance:
        resource.on("instance", "GET")(lambda ctx, req: get_record(ctx, req, resource))
