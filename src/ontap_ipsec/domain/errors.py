"""Business-rule failures, carrying ONTAP's error code but no HTTP status."""

from __future__ import annotations

from typing import Literal

Kind = Literal["invalid", "not_found", "conflict", "forbidden"]


class DomainError(Exception):
    def __init__(
        self, code: str, message: str, *, target: str | None = None, kind: Kind = "invalid"
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.target = target
        self.kind = kind


# Generic codes that rules outside the REST layer raise too (the catalogue is in
# rest/errors.py).
UNEXPECTED_ARGUMENT = "262179"
INVALID_FIELD_VALUE = "262197"
BAD_ORDER_BY = "262268"


def invalid_field_value(field: str, value: str, hint: str = "") -> DomainError:
    suffix = f" ({hint})" if hint else ""
    return DomainError(
        INVALID_FIELD_VALUE,
        f'The value "{value}" is invalid for field "{field}"{suffix}',
        target=field,
    )


def unexpected_argument(name: str) -> DomainError:
    return DomainError(UNEXPECTED_ARGUMENT, f'Unexpected argument "{name}".')


def bad_order_by(name: str) -> DomainError:
    return DomainError(
        BAD_ORDER_BY,
        f'The field "{name}" is not supported as an order_by= field.',
        target="order_by",
    )


ENTRY_NOT_FOUND = "4"
DUPLICATE_ENTRY = "1"
INVALID = "2"
FIELDS_DISAGREE = "262186"


def not_found(target: str | None = "uuid") -> DomainError:
    return DomainError(ENTRY_NOT_FOUND, "entry doesn't exist", target=target, kind="not_found")


def duplicate(target: str | None = None) -> DomainError:
    return DomainError(DUPLICATE_ENTRY, "duplicate entry", target=target, kind="conflict")


def invalid_value(field: str, value: object, reason: str = "") -> DomainError:
    """A body value the rules refuse (the wire's 262185)."""
    import json

    shown = value if isinstance(value, str) else json.dumps(value, default=str)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    suffix = f" ({reason})" if reason else ""
    return DomainError(
        "262185", f'"{shown}" is an invalid value for field "{field}"{suffix}', target=field
    )
