"""Query -> SQL: ONTAP filters, ordering and keyset cursors as SQL conditions.

Compilation runs in two steps so that the SQL of a query *shape* is built and
compiled once: a plan step turns the filters and cursor into a structural key
plus the bound values (cheap, per request), and a build step turns the key into
SQLAlchemy clauses with named bind parameters (once per shape, then cached).

Unset fields never match a comparison (ONTAP: "fields that are not set are
generally excluded from matching queries"); only ``null`` selects them. In
ordering, an unset value sorts before every set one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from ontap_ipsec.domain import errors
from ontap_ipsec.rest.query import Alternative, Filter
from ontap_ipsec.rest.resource import INTEGER_MAX, INTEGER_MIN, Field, Resource

SortKey = tuple[Field, bool]  # (field, descending)
_VALUE_OPS = frozenset({"eq", "ne", "lt", "gt", "le", "ge", "like", "unlike"})


@dataclass
class Plan:
    """The shape of a query (hashable `key`) and the values it binds."""

    values: dict[str, Any] = field(default_factory=dict)
    count: int = 0

    def bind(self, value: Any) -> None:
        self.values[f"b{self.count}"] = value
        self.count += 1


def _bind(name: str, fld: Field) -> Any:
    col_type = fld.column.type if fld.column is not None else sa.String()
    return sa.bindparam(name, value=None, type_=_bind_type(col_type))


def _bind_type(col_type: Any) -> Any:
    """The type a bound value is given: the column's, but text without its collation.

    PostgreSQL's text columns are `COLLATE "C"` (tables.py); a value bound with that type
    is rendered `$1::VARCHAR COLLATE "C"`, which PostgreSQL's grammar refuses as a bound
    of BETWEEN. The column's own collation decides the comparison either way.
    """
    if isinstance(col_type, sa.String):
        return sa.String()
    return col_type


# -- filters ---------------------------------------------------------------


def plan_filters(resource: Resource, filters: Sequence[Filter], plan: Plan) -> tuple[Any, ...]:
    """Validate and convert the filter values; return the filters' shape."""
    shape: list[Any] = []
    for flt in filters:
        fld = resource.by_name[flt.field]
        if fld.exists is None and fld.column is None:
            shape.append((flt.field, "const", _matches_constant(fld, flt.alternatives)))
            continue
        element = Field(fld.name, fld.items) if fld.exists is not None else fld
        ops = []
        for alt in flt.alternatives:
            if "\x00" in alt.value or "\x00" in alt.high:
                # No stored value holds NUL: an equality never matches, a negation
                # matches every set value.
                ops.append("notnull" if alt.op in ("ne", "unlike") else "never")
                continue
            ops.append(alt.op)
            if alt.op in ("like", "unlike"):
                plan.bind(_like_pattern(alt.value))
            elif alt.op in _VALUE_OPS:
                plan.bind(convert(element, alt.value))
            elif alt.op == "range":
                plan.bind(convert(element, alt.value))
                plan.bind(convert(element, alt.high))
        shape.append((flt.field, tuple(ops)))
    return tuple(shape)


def build_where(resource: Resource, shape: tuple[Any, ...]) -> Any:
    counter = iter(range(1_000_000))
    conditions: list[Any] = []
    for item in shape:
        fld = resource.by_name[item[0]]
        if item[1] == "const":
            conditions.append(sa.true() if item[2] else sa.false())
        elif fld.exists is not None:
            conditions.append(sa.or_(*[_element(fld, op, counter) for op in item[1]]))
        else:
            conditions.append(
                sa.or_(*[_alternative(fld, op, fld.column, counter) for op in item[1]])
            )
    return sa.and_(sa.true(), *conditions)


def _element(fld: Field, op: str, counter: Any) -> Any:
    """An array matches when one of its elements does; `null` means no element."""
    assert fld.exists is not None
    if op == "null":
        return sa.not_(fld.exists(lambda _col: sa.true()))
    if op == "notnull":
        return fld.exists(lambda _col: sa.true())
    element = Field(fld.name, fld.items)
    names = _names(op, counter)
    return fld.exists(lambda col: _compare(element, op, col, names))


def _names(op: str, counter: Any) -> list[str]:
    if op in _VALUE_OPS:
        return [f"b{next(counter)}"]
    if op == "range":
        return [f"b{next(counter)}", f"b{next(counter)}"]
    return []


def _alternative(fld: Field, op: str, col: Any, counter: Any) -> Any:
    return _compare(fld, op, col, _names(op, counter))


