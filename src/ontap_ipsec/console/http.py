"""The console's side of HTTP: a parsed request (query, cookies, form, uploads) and a page.

Forms arrive url-encoded, or as multipart/form-data when they carry a file; both are
read here, with the standard library, into plain strings (a file's bytes as text).
"""

from __future__ import annotations

import email.parser
import email.policy
from dataclasses import dataclass, field
from functools import cached_property
from http.cookies import CookieError, SimpleCookie
from urllib.parse import parse_qs, quote

from ontap_ipsec.rest.asgi import Receive, Scope, Send, read_body

MAX_FORM = 1024 * 1024  # as the API's body limit: a PEM bundle fits many times over

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"server", b"libzapid-httpd"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
        b"form-action 'self'; base-uri 'none'; object-src 'none'",
    ),
)


class FormTooLarge(Exception):
    """The body was over MAX_FORM."""


@dataclass
class Form:
    fields: dict[str, str] = field(default_factory=dict)
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # name -> (filename, data)

    def get(self, name: str, default: str = "") -> str:
        return self.fields.get(name, default)

    def text(self, name: str) -> str:
        """A field's value, or the text of the file uploaded under that name (a file wins)."""
        upload = self.files.get(name)
        if upload is not None and upload[1]:
            return upload[1].decode("utf-8", "replace")
        return self.fields.get(name, "")


@dataclass
class PageRequest:
    method: str
    path: str
    query_string: str
    headers: dict[str, str]
    body: bytes = b""
    scheme: str = "https"

    @classmethod
    async def read(cls, scope: Scope, receive: Receive) -> PageRequest:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        body = b""
        if scope["method"] == "POST":
            body, too_large = await read_body(receive, MAX_FORM)
            if too_large:
                raise FormTooLarge
        return cls(
            scope["method"],
            scope["path"],
            scope["query_string"].decode("latin-1"),
            headers,
            body,
            scope.get("scheme", "https"),
        )

    @cached_property
    def query(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.query_string, keep_blank_values=True).items()}

    @cached_property
    def cookies(self) -> dict[str, str]:
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(self.headers.get("cookie", ""))
        except CookieError:
            return {}
        return {name: morsel.value for name, morsel in jar.items()}

    @cached_property
    def form(self) -> Form:
        kind = self.headers.get("content-type", "")
        if kind.startswith("multipart/form-data"):
            return _multipart(kind, self.body)
        parsed = parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)
        return Form({k: v[0] for k, v in parsed.items()})

    @property
    def origin(self) -> str:
        """This server's origin as the browser sees it (what it sends as `Origin`)."""
        return f"{self.scheme}://{self.headers.get('host', '')}"


def _multipart(content_type: str, body: bytes) -> Form:
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    form = Form()
    if not message.is_multipart():
        return form
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        data = part.get_payload(decode=True)
        payload = data if isinstance(data, bytes) else b""
        filename = part.get_filename()
        if filename is not None:
            form.files[name] = (filename, payload)
        else:
            form.fields[name] = payload.decode("utf-8", "replace")
    return form


@dataclass
class Page:
    """A response of the console: HTML unless told otherwise, never cached."""

    status: int = 200
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)
    cache: str = "no-store"

    def set_cookie(self, name: str, value: str, max_age: int | None = None) -> None:
        """A cookie only this origin's pages over HTTPS ever see, and no script."""
        parts = [f"{name}={value}", "Path=/", "Secure", "HttpOnly", "SameSite=Strict"]
        if max_age is not None:
            parts.append(f"Max-Age={max_age}")
        self.headers.append(("set-cookie", "; ".join(parts)))

    def clear_cookie(self, name: str) -> None:
        self.set_cookie(name, "", max_age=0)

    async def send(self, send: Send, head_only: bool = False) -> None:
        headers = list(SECURITY_HEADERS)
        headers.append((b"cache-control", self.cache.encode()))
        headers.append((b"content-type", self.content_type.encode()))
        headers.append((b"content-length", str(len(self.body)).encode()))
        headers += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in self.headers]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if head_only else self.body})


def redirect(location: str, status: int = 303) -> Page:
    """See other: after a POST the browser GETs `location` (a path of this console)."""
    return Page(status, b"", "text/plain; charset=utf-8", [("location", location)])


def download(filename: str, data: bytes, content_type: str = "application/x-pem-file") -> Page:
    safe = quote(filename, safe="")
    disposition = f"attachment; filename=\"{safe}\"; filename*=UTF-8''{safe}"
    return Page(200, data, content_type, [("content-disposition", disposition)])
