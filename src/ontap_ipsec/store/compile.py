"""Query -> SQL: ONTAP filters, ordering and keyset cursors as SQL conditions.

Unset fields never match a comparison (ONTAP: "fields that are not set are
generally excluded from matching queries"); only ``null`` selects them. In
ordering, an unset value sorts before every set one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from ontap_ipsec.rest import errors
from ontap_ipsec.rest.errors import OntapError
from ontap_ipsec.rest.query import Alternative, Filter
from ontap_ipsec.rest.resource import Field, Resource

SortKey = tuple[Field, bool]  # (field, descending)


def where_clause(resource: Resource, filters: Sequence[Filter]) -> Any:
    conditions = [_filter(resource.by_name[f.field], f) for f in filters]
    if resource.base_where is not None:
        conditions.insert(0, resource.base_where)
    return sa.and_(sa.true(), *conditions)


def _filter(fld: Field, flt: Filter) -> Any:
    if fld.exists is not None:
        return sa.or_(*[_element_alternative(fld, alt) for alt in flt.alternatives])
    if fld.column is None:
        return sa.true() if _matches_constant(fld, flt.alternatives) else sa.false()
    return sa.or_(*[_alternative(fld, alt, fld.column) for alt in flt.alternatives])


def _element_alternative(fld: Field, alt: Alternative) -> Any:
    """An array matches when one of its elements does; `null` means no element."""
    assert fld.exists is not None
    if alt.op == "null":
        return sa.not_(fld.exists(lambda _col: sa.true()))
    if alt.op == "notnull":
        return fld.exists(lambda _col: sa.true())
    element = Field(fld.name, fld.items)
    return fld.exists(lambda col: _alternative(element, alt, col))


def _alternative(fld: Field, alt: Alternative, col: Any) -> Any:
    if alt.op == "null":
        return col.is_(None)
    if alt.op == "notnull":
        return col.is_not(None)
    if alt.op in ("like", "unlike"):
        text_col = col if fld.type == "string" else sa.cast(col, sa.String)
        pattern = _like_pattern(alt.value)
        cond = text_col.like(pattern, escape="\\")
        return cond if alt.op == "like" else sa.and_(col.is_not(None), sa.not_(cond))
    value = convert(fld, alt.value)
    if alt.op == "eq":
        return col == value
    if alt.op == "ne":
        return sa.and_(col.is_not(None), col != value)
    if alt.op == "lt":
        return col < value
    if alt.op == "gt":
        return col > value
    if alt.op == "le":
        return col <= value
    if alt.op == "ge":
        return col >= value
    high = convert(fld, alt.high)
    return col.between(value, high)


def _like_pattern(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped.replace("*", "%")


def convert(fld: Field, value: str) -> Any:
    """A filter or cursor value as the Python value of the field's type."""
    if fld.type == "integer":
        try:
            return int(value)
        except ValueError:
            raise errors.invalid_query_value(fld.name, value, "<integer>") from None
    if fld.type == "boolean":
        lowered = value.lower()
        if lowered not in ("true", "false"):
            raise errors.invalid_query_value(fld.name, value, "true|false")
        return lowered == "true"
    if fld.type == "datetime":
        return parse_datetime(fld.name, value)
    if fld.enum is not None and value not in fld.enum:
        raise errors.invalid_query_value(fld.name, value, "|".join(fld.enum))
    return value


def parse_datetime(name: str, value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise errors.invalid_query_value(name, value, "<ISO 8601 date-time>") from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def _matches_constant(fld: Field, alternatives: Sequence[Alternative]) -> bool:
    value = fld.constant
    unset = value is None or value == []
    for alt in alternatives:
        if alt.op == "null" and unset:
            return True
        if alt.op == "notnull" and not unset:
            return True
        if alt.op == "eq" and not unset and str(value).lower() == alt.value.lower():
            return True
    return False


def sort_keys(resource: Resource, order_by: Sequence[tuple[str, bool]]) -> list[SortKey]:
    keys: list[SortKey] = []
    for name, descending in order_by:
        fld = resource.by_name.get(name)
        if fld is None or fld.column is None or not fld.gettable or fld.type == "array":
            raise OntapError(
                400,
                errors.BAD_ORDER_BY,
                f'The field "{name}" is not supported as an order_by= field.',
                target="order_by",
            )
        keys.append((fld, descending))
    if resource.key is not None and all(f.name != resource.key for f, _ in keys):
        keys.append((resource.key_field(), False))
    return keys


def order_clauses(keys: Sequence[SortKey], key_name: str | None) -> list[Any]:
    clauses = []
    for fld, descending in keys:
        if fld.name == key_name:  # never null: keep the plain form an index serves
            clauses.append(fld.column.desc() if descending else fld.column.asc())
        elif descending:
            clauses.append(fld.column.desc().nulls_last())
        else:
            clauses.append(fld.column.asc().nulls_first())
    return clauses


def cursor_condition(keys: Sequence[SortKey], start: dict[str, str]) -> Any:
    """Rows at or after the cursor, in the order of `keys` (nulls smallest).

    The cursor names the first record of the page (inclusive); a sort field
    absent from it stands for an unset value.
    """
    known = {fld.name for fld, _ in keys}
    for name in start:
        if name not in known:
            raise errors.unexpected_argument(f"start.{name}")
    values = [
        (fld, desc, None if fld.name not in start else convert(fld, start[fld.name]))
        for fld, desc in keys
    ]
    branches = []
    for i, (fld, desc, value) in enumerate(values):
        prefix = [_equal(f, v) for f, _, v in values[:i]]
        last = i == len(values) - 1
        after = _after_or_at(fld, desc, value) if last else _after(fld, desc, value)
        branches.append(sa.and_(*prefix, after))
    return sa.or_(*branches)


def _equal(fld: Field, value: Any) -> Any:
    return fld.column.is_(None) if value is None else fld.column == value


def _after(fld: Field, desc: bool, value: Any) -> Any:
    col = fld.column
    if value is None:
        return sa.false() if desc else col.is_not(None)
    if desc:
        return sa.or_(col < value, col.is_(None))
    return col > value


def _after_or_at(fld: Field, desc: bool, value: Any) -> Any:
    return sa.or_(_after(fld, desc, value), _equal(fld, value))
