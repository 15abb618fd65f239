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
