"""Record -> JSON: field projection, nesting of dotted names, HAL links."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import orjson

from ontap_ipsec import versions
from ontap_ipsec.rest import errors
from ontap_ipsec.rest.query import Query
from ontap_ipsec.rest.resource import Field, Resource

_PROJECTIONS: dict[Any, list[Field]] = {}


def projection(resource: Resource, query: Query, *, instance: bool) -> list[Field]:
    """The fields a response carries, in declaration order (memoised per query shape)."""
    key = (
        versions.current().release,
        id(resource),
        None if query.fields is None else tuple(query.fields),
        tuple(query.filtered_fields),
        query.ignore_unknown_fields,
        instance,
    )
    found = _PROJECTIONS.get(key)
    if found is None:
        found = _projection(resource, query, instance=instance)
        if len(_PROJECTIONS) > 4096:
            _PROJECTIONS.clear()
        _PROJECTIONS[key] = found
    return found


def _projection(resource: Resource, query: Query, *, instance: bool) -> list[Field]:
    wanted: set[str] = set()
    if query.fields is None:
        if instance:
            wanted.update(f.name for f in resource.fields if f.gettable)
        else:
            wanted.update(f.name for f in resource.fields if f.default)
    else:
        wanted.update(f.name for f in resource.fields if f.default)
        for token in query.fields:
            if token == "*" or token == "**":
                wanted.update(f.name for f in resource.fields if f.gettable)
            elif token == "_links":
                continue
            else:
                names = resource.expand(token)
                if not names and not query.ignore_unknown_fields:
                    raise errors.invalid_query_value("fields", token, "<field,...>")
                wanted.update(names)
    wanted.update(query.filtered_fields)
    return [f for f in resource.fields if f.name in wanted and f.gettable]


def _datetime_wire(value: Any) -> str:
    if isinstance(value, str):  # SQLite hands back the stored text
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return str(value.isoformat(timespec="seconds"))


def _array_wire(value: Any) -> Any:
    if isinstance(value, str):
        return orjson.loads(value) or None
    return value


_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "datetime": _datetime_wire,
    "integer": int,
    "boolean": bool,
    "array": _array_wire,
}


def cursor_text(fld: Field, value: Any) -> str:
    convert = _CONVERTERS.get(fld.type)
    wire = convert(value) if convert is not None else value
    if isinstance(wire, bool):
        return "true" if wire else "false"
    return str(wire)


class RecordShape:
    """How a row becomes a record, worked out once per projection.

    Nests dotted names, leaves unset fields out and adds the HAL links.
    """

    def __init__(self, resource: Resource, visible: Sequence[Field], index: dict[str, int]):
        self.steps = [
            (
                fld.parts,
                index.get(fld.name) if fld.stored else None,
                fld.constant if fld.has_constant else None,
                _CONVERTERS.get(fld.type),
            )
            for fld in visible
        ]
        self.links = [
            (link.prefix, link.template, index[link.key])
            for link in resource.links
            if link.key in index
        ]
        self.self_at: int | None = None
        self.self_href: str | None = None
        if resource.key is not None and resource.self_links and resource.key in index:
            self.self_at = index[resource.key]
            self.self_href = resource.path + "/{}"
        elif resource.singleton:
            self.self_href = resource.path

    def build(self, row: Sequence[Any], hal: bool) -> dict[str, Any]:
        record: dict[str, Any] = {}
        for parts, at, constant, convert in self.steps:
            if at is None:
                value = constant
            else:
                value = row[at]
                if value is not None and convert is not None:
                    value = convert(value)
            if value is None:
                continue
            if len(parts) == 1:
                record[parts[0]] = value
            else:
                _put(record, parts, value)
        if hal:
            for prefix, template, at in self.links:
                target = record.get(prefix)
                key_value = row[at]
                if key_value is not None and isinstance(target, dict):
                    target["_links"] = {"self": {"href": template.format(key_value)}}
            if self.self_href is not None:
                if self.self_at is None:
                    record["_links"] = {"self": {"href": self.self_href}}
                elif row[self.self_at] is not None:
                    href = self.self_href.format(row[self.self_at])
                    record["_links"] = {"self": {"href": href}}
        return record


def _put(record: dict[str, Any], parts: tuple[str, ...], value: Any) -> None:
    node = record
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    node[parts[-1]] = value


def collection_body(
    records: list[dict[str, Any]],
    *,
    self_href: str,
    next_href: str | None,
    hal: bool,
) -> dict[str, Any]:
    body: dict[str, Any] = {"records": records, "num_records": len(records)}
    links: dict[str, Any] = {}
    if hal:
        links["self"] = {"href": self_href}
    if next_href is not None:
        links["next"] = {"href": next_href}
    if links:
        body["_links"] = links
    return body


def next_href(path: str, query: Query, start: dict[str, str]) -> str:
    """The request's own query with the cursor first (ONTAP's form)."""
    params = [f"start.{quote(k, safe='.')}={quote(v, safe='')}" for k, v in start.items()]
    params += [f"{k}={v}" for k, v in query.raw_params if not k.startswith("start.")]
    return f"{path}?{'&'.join(params)}"
