"""Generic GET: collections and instances of any declared resource.

Every read is planned (values validated and bound), then its SQL is taken from
the store's cache of compiled shapes, so a request pays for SQL compilation
only the first time its shape is seen.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql import util as sa_util

from ontap_ipsec.rest import errors
from ontap_ipsec.rest.context import Context
from ontap_ipsec.rest.http import Request, Response
from ontap_ipsec.rest.query import DEFAULT_MAX_RECORDS, Query, parse_query
from ontap_ipsec.rest.render import (
    RecordShape,
    collection_body,
    cursor_text,
    next_href,
    projection,
)
from ontap_ipsec.rest.resource import Field, Resource
from ontap_ipsec.store import compile as sqlc
from ontap_ipsec.store.prepared import Conn, Reader

_COLUMNS: dict[Any, _Columns] = {}


def _columns(resource: Resource, visible: Sequence[Field], extra: Sequence[Field]) -> _Columns:
    """The (memoised) column plan of a projection."""
    key = (id(resource), tuple(f.name for f in visible), tuple(f.name for f in extra))
    found = _COLUMNS.get(key)
    if found is None:
        found = _Columns(resource, visible, extra)
        if len(_COLUMNS) > 4096:
            _COLUMNS.clear()
        _COLUMNS[key] = found
    return found


class _Columns:
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
        self.key = tuple(f.name for f in self.selected)
        self.shape = RecordShape(resource, self.visible, self.index)

    def select(self) -> Any:
        columns = [f.column.label(f"c{i}") for i, f in enumerate(self.selected)]
        stmt = sa.select(*columns) if columns else sa.select(sa.literal(1).label("c0"))
        if self.resource.table is not None:
            stmt = stmt.select_from(self.resource.table)
        return stmt

    def record(self, row: Sequence[Any], hal: bool) -> dict[str, Any]:
        return self.shape.build(row, hal)


def _helper_names(resource: Resource) -> list[str]:
    names = [link.key for link in resource.links]
    if resource.key is not None:
        names.insert(0, resource.key)
    return names


def _limit() -> Any:
    return sa.bindparam("limit", value=None, type_=sa.Integer())


def list_records(ctx: Context, request: Request, resource: Resource) -> Response:
    query = parse_query(request.query_string, resource, "list")
    visible = projection(resource, query, instance=False)
    keys = sqlc.sort_keys(resource, query.order_by)
    plan = sqlc.Plan()
    shape = sqlc.plan_filters(resource, query.filters, plan)
    reader = ctx.store.reader
    if query.return_records is False:
        prepared = reader.prepare(
            ("count", resource.name, shape), lambda: _count_select(resource, shape)
        )
        total = reader.fetch(prepared, plan.values)[0][0]
        body: dict[str, Any] = {"num_records": total}
        if request.hal:
            body["_links"] = {"self": {"href": request.target}}
        return Response(200, body)
    cursor = sqlc.plan_cursor(keys, query.start, plan) if query.start else None
    columns = _columns(resource, visible, [f for f, _ in keys])
    order = tuple((f.name, d) for f, d in keys)

    def build() -> Any:
        stmt = columns.select().where(sqlc.build_where(resource, shape))
        if cursor is not None:
            stmt = stmt.where(sqlc.build_cursor(keys, cursor))
        return stmt.order_by(*sqlc.order_clauses(keys, resource.key)).limit(_limit())

    prepared = reader.prepare(("list", resource.name, columns.key, shape, order, cursor), build)
    limit = query.max_records or DEFAULT_MAX_RECORDS
    plan.values["limit"] = limit + 1
    rows = reader.fetch(prepared, plan.values)
    hal = request.hal
    records = [columns.record(row, hal) for row in rows[:limit]]
    link = None
    if len(rows) > limit:
        link = next_href(request.path, query, _cursor(columns, keys, rows[limit]))
    return Response(
        200, collection_body(records, self_href=request.target, next_href=link, hal=hal)
    )


def _count_select(resource: Resource, shape: Any) -> Any:
    where = sqlc.build_where(resource, shape)
    table = resource.table
    # A LEFT OUTER JOIN to a unique key adds no rows: when no filter reads the
    # joined table, count the base table alone.
    if isinstance(table, sa.Join) and table.isouter:
        used = set(sa_util.find_tables(where, check_columns=True, include_joins=False))
        if used <= {table.left}:
            table = table.left
    stmt = sa.select(sa.func.count())
    if table is not None:
        stmt = stmt.select_from(table)
    return stmt.where(where)


def _cursor(columns: _Columns, keys: Sequence[sqlc.SortKey], row: Sequence[Any]) -> dict[str, str]:
    start: dict[str, str] = {}
    for fld, _ in keys:
        value = row[columns.index[fld.name]]
        if value is not None:
            start[fld.name] = cursor_text(fld, value)
    return start


def get_record(ctx: Context, request: Request, resource: Resource) -> Response:
    query = parse_query(request.query_string, resource, "get")
    key_value = request.path_params.get("key")
    record = fetch_record(ctx.store.reader, resource, key_value, query, hal=request.hal)
    if record is None:
        raise errors.not_found(resource.not_found_target)
    return Response(200, record)


def fetch_record(
    reader: Reader,
    resource: Resource,
    key_value: str | None,
    query: Query | None = None,
    *,
    hal: bool = True,
    conn: Conn | None = None,
) -> dict[str, Any] | None:
    """One record by key (or the singleton), projected as an instance GET is.

    With `conn`, it reads inside that (write) transaction.
    """
    visible = projection(resource, query or Query(), instance=True)
    columns = _columns(resource, visible, [])

    def build() -> Any:
        stmt = columns.select().where(sqlc.build_where(resource, ()))
        if resource.key is not None:
            stmt = stmt.where(resource.key_field().column == sa.bindparam("key", value=None))
        return stmt.limit(_limit())

    prepared = reader.prepare(("one", resource.name, columns.key), build)
    rows = reader.fetch(prepared, {"key": key_value, "limit": 1}, conn)
    return columns.record(rows[0], hal) if rows else None


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
