"""ONTAP's error envelope and the catalogue of generic codes.

Every failure leaves the service as ``{"error": {"message", "code", "target"?}}``
with the HTTP status ONTAP uses; handlers raise :class:`OntapError` and the
application turns it into bytes in one place.
"""

from __future__ import annotations

from typing import Any

from ontap_ipsec.domain import errors as domain_errors
from ontap_ipsec.domain.errors import DomainError

# Generic ONTAP codes (strings on the wire).
DUPLICATE_ENTRY = "1"
INVALID = "2"
NOT_SUPPORTED = "3"
ENTRY_NOT_FOUND = "4"
PERMISSION_DENIED = "6"
IN_USE = "8"
UNEXPECTED_ARGUMENT = "262179"
INVALID_VALUE = "262185"
SPECIFIED_TWICE = "262188"
CANNOT_SET = "262196"
INVALID_FIELD_VALUE = "262197"
BODY_NOT_ALLOWED = "262198"
INVALID_JSON = "262199"
POST_FILTER = "262211"
MISSING_VALUE = "262212"
BAD_ORDER_BY = "262268"

_KIND_STATUS = {"invalid": 400, "not_found": 404, "conflict": 409, "forbidden": 403}


class OntapError(Exception):
    """A request that failed the way ONTAP would report it."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        target: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.target = target
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.target is not None:
            error["target"] = self.target
        return {"error": error}

    @classmethod
    def from_domain(cls, exc: DomainError) -> OntapError:
        return cls(_KIND_STATUS[exc.kind], exc.code, exc.message, target=exc.target)


def not_found(target: str | None = "uuid") -> OntapError:
    return OntapError(404, ENTRY_NOT_FOUND, "entry doesn't exist", target=target)


def duplicate(target: str | None = None) -> OntapError:
    return OntapError(409, DUPLICATE_ENTRY, "duplicate entry", target=target)


def unexpected_argument(name: str) -> OntapError:
    return OntapError.from_domain(domain_errors.unexpected_argument(name))


def invalid_query_value(field: str, value: str, hint: str = "") -> OntapError:
    return OntapError.from_domain(domain_errors.invalid_field_value(field, value, hint))


def invalid_body_value(field: str, value: object, reason: str = "") -> OntapError:
    shown = value if isinstance(value, str) else _short_json(value)
    suffix = f" ({reason})" if reason else ""
    return OntapError(
        400,
        INVALID_VALUE,
        f'"{shown}" is an invalid value for field "{field}"{suffix}',
        target=field,
    )


def cannot_set(field: str) -> OntapError:
    return OntapError(
        400, CANNOT_SET, f'Field "{field}" cannot be set in this operation', target=field
    )


def missing_value(field: str) -> OntapError:
    return OntapError(
        400, MISSING_VALUE, f'Request is missing required value: "{field}".', target=field
    )


def _short_json(value: object) -> str:
    import json

    text = json.dumps(value, separators=(",", ":"), default=str)
    return text if len(text) <= 80 else text[:77] + "..."


def method_not_allowed(method: str, allow: str) -> OntapError:
    return OntapError(
        405,
        NOT_SUPPORTED,
        f'The method "{method}" is not supported on this API.',
        headers={"allow": allow},
    )