def _compare(fld: Field, op: str, col: Any, names: list[str]) -> Any:
    if op == "never":
        return sa.false()
    if op == "null":
        return col.is_(None)
    if op == "notnull":
        return col.is_not(None)
    if op in ("like", "unlike"):
        text_col = col if fld.type == "string" else sa.cast(col, sa.String)
        cond = text_col.like(sa.bindparam(names[0], value=None, type_=sa.String()), escape="\\")
        return cond if op == "like" else sa.and_(col.is_not(None), sa.not_(cond))
    value = sa.bindparam(names[0], value=None, type_=_bind_type(col.type))
    if op == "eq":
        return col == value
    if op == "ne":
        return sa.and_(col.is_not(None), col != value)
    if op == "lt":
        return col < value
    if op == "gt":
        return col > value
    if op == "le":
        return col <= value
    if op == "ge":
        return col >= value
    high = sa.bindparam(names[1], value=None, type_=_bind_type(col.type))
    return col.between(value, high)


def _like_pattern(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped.replace("*", "%")


def convert(fld: Field, value: str) -> Any:
    """A filter or cursor value as the Python value of the field's type."""
    if fld.type == "integer":
        try:
            number = int(value)
        except ValueError:
            raise errors.invalid_field_value(fld.name, value, "<integer>") from None
        if not INTEGER_MIN <= number <= INTEGER_MAX:  # no stored value is out of this range
            raise errors.invalid_field_value(fld.name, value, "a 64-bit <integer>")
        return number
    if fld.type == "boolean":
        lowered = value.lower()
        if lowered not in ("true", "false"):
            raise errors.invalid_field_value(fld.name, value, "true|false")
        return lowered == "true"
    if fld.type == "datetime":
        return parse_datetime(fld.name, value)
    if fld.enum is not None and value not in fld.enum:
        raise errors.invalid_field_value(fld.name, value, "|".join(fld.enum))
    return value


def parse_datetime(name: str, value: str) -> datetime:
    # A '+' sent unencoded in a query string arrives as a space ("...T10:00:00 02:00").
    text = re.sub(r" (\d\d:?\d\d)$", r"+\1", value.strip()).replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise errors.invalid_field_value(name, value, "<ISO 8601 date-time>") from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def _matches_constant(fld: Field, alternatives: Sequence[Alternative]) -> bool:
    """Evaluate a filter on a field whose value is the same for every record."""
    value = fld.constant
    unset = value is None or value == []
    return any(_constant_alternative(fld, alt, value, unset) for alt in alternatives)


def _constant_alternative(fld: Field, alt: Alternative, value: Any, unset: bool) -> bool:
    if alt.op == "null":
        return unset
    if alt.op == "notnull":
        return not unset
    if alt.op in ("like", "unlike"):
        matched = not unset and _wildcard(alt.value).fullmatch(_text(value)) is not None
        return matched if alt.op == "like" else (not unset and not matched)
    wanted = convert(fld, alt.value)
    if unset or "\x00" in alt.value:
        return False
    if alt.op == "range":
        return bool(wanted <= value <= convert(fld, alt.high))
    compare = {
        "eq": value == wanted,
        "ne": value != wanted,
        "lt": value < wanted,
        "gt": value > wanted,
        "le": value <= wanted,
        "ge": value >= wanted,
    }
    return bool(compare[alt.op])


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _wildcard(pattern: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")), re.DOTALL)


# -- ordering and cursors --------------------------------------------------


def sort_keys(resource: Resource, order_by: Sequence[tuple[str, bool]]) -> list[SortKey]:
    keys: list[SortKey] = []
    for name, descending in order_by:
        fld = resource.by_name.get(name)
        if fld is None or not fld.stored or not fld.gettable or fld.type == "array":
            raise errors.bad_order_by(name)
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


def plan_cursor(keys: Sequence[SortKey], start: dict[str, str], plan: Plan) -> tuple[bool, ...]:
    """Bind the cursor's values; the shape says which sort fields it sets."""
    known = {fld.name for fld, _ in keys}
    for name in start:
        if name not in known:
            raise errors.unexpected_argument(f"start.{name}")
    present = []
    for i, (fld, _desc) in enumerate(keys):
        if fld.name in start:
            if "\x00" in start[fld.name]:
                # No stored value holds NUL, so no cursor of ours does; PostgreSQL could not
                # even bind it. Refused alike on both backends.
                shown = start[fld.name].replace("\x00", "\\0")
                raise errors.invalid_field_value(
                    f"start.{fld.name}", shown, "NUL characters are not allowed"
                )
            plan.values[f"c{i}"] = convert(fld, start[fld.name])
            present.append(True)
        else:
            present.append(False)
    return tuple(present)


def build_cursor(keys: Sequence[SortKey], present: tuple[bool, ...]) -> Any:
    """Rows at or after the cursor, in the order of `keys` (nulls smallest).

    The cursor names the first record of the page (inclusive); a sort field
    absent from it stands for an unset value.
    """
    values = [
        (fld, desc, _bind(f"c{i}", fld) if present[i] else None)
        for i, (fld, desc) in enumerate(keys)
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
    if value is not None and not fld.nullable:
        # A column that is never null: the plain range an index serves directly.
        return fld.column <= value if desc else fld.column >= value
    return sa.or_(_after(fld, desc, value), _equal(fld, value))
