"""The request and response objects handlers see (no framework behind them)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import orjson

_SLASHES = re.compile(r"//+")

HAL = "application/hal+json"
JSON = "application/json"

BASE_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"server", b"libzapid-httpd"),  # ONTAP's; it also keeps the HTTP server's own name out
    (b"cache-control", b"no-cache,no-store,must-revalidate"),
    (b"x-content-type-options", b"nosniff"),
    (b"content-security-policy", b"default-src 'self'; frame-ancestors 'self'"),
)


def query_text(raw: bytes) -> str:
    """The query string as text, still percent-encoded: a raw non-ASCII byte (a client that
    sends UTF-8 unencoded, which granian passes on) is percent-encoded, so that decoding the
    parameters later reads it as UTF-8 like its %XX form."""
    if raw.isascii():
        return raw.decode("ascii")
    return "".join(chr(b) if b < 0x80 else f"%{b:02X}" for b in raw)


def wants_hal(accept: str) -> bool:
    """`Accept: application/json` drops HAL links; anything else keeps them."""
    return not (JSON in accept and HAL not in accept)


@dataclass(frozen=True)
class Request:
    """What a handler is given: the request as sent, and the path's parameters.

    Immutable: who sent it and what the response cache knows of it live in the
    exchange's own state (:class:`Exchange`), not here.
    """

    method: str
    path: str
    query_string: str  # as sent, still percent-encoded
    headers: dict[str, str]
    body: bytes = b""
    path_params: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Repeated slashes are one, as ONTAP's server takes them: na_ontap_rest_info follows
        # `_links.next` as "api/" + the link without its "/api", so it asks "/api//security/...".
        if "//" in self.path:
            object.__setattr__(self, "path", _SLASHES.sub("/", self.path))

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

    def encode_body(self, content: Any, hal: bool) -> tuple[bytes, str]:
        """`content` (this response's body, or a form of it) as bytes and content type."""
        if content is None:
            return b"", self.content_type or ""
        if isinstance(content, bytes):
            return content, self.content_type or "application/octet-stream"
        return orjson.dumps(content), self.content_type or (HAL if hal else JSON)


@dataclass(slots=True)
class Exchange:
    """The state of one request on its way through the app, kept in the ASGI scope
    (``scope["ontap"]``): its id, the store's version read for it, and who sent it."""

    request_id: str = ""  # X-Request-Id, the client's or made (ontap_ipsec.telemetry.observe)
    version: Any = None  # the store's version, once read (Reader.version); None: unknowable
    account: str | None = None
    role: str | None = None
    principal: Any = None  # the account (ontap_ipsec.auth.Principal), once authenticated
    audience: Any = None  # what its answers depend on (rest/access.py): the cache's key
    cacheable: bool = False  # a GET whose 200 may be kept by the response cache
    on_loop: bool = False  # handled on the event loop: no password hash may be computed
    cache_hit: bool = False  # answered from the response cache
    # the SVM it acted in (uuid, name), if any
    seen_svm: tuple[str | None, str | None] | None = None
    client_cert: str | None = None  # the TLS client certificate (PEM) it came with, if any
