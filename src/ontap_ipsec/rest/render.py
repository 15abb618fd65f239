"""Record -> JSON: field projection, nesting of dotted names, HAL links."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import orjson

from ontap_ipsec.rest import errors
from ontap_ipsec.rest.query import Query
from ontap_ipsec.rest.resource import Field, Resource

_PROJECTIONS: dict[Any, list[Field]] = {}


def projection(resource: Resource, query: Query, *, instance: bool) -> list[Field]:
    """The fields a response carries, in declaration order (memoised per query shape)."""
    key = (
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
            wanted.update(f.name for f in resource.fields if f.gettable and not f.expensive)
        else:
            wanted.update(f.name for f in resource.fields if f.default)
    else:
        wanted.update(f.name for f in resource.fields if f.default)
        for token in query.fields:
            if token == "*":
                wanted.update(f.name for f in resource.fields if f.gettable and not f.expensive)
            elif token == "**":
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


def wire_value(fld: Field, value: Any) -> Any:
    if value is None:
        return None
    if fld.type == "datetime":
        if isinstance(value, str):  # SQLite hands back the stored text
            value = datetime.fromisoformat(value)
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.isoformat(timespec="seconds")
    if fld.type == "integer":
        return int(value)
    if fld.type == "boolean":
        return bool(value)
    if fld.type == "array" and isinstance(value, str):
        return orjson.loads(value) or None
    return value


def cursor_text(fld: Field, value: Any) -> str:
    wire = wire_value(fld, value)
    if isinstance(wire, bool):
        return "true" if wire else "false"
    return str(wire)


def build_record(
    resource: Resource,
    fields: Sequence[Field],
    values: Sequence[Any],
    hidden: dict[str, Any],
    *,
    hal: bool,
) -> dict[str, Any]:
    """Nest dotted names; leave unset fields out; add the HAL links."""
    record: dict[str, Any] = {}
    for fld, raw in zip(fields, values, strict=True):
        value = fld.constant if fld.has_constant else wire_value(fld, raw)
        if value is None:
            continue
        _put(record, fld.parts, value)
    if hal:
        for link in resource.links:
            target = record.get(link.prefix)
            key_value = hidden.get(link.key)
            if isinstance(target, dict) and key_value is not None:
                target["_links"] = {"self": {"href": link.template.format(key_value)}}
        if resource.key is not None and resource.self_links:
            key_value = hidden.get(resource.key)
            if key_value is not None:
                record["_links"] = {"self": {"href": resource.instance_href(key_value)}}
        elif resource.singleton:
            record["_links"] = {"self": {"href": resource.path}}
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
