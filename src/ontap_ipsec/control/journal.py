"""The request journal: what was asked and answered, for tests to assert on.

A bounded ring (the newest `size` exchanges, default 1,000) of every request outside
the control API and its answer, across the workers of a server. Secrets never enter
it: the Authorization and Cookie headers, JSON members that hold a password, a key,
a PSK or a passphrase, and any PEM private key in a body are replaced by "REDACTED"
before anything is stored. Served filtered (test id, method, path glob, status) as
records, or as a HAR 1.2 document that browsers' and proxies' tools open.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from ontap_ipsec import __version__
from ontap_ipsec.control.routes import route
from ontap_ipsec.rest import errors
from ontap_ipsec.rest.body import load_json
from ontap_ipsec.rest.context import Context
from ontap_ipsec.rest.errors import OntapError
from ontap_ipsec.rest.http import Request, Response

DEFAULT_SIZE = 1000
MAX_SIZE = 100_000
BODY_LIMIT = 64 * 1024  # of each body kept; the rest is cut, and the entry says so
REDACTED = "REDACTED"
SECRET_HEADERS = frozenset({"authorization", "cookie", "set-cookie", "proxy-authorization"})
SECRET_KEYS = frozenset(
    {
        "password",
        "new_password",
        "private_key",
        "secret_key",
        "passphrase",
        "psk",
        "ppk",
        "shared_key",
        "key",
    }
)
_PEM_KEY = re.compile(
    r"-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----.*?(-----END \1PRIVATE KEY-----|$)", re.DOTALL
)


def _secret_name(name: str) -> bool:
    """A member holding a secret, by its name or, for a dotted name ONTAP also takes
    ("ppk.shared_key"), by its last part."""
    lowered = name.lower()
    return lowered in SECRET_KEYS or lowered.rsplit(".", 1)[-1] in SECRET_KEYS


def redact_text(text: str) -> str:
    return _PEM_KEY.sub(REDACTED, text)


def _redact_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: (REDACTED if _secret_name(k) and v is not None else _redact_json(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_redact_json(v) for v in value]
    if isinstance(value, str):
        return redact_text(value)
    return value


def redact_body(raw: bytes) -> tuple[str, bool]:
    """The body as stored: text with every secret replaced, cut at BODY_LIMIT."""
    text = raw.decode("utf-8", errors="replace")
    try:
        parsed = json.loads(text)
    except ValueError:
        shown = redact_text(text)
    else:
        shown = json.dumps(_redact_json(parsed), separators=(",", ":"))
    cut = len(shown) > BODY_LIMIT
    return (shown[:BODY_LIMIT] if cut else shown), cut


def redact_headers(headers: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [
        {"name": k, "value": REDACTED if k.lower() in SECRET_HEADERS else v} for k, v in headers
    ]


def entry(
    *,
    started: float,
    duration: float,
    method: str,
    path: str,
    query: str,
    request_headers: list[tuple[str, str]],
    request_body: bytes,
    status: int,
    response_headers: list[tuple[str, str]],
    response_body: bytes,
    test_id: str | None,
    fault: str | None,
) -> dict[str, Any]:
    request_text, request_cut = redact_body(request_body)
    response_text, response_cut = redact_body(response_body)
    return {
        "time": datetime.fromtimestamp(started, UTC).isoformat(timespec="milliseconds"),
        "duration_ms": round(duration * 1000, 3),
        "test_id": test_id,
        "method": method,
        "path": path,
        "query": query,
        "request": {
            "headers": redact_headers(request_headers),
            "body": request_text,
            "body_size": len(request_body),
            "body_cut": request_cut,
        },
        "status": status,
        "response": {
            "headers": redact_headers(response_headers),
            "body": response_text,
            "body_size": len(response_body),
            "body_cut": response_cut,
        },
        "fault": fault,
    }


def har(entries: list[dict[str, Any]], base_url: str) -> dict[str, Any]:
    """The entries as a HAR 1.2 log."""
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": "ontap-ipsec", "version": __version__},
            "entries": [_har_entry(e, base_url) for e in entries],
        }
    }


def _har_entry(e: dict[str, Any], base_url: str) -> dict[str, Any]:
    url = base_url + e["path"] + (f"?{e['query']}" if e["query"] else "")
    request: dict[str, Any] = {
        "method": e["method"],
        "url": url,
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": e["request"]["headers"],
        "queryString": [{"name": k, "value": v} for k, v in parse_qsl(e["query"], True)],
        "headersSize": -1,
        "bodySize": e["request"]["body_size"],
    }
    if e["request"]["body_size"]:
        request["postData"] = {
            "mimeType": _header(e["request"]["headers"], "content-type") or "application/json",
            "text": e["request"]["body"],
        }
    mime = _header(e["response"]["headers"], "content-type") or "application/octet-stream"
    duration = e["duration_ms"]
    return {
        "startedDateTime": e["time"],
        "time": duration,
        "request": request,
        "response": {
            "status": e["status"],
            "statusText": "",
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": e["response"]["headers"],
            "content": {
                "size": e["response"]["body_size"],
                "mimeType": mime,
                "text": e["response"]["body"],
            },
            "redirectURL": _header(e["response"]["headers"], "location") or "",
            "headersSize": -1,
            "bodySize": e["response"]["body_size"],
        },
        "cache": {},
        "timings": {"send": 0, "wait": duration, "receive": 0},
        "comment": f"test_id={e['test_id']}" if e["test_id"] else "",
    }


def _header(headers: list[dict[str, str]], name: str) -> str | None:
    for h in headers:
        if h["name"].lower() == name:
            return h["value"]
    return None


def settings(ctx: Context) -> tuple[bool, int]:
    """(enabled, size) as set over the API, or as the server was started."""
    found = ctx.toolkit.settings()
    enabled = found.get("journal.enabled", ctx.settings.journal)
    return bool(enabled), int(found.get("journal.size", DEFAULT_SIZE))


_FILTERS = {"test_id", "method", "path", "status", "format"}


@route("/_ontap-ipsec/journal", "GET", "PUT", "DELETE")
def journal(ctx: Context, request: Request) -> Response:
    if request.method == "DELETE":
        ctx.toolkit.clear_journal()
        return Response(200, {})
    if request.method == "PUT":
        return _configure(ctx, request)
    params = dict(parse_qsl(request.query_string, keep_blank_values=True))
    for name in params:
        if name not in _FILTERS:
            raise errors.unexpected_argument(name)
    status = params.get("status")
    if status is not None and not status.isdigit():
        raise errors.invalid_query_value("status", status, "<integer>")
    enabled, size = settings(ctx)
    found = list(
        ctx.toolkit.entries(
            test_id=params.get("test_id"),
            method=params.get("method"),
            path_like=params.get("path"),
            status=int(status) if status is not None else None,
            keep=size,
        )
    )
    fmt = params.get("format", "records")
    if fmt == "har":
        base = ("https" if ctx.settings.tls else "http") + "://" + request.headers.get("host", "")
        return Response(200, har(found, base), content_type="application/json")
    if fmt != "records":
        raise errors.invalid_query_value("format", fmt, "records|har")
    body = {"enabled": enabled, "size": size, "records": found, "num_records": len(found)}
    return Response(200, body, content_type="application/json")


def _configure(ctx: Context, request: Request) -> Response:
    body = load_json(request.body)
    if not isinstance(body, dict):
        raise OntapError(400, errors.INVALID_JSON, "Invalid JSON input: an object was expected.")
    for key in body:
        if key not in ("enabled", "size"):
            raise errors.unexpected_argument(key)
    if "enabled" in body:
        if not isinstance(body["enabled"], bool):
            raise errors.invalid_body_value("enabled", body["enabled"], "true|false")
        ctx.toolkit.set_setting("journal.enabled", body["enabled"])
    if "size" in body:
        size = body["size"]
        if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_SIZE:
            raise errors.invalid_body_value("size", size, f"1 to {MAX_SIZE}")
        ctx.toolkit.set_setting("journal.size", size)
    enabled, size = settings(ctx)
    return Response(200, {"enabled": enabled, "size": size})
