"""Generic GET: collections and instances of any declared resource."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ontap_ipsec.rest import errors
from ontap_ipsec.rest.context import Context
from ontap_ipsec.rest.http import Request, Response
from ontap_ipsec.rest.query import DEFAULT_MAX_RECORDS, Query, parse_query
from ontap_ipsec.rest.render import (
    build_record,
    collection_body,
    cursor_text,
    next_href,
    projection,
)
from ontap_ipsec.rest.resource import Field, Resource
from ontap_ipsec.store import compile as sqlc


class _Plan:
    """Which columns a read selects: the visible fields plus hidden helpers."""

    def __init__(self, resource: Resource, visible: Sequence[Field], extra: Sequence[Field]):
        self.resource = resource
        self.visible = list(visible)
        helpers = [resource.by_name[n] for n in _helper_names(resource)]
        seen: set[str] = set()
        self.selected: list[Field] = []
        for fld in [*self.visible, *helpers, *extra]:
            if fld.column is not None and fld.name not in seen:
                seen.add(fld.name)
                self.selected.append(fld)
        self.index = {f.name: i for i, f in enumerate(self.selected)}

    def statement(self) -> sa.Select[Any]:
        cols = [f.column.label(f"c{i}") for i, f in enumerate(self.selected)]
        stmt = sa.select(*cols)
        if self.resource.table is not None:
            stmt = stmt.select_from(self.resource.table)
        return stmt

    def record(self, row: Sequence[Any], hal: bool) -> dict[str, Any]:
        values = [None if f.column is None else row[self.index[f.name]] for f in self.visible]
        hidden = {name: row[i] for name, i in self.index.items()}
        return build_record(self.resource, self.visible, values, hidden, hal=hal)


def _helper_names(resource: Resource) -> list[str]:
    names = [link.key for link in resource.links]
    if resource.key is not None:
        names.insert(0, resource.key)
    return names


def list_records(ctx: Context, request: Request, resource: Resource) -> Response:
    query = parse_query(request.query_string, resource, "list")
    visible = projection(resource, query, instance=False)
    keys = sqlc.sort_keys(resource, query.order_by)
    where = sqlc.where_clause(resource, query.filters)
    with ctx.store.read() as conn:
        if query.return_records is False:
            return Response(200, _count_body(conn, resource, where, request))
        plan = _Plan(resource, visible, [f for f, _ in keys])
        stmt = plan.statement().where(where)
        if query.start:
            stmt = stmt.where(sqlc.cursor_condition(keys, query.start))
        limit = query.max_records or DEFAULT_MAX_RECORDS
        stmt = stmt.order_by(*sqlc.order_clauses(keys, resource.key)).limit(limit + 1)
        rows = conn.execute(stmt).all()
    hal = request.hal
    records = [plan.record(row, hal) for row in rows[:limit]]
    link = None
    if len(rows) > limit:
        link = next_href(request.path, query, _cursor(plan, keys, rows[limit]))
    return Response(
        200, collection_body(records, self_href=request.target, next_href=link, hal=hal)
    )


def _cursor(plan: _Plan, keys: Sequence[sqlc.SortKey], row: Sequence[Any]) -> dict[str, str]:
    start: dict[str, str] = {}
    for fld, _ in keys:
        value = row[plan.index[fld.name]]
        if value is not None:
            start[fld.name] = cursor_text(fld, value)
    return start


def _count_body(conn: Connection, resource: Resource, where: Any, request: Request) -> Any:
    stmt = sa.select(sa.func.count())
    if resource.table is not None:
        stmt = stmt.select_from(resource.table)
    total = conn.execute(stmt.where(where)).scalar_one()
    body: dict[str, Any] = {"num_records": total}
    if request.hal:
        body["_links"] = {"self": {"href": request.target}}
    return body


def get_record(ctx: Context, request: Request, resource: Resource) -> Response:
    query = parse_query(request.query_string, resource, "get")
    key_value = request.path_params.get("key")
    with ctx.store.read() as conn:
        record = fetch_record(conn, resource, key_value, query, hal=request.hal)
    if record is None:
        raise errors.not_found(resource.not_found_target)
    return Response(200, record)


def fetch_record(
    conn: Connection,
    resource: Resource,
    key_value: str | None,
    query: Query | None = None,
    *,
    hal: bool = True,
) -> dict[str, Any] | None:
    """One record by key (or the singleton), projected as an instance GET is."""
    visible = projection(resource, query or Query(), instance=True)
    plan = _Plan(resource, visible, [])
    stmt = plan.statement().where(sqlc.where_clause(resource, []))
    if resource.key is not None:
        stmt = stmt.where(resource.key_field().column == key_value)
    row = conn.execute(stmt.limit(1)).first()
    return None if row is None else plan.record(row, hal)


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
