"""Query string -> :class:`Query`: ONTAP's filters and its control parameters.

Filters keep their operator structure (an OR of alternatives per field, the
fields ANDed); :mod:`ontap_ipsec.store.compile` turns them into SQL so that a
filter over a large table uses an index rather than a Python loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import unquote_plus

from ontap_ipsec import versions
from ontap_ipsec.rest import errors
from ontap_ipsec.rest.errors import OntapError
from ontap_ipsec.rest.resource import INTEGER_MAX, Resource

Op = Literal["eq", "ne", "lt", "gt", "le", "ge", "range", "like", "unlike", "null", "notnull"]

DEFAULT_MAX_RECORDS = 10_000
MAX_RETURN_TIMEOUT = 120
Operation = Literal["list", "get", "singleton", "post", "patch", "delete", "bulk"]

_CONTROL: dict[str, frozenset[str]] = {
    "list": frozenset(
        {
            "fields",
            "max_records",
            "return_records",
            "return_timeout",
            "order_by",
            "ignore_unknown_fields",
        }
    ),
    "get": frozenset({"fields", "return_timeout", "return_records", "ignore_unknown_fields"}),
    # GET of a singleton (/api/cluster): na_ontap_rest_info sends max_records on every subset
    "singleton": frozenset(
        {"fields", "return_timeout", "return_records", "ignore_unknown_fields", "max_records"}
    ),
    "post": frozenset({"return_records", "return_timeout"}),
    "patch": frozenset({"return_records", "return_timeout"}),
    # `fields` too: NetApp's certificate DELETE example (netapp_ontap's `delete(fields="*")`)
    "delete": frozenset({"return_records", "return_timeout", "fields"}),
    "bulk": frozenset(
        {"return_records", "return_timeout", "continue_on_failure", "serial_records", "max_records"}
    ),
}
_FILTERS_ALLOWED = frozenset({"list", "bulk"})


@dataclass(frozen=True)
class Alternative:
    """One `|`-separated alternative of a filter value."""

    op: Op
    value: str = ""
    high: str = ""  # upper bound of a range


@dataclass(frozen=True)
class Filter:
    field: str
    alternatives: tuple[Alternative, ...]


@dataclass
class Query:
    filters: list[Filter] = field(default_factory=list)
    fields: list[str] | None = None
    max_records: int | None = None
    return_records: bool | None = None
    return_timeout: int | None = None
    order_by: list[tuple[str, bool]] = field(default_factory=list)  # (field, descending)
    start: dict[str, str] = field(default_factory=dict)
    ignore_unknown_fields: bool = False
    continue_on_failure: bool = False
    # The parameters as sent (still percent-encoded), to rebuild links verbatim.
    raw_params: list[tuple[str, str]] = field(default_factory=list)

    @property
    def filtered_fields(self) -> list[str]:
        return [f.field for f in self.filters]


def split_raw(query_string: str) -> list[tuple[str, str]]:
    """Split on `&` and on the first `=` of each part, leaving values encoded."""
    out: list[tuple[str, str]] = []
    for part in query_string.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        out.append((key, value))
    return out


def parse_query(query_string: str, resource: Resource, operation: Operation) -> Query:
    query = Query(raw_params=split_raw(query_string))
    control = _CONTROL[operation]
    for raw_key, raw_value in query.raw_params:
        key = unquote_plus(raw_key)
        value = unquote_plus(raw_value)
        if key.startswith("start.") and operation == "list":
            query.start[key[len("start.") :]] = value
        elif key in control and versions.current().allows(f"parameter {key}"):
            _apply_control(query, key, value)
        elif key in resource.by_name and resource.by_name[key].gettable:
            if operation not in _FILTERS_ALLOWED:
                if operation == "post":
                    raise OntapError(
                        400,
                        errors.POST_FILTER,
                        "POST request on a REST API does not support filtering on an "
                        "attribute. Attributes must be in the request body.",
                        target=key,
                    )
                raise errors.unexpected_argument(key)
            query.filters.append(Filter(key, parse_alternatives(value)))
        else:
            raise errors.unexpected_argument(key)
    return query


def _apply_control(query: Query, key: str, value: str) -> None:
    if key == "fields":
        # An empty `fields=` asks for nothing in particular: the default fields.
        items = _split_list(value)
        if items:
            query.fields = (query.fields or []) + items
    elif key == "order_by":
        for item in _split_list(value):
            query.order_by.append(_parse_order_item(item))
    elif key == "max_records":
        query.max_records = _parse_int(key, value, low=1, high=None)
    elif key == "return_timeout":
        query.return_timeout = _parse_int(key, value, low=0, high=MAX_RETURN_TIMEOUT)
    elif key == "return_records":
        query.return_records = parse_bool(key, value)
    elif key == "ignore_unknown_fields":
        query.ignore_unknown_fields = parse_bool(key, value)
    elif key == "continue_on_failure":
        query.continue_on_failure = parse_bool(key, value)
    elif key == "serial_records":
        parse_bool(key, value)


def _split_list(value: str) -> list[str]:
    items = [v.strip() for v in value.split(",")]
    return [v for v in items if v]


def _parse_order_item(item: str) -> tuple[str, bool]:
    words = item.split()
    if len(words) == 1:
        return words[0], False
    if len(words) == 2 and words[1].lower() in ("asc", "desc"):
        return words[0], words[1].lower() == "desc"
    raise errors.invalid_query_value("order_by", item, "<field> [asc|desc]")


def _parse_int(key: str, value: str, *, low: int, high: int | None) -> int:
    try:
        number = int(value.strip())
    except ValueError:
        raise errors.invalid_query_value(key, value, "<integer>") from None
    if number > INTEGER_MAX:  # past what any query can bind
        raise errors.invalid_query_value(key, value, "<integer>")
    if number < low or (high is not None and number > high):
        rng = f"{low}..{high}" if high is not None else f">= {low}"
        raise errors.invalid_query_value(key, value, rng)
    return number


def parse_bool(key: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise errors.invalid_query_value(key, value, "true|false")


def parse_alternatives(value: str) -> tuple[Alternative, ...]:
    return tuple(_parse_alternative(token) for token in _split_alternatives(value))


def _split_alternatives(value: str) -> list[str]:
    """Split on `|` outside double quotes (a quoted value is taken literally)."""
    tokens: list[str] = []
    current: list[str] = []
    quoted = False
    for ch in value:
        if ch == '"':
            quoted = not quoted
            current.append(ch)
        elif ch == "|" and not quoted:
            tokens.append("".join(current))
            current = []
        else:
            current.append(ch)
    tokens.append("".join(current))
    return tokens


def _parse_alternative(token: str) -> Alternative:
    if len(token) >= 2 and token.startswith('"') and token.endswith('"'):
        return Alternative("eq", token[1:-1])
    if token == "null":
        return Alternative("null")
    if token == "!null":
        return Alternative("notnull")
    for prefix, op in (("<=", "le"), (">=", "ge"), ("<", "lt"), (">", "gt")):
        if token.startswith(prefix):
            return Alternative(op, _unquote_literal(token[len(prefix) :]))  # type: ignore[arg-type]
    if token.startswith("!"):
        rest = token[1:]
        if len(rest) >= 2 and rest.startswith('"') and rest.endswith('"'):
            return Alternative("ne", rest[1:-1])
        return Alternative("unlike", rest) if "*" in rest else Alternative("ne", rest)
    low, sep, high = token.partition("..")
    if sep and low and high and ".." not in high:
        return Alternative("range", low, high)
    if "*" in token:
        return Alternative("like", token)
    return Alternative("eq", token)


def _unquote_literal(text: str) -> str:
    if len(text) >= 2 and text.startswith('"') and text.endswith('"'):
        return text[1:-1]
    return text
