"""The JSON body of a control request: an object, or ONTAP's 262199."""

from __future__ import annotations

from typing import Any

import orjson

from ontap_ipsec.rest import errors
from ontap_ipsec.rest.errors import OntapError


def json_object(raw: bytes, *, empty_ok: bool = False) -> dict[str, Any]:
    if not raw.strip():
        if empty_ok:
            return {}
        raise OntapError(400, errors.INVALID_JSON, "Invalid JSON: the body is empty.")
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise OntapError(400, errors.INVALID_JSON, f"Invalid JSON: {exc}.") from None
    if not isinstance(value, dict):
        raise OntapError(400, errors.INVALID_JSON, "Invalid JSON: the body is not an object.")
    return value
