"""JSON body -> validated flat dict of dotted field names.

ONTAP takes nested and dotted keys alike (``{"svm.name": "vs1"}`` equals
``{"svm": {"name": "vs1"}}``) and numbers or booleans sent as strings, whatever
the Content-Type says.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from ontap_ipsec.rest import errors
from ontap_ipsec.rest.errors import OntapError
from ontap_ipsec.rest.resource import INTEGER_MAX, INTEGER_MIN, Field, Resource

Operation = Literal["post", "patch"]


class _Twice(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Twice(key)
        out[key] = value
    return out


def load_json(raw: bytes) -> Any:
    """Parse JSON; None for an empty body."""
    if not raw.strip():
        return None
    try:
        text = raw.decode("utf-8")
        parsed = json.loads(text, object_pairs_hook=_no_duplicates)
        if "\\u" in text:  # an escape may stand for half a surrogate pair
            _refuse_lone_surrogates(parsed)
        return parsed
    except _Twice as twice:
        raise specified_twice(twice.key) from None
    except UnicodeDecodeError:
        raise OntapError(
            400, errors.INVALID_JSON, "Invalid JSON input: the body is not UTF-8."
        ) from None
    except (json.JSONDecodeError, RecursionError, ValueError) as exc:
        where = (
            f" {exc.msg}: line {exc.lineno} column {exc.colno}"
            if isinstance(exc, json.JSONDecodeError)
            else ""
        )
        raise OntapError(400, errors.INVALID_JSON, f"Invalid JSON input.{where}") from None


def _refuse_lone_surrogates(value: Any) -> None:
    """JSON allows `\\ud800` alone; no text can hold it (UTF-8 cannot encode it)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise OntapError(
                400,
                errors.INVALID_JSON,
                "Invalid JSON input: a string holds a lone UTF-16 surrogate (\\ud800-\\udfff).",
            ) from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_lone_surrogates(key)
            _refuse_lone_surrogates(item)
    elif isinstance(value, list):
        for item in value:
            _refuse_lone_surrogates(item)


def specified_twice(name: str) -> OntapError:
    return OntapError(
        400, errors.SPECIFIED_TWICE, f'Field "{name}" was specified more than once.', target=name
    )


def parse_body(raw: bytes, resource: Resource, operation: Operation) -> dict[str, Any]:
    """The body's fields by dotted name, each checked against its declaration; on POST,
    every field declared `required_on_post` is present and not null (a PEM field, not
    empty either: an empty PEM carries nothing, where an empty name is a bad name)."""
    flat: dict[str, Any] = {}
    if raw.strip():
        data = load_json(raw)
        if not isinstance(data, dict):
            raise OntapError(
                400, errors.INVALID_JSON, "Invalid JSON input: an object was expected."
            )
        _flatten(data, "", resource, operation, flat)
    if operation == "post":
        for name in resource.required_on_post:
            value = flat.get(name)
            if value is None or (value == "" and resource.by_name[name].format == "pem"):
                raise errors.missing_value(name)
    return flat


def _flatten(
    data: dict[str, Any],
    prefix: str,
    resource: Resource,
    operation: Operation,
    flat: dict[str, Any],
) -> None:
    for key, value in data.items():
        name = f"{prefix}{key}"
        fld = resource.by_name.get(name)
        if fld is not None and (
            not fld.known or (operation in fld.access and not fld.allows(operation))
        ):  # the field, or this use of it, is not in the release being served
            raise errors.unexpected_argument(name)
        if fld is not None:
            if not fld.allows(operation):
                if fld.read_only is not None:
                    raise OntapError(400, *fld.read_only, target=name)
                raise errors.cannot_set(name)
            if name in flat:
                raise specified_twice(name)
            flat[name] = coerce(fld, value)
        elif name in resource.all_prefixes and isinstance(value, dict):
            _flatten(value, name + ".", resource, operation, flat)
        elif name in resource.all_prefixes:
            raise errors.invalid_body_value(name, value, "an object was expected")
        else:
            raise errors.unexpected_argument(name)


def coerce(fld: Field, value: Any) -> Any:
    """A body value as the field's type; strings stand in for numbers and booleans."""
    if value is None:
        return None
    if fld.type == "integer":
        number = _integer(value)
        if number is None or not INTEGER_MIN <= number <= INTEGER_MAX:
            raise errors.invalid_body_value(fld.name, value)
        return number
    if fld.type == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise errors.invalid_body_value(fld.name, value)
    if fld.type == "array" and fld.items == "object":  # judged by the rules of its backend
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise errors.invalid_body_value(fld.name, value, "an array of objects was expected")
        return value
    if fld.type == "array":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise errors.invalid_body_value(fld.name, value, "an array of strings was expected")
        for item in value:
            _check_text(fld, item)
        return value
    if not isinstance(value, str):
        raise errors.invalid_body_value(fld.name, value)
    if fld.enum is not None and value not in fld.enum:
        if fld.not_in_enum is not None:
            raise OntapError(400, *fld.not_in_enum, target=fld.name)
        raise errors.invalid_body_value(fld.name, value, "|".join(fld.enum))
    _check_text(fld, value)
    return value


def _integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def _check_text(fld: Field, value: str) -> None:
    """Refuse what no backend can store faithfully: NUL, and text over the column's size."""
    if "\x00" in value and fld.format != "pem":  # PEM fields are judged by their parser
        raise errors.invalid_body_value(
            fld.name, value.replace("\x00", "\\0"), "NUL characters are not allowed"
        )
    length = fld.max_length
    if length is not None and len(value) > length and fld.too_long is not None:
        raise OntapError(
            400,
            fld.too_long,
            f'The value of "{fld.name}" is too long.',
            target=fld.name,
        )
    if length is not None and len(value) > length:
        raise errors.invalid_body_value(
            fld.name, value[:40] + "...", f"at most {length} characters"
        )
