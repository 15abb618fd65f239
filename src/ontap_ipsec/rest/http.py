"""The request and response objects handlers see (no framework behind them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

HAL = "application/hal+json"
JSON = "application/json"

BASE_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"server", b"libzapid-httpd"),  # ONTAP's; it also keeps the HTTP server's own name out
    (b"cache-control", b"no-cache,no-store,must-revalidate"),
    (b"x-content-type-options", b"nosniff"),
    (b"content-security-policy", b"default-src 'self'; frame-ancestors 'self'"),
)


def wants_hal(accept: str) -> bool:
    """`Accept: application/json` drops HAL links; anything else keeps them."""
    return not (JSON in accept and HAL not in accept)


@dataclass
class Request:
    method: str
    path: str
    query_string: str  # as sent, still percent-encoded
    headers: dict[str, str]
    body: bytes = b""
    path_params: dict[str, str] = field(default_factory=dict)
    account: str | None = None
    role: str | None = None
    cache_key: Any = None  # set when a GET's 200 may be kept (app.py, response_cache.py)
    version: Any = None  # the store's version, once read for this request (Reader.version)

    @property
    def hal(self) -> bool:
        return wants_hal(self.headers.get("accept", ""))

    @property
    def target(self) -> str:
        return f"{self.path}?{self.query_string}" if self.query_string else self.path


@dataclass
class Response:
    status: int = 200
    body: Any = None  # a JSON-able object, bytes, or None for no body
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = None
    sent_headers: list[tuple[bytes, bytes]] | None = None  # complete, when already built

    def encode(self, hal: bool) -> tuple[bytes, str]:
        if self.body is None:
            return b"", self.content_type or ""
        if isinstance(self.body, bytes):
            return self.body, self.content_type or "application/octet-stream"
        return orjson.dumps(self.body), self.content_type or (HAL if hal else JSON)


def json_response(body: Any, status: int = 200, **headers: str) -> Response:
    return Response(status, body, dict(headers))
