"""The reads of any declared resource as SQL: a page, a count, one record, keys.

Every read is planned (values validated and bound, by :mod:`.compile`), then its
SQL is taken from the store's cache of compiled shapes, so a request pays for
SQL compilation only the first time its shape is seen. What comes back is rows
and the position of each field in them; turning rows into records is the REST
layer's (:class:`ontap_ipsec.rest.render.RecordShape`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.sql import util as sa_util

from ontap_ipsec.store import compile as sqlc
from ontap_ipsec.store import visibility as vis

if TYPE_CHECKING:
    from ontap_ipsec.rest.query import Filter
    from ontap_ipsec.rest.resource import Field, Resource
    from ontap_ipsec.store.engine import Store
    from ontap_ipsec.store.prepared import Tx

_COLUMNS: dict[Any, Columns] = {}


def columns_of(resource: Resource, visible: Sequence[Field], extra: Sequence[Field]) -> Columns:
    """The (memoised) column plan of a projection."""
    key = (id(resource), tuple(f.name for f in visible), tuple(f.name for f in extra))
    found = _COLUMNS.get(key)
    if found is None:
        found = Columns(resource, visible, extra)
        if len(_COLUMNS) > 4096:
            _COLUMNS.clear()
        _COLUMNS[key] = found
    return found


class Columns:
    """Which columns a read selects: the visible fields plus hidden helpers
    (the key and the fields links are made of)."""

    def __init__(self, resource: Resource, visible: Sequence[Field], extra: Sequence[Field]):
        self.resource = resource
        self.visible = list(visible)
        helpers = [resource.by_name[n] for n in _helper_names(resource)]
        seen: set[str] = set()
        self.selected: list[Field] = []
        for fld in [*self.visible, *helpers, *extra]:
            if fld.stored and fld.name not in seen:
                seen.add(fld.name)
                self.selected.append(fld)
        self.index = {f.name: i for i, f in enumerate(self.selected)}
        self.key = tuple(f.name for f in self.selected)
        self.rendering: Any = None  # how the REST layer renders these rows, kept with them

    def select(self) -> Any:
        columns = [f.column.label(f"c{i}") for i, f in enumerate(self.selected)]
        stmt = sa.select(*columns) if columns else sa.select(sa.literal(1).label("c0"))
        if self.resource.table is not None:
            stmt = stmt.select_from(self.resource.table)
        return stmt


def _helper_names(resource: Resource) -> list[str]:
    names = [link.key for link in resource.links]
    if resource.key is not None:
        names.insert(0, resource.key)
    return names


def _limit() -> Any:
    return sa.bindparam("limit", value=None, type_=sa.Integer())


@dataclass
class Page:
    rows: Sequence[Any]  # at most `limit` rows
    following: Sequence[Any] | None  # the first row of the next page, if there is one


def _seen(plan: sqlc.Plan) -> vis.Visibility:
    """The request's visibility (store/visibility.py), its values bound into `plan`."""
    seen = vis.current()
    if seen.restricted:
        plan.values.update(seen.values())
    return seen


def _where(resource: Resource, shape: Any, seen: vis.Visibility) -> Any:
    where = sqlc.build_where(resource, shape)
    if seen.restricted:
        where = sa.and_(where, vis.condition(resource.view, seen))
    return where


def count(store: Store, resource: Resource, filters: Sequence[Filter]) -> int:
    plan = sqlc.Plan()
    shape = sqlc.plan_filters(resource, filters, plan)
    seen = _seen(plan)
    prepared = store.prepare(
        ("count", resource.name, shape, seen.shape), lambda: count_select(resource, shape, seen)
    )
    return int(store.rows(prepared, plan.values)[0][0])


def page(
    store: Store,
    resource: Resource,
    columns: Columns,
    filters: Sequence[Filter],
    keys: Sequence[sqlc.SortKey],
    start: dict[str, str] | None,
    limit: int,
) -> Page:
    """One page of rows in the order of `keys`, from the cursor `start` on."""
    plan = sqlc.Plan()
    shape = sqlc.plan_filters(resource, filters, plan)
    cursor = sqlc.plan_cursor(keys, start, plan) if start else None
    order = tuple((f.name, d) for f, d in keys)
    seen = _seen(plan)

    def build() -> Any:
        stmt = columns.select().where(_where(resource, shape, seen))
        if cursor is not None:
            stmt = stmt.where(sqlc.build_cursor(keys, cursor))
        return stmt.order_by(*sqlc.order_clauses(keys, resource.key)).limit(_limit())

    key = ("list", resource.name, columns.key, shape, order, cursor, seen.shape)
    prepared = store.prepare(key, build)
    plan.values["limit"] = limit + 1
    rows = store.rows(prepared, plan.values)
    return Page(rows[:limit], rows[limit] if len(rows) > limit else None)


def count_select(resource: Resource, shape: Any, seen: vis.Visibility = vis.EVERYTHING) -> Any:
    where = _where(resource, shape, seen)
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


def one(
    store: Store, resource: Resource, columns: Columns, key_value: str | None, tx: Tx | None = None
) -> Any:
    """The row of one record by key (or the singleton's), or None."""

    plan = sqlc.Plan()
    seen = _seen(plan)

    def build() -> Any:
        stmt = columns.select()
        if resource.key is not None:
            stmt = stmt.where(resource.key_field().column == sa.bindparam("key", value=None))
        if seen.restricted:
            stmt = stmt.where(vis.condition(resource.view, seen))
        return stmt.limit(_limit())

    prepared = store.prepare(("one", resource.name, columns.key, seen.shape), build)
    values = {"key": key_value, "limit": 1, **plan.values}
    rows = tx.rows(prepared, values) if tx is not None else store.rows(prepared, values)
    return rows[0] if rows else None


def matching_keys(
    store: Store, resource: Resource, filters: Sequence[Filter], limit: int | None
) -> list[Any]:
    """The keys of the records `filters` select, in key order (query-based PATCH/DELETE)."""
    plan = sqlc.Plan()
    shape = sqlc.plan_filters(resource, filters, plan)
    key = resource.key_field()
    seen = _seen(plan)

    def build() -> Any:
        stmt = sa.select(key.column.label("k"))
        if resource.table is not None:
            stmt = stmt.select_from(resource.table)
        stmt = stmt.where(_where(resource, shape, seen)).order_by(key.column)
        return stmt.limit(_limit()) if limit else stmt

    prepared = store.prepare(("keys", resource.name, shape, bool(limit), seen.shape), build)
    if limit:
        plan.values["limit"] = limit
    return [row[0] for row in store.rows(prepared, plan.values)]
