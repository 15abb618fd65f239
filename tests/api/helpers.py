"""Helpers shared by the API tests: creating SVMs, raw requests, error checks."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from ontap_ipsec.app import OntapApp
from tests.conftest import AUTH

SVMS = "/api/svm/svms"
JOBS = "/api/cluster/jobs"
CLUSTER = "/api/cluster"
CACHE_CONTROL = "no-cache,no-store,must-revalidate"
HAL = "application/hal+json"
JSON = "application/json"
NO_TARGET = object()

SvmSpec = str | tuple[str, str | None]


def make_svms(api: httpx.Client, specs: Iterable[SvmSpec]) -> dict[str, str]:
    """Create SVMs (a name, or (name, comment)); return {name: uuid}."""
    made: dict[str, str] = {}
    for spec in specs:
        name, comment = (spec, None) if isinstance(spec, str) else spec
        body: dict[str, Any] = {"name": name}
        if comment is not None:
            body["comment"] = comment
        response = api.post(SVMS, json=body)
        assert response.status_code == 202, response.text
        made[name] = response.headers["location"].rsplit("/", 1)[1]
    return made


def error(code: str, message: str, target: object = NO_TARGET) -> dict[str, Any]:
    body: dict[str, Any] = {"message": message, "code": code}
    if target is not NO_TARGET:
        body["target"] = target
    return {"error": body}


def assert_error(
    response: httpx.Response | RawResponse,
    status: int,
    code: str,
    message: str,
    target: object = NO_TARGET,
) -> None:
    """The exact ONTAP error envelope, with its status."""
    assert response.status_code == status, response.text
    assert response.json() == error(code, message, target)


def assert_common_headers(response: httpx.Response | RawResponse) -> None:
    assert response.headers["cache-control"] == CACHE_CONTROL
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["server"] == "libzapid-httpd"


def names(response: httpx.Response | RawResponse) -> list[str]:
    assert response.status_code == 200, response.text
    return [r["name"] for r in response.json()["records"]]


def name_set(response: httpx.Response | RawResponse) -> set[str]:
    found = names(response)
    assert len(found) == len(set(found)), found
    return set(found)


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


# ---------------------------------------------------------------------------
# Raw requests: the target (path + query) reaches the app byte for byte, which
# httpx cannot promise (it re-encodes characters such as > and ").


@dataclass
class RawResponse:
    status_code: int
    headers: dict[str, str]
    content: bytes

    def json(self) -> Any:
        return json.loads(self.content)

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")


def raw_request(
    app: OntapApp,
    method: str,
    target: str,
    *,
    headers: dict[str, str] | None = None,
    body: bytes = b"",
    auth: tuple[str, str] | None = AUTH,
) -> RawResponse:
    path, _, query = target.partition("?")
    sent = {k.lower(): v for k, v in (headers or {}).items()}
    if auth is not None:
        sent.setdefault("authorization", basic(*auth))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode("latin-1"),
        "query_string": query.encode("latin-1"),
        "root_path": "",
        "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in sent.items()],
        "server": ("ontap.local", 80),
        "client": ("127.0.0.1", 50000),
    }
    messages: list[dict[str, Any]] = []
    pending = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> dict[str, Any]:
        if pending:
            return pending.pop()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    asyncio.run(app(scope, receive, send))
    start = next(m for m in messages if m["type"] == "http.response.start")
    content = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    response_headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in start["headers"]}
    return RawResponse(start["status"], response_headers, content)


def walk(
    app: OntapApp, first: str, *, headers: dict[str, str] | None = None, limit: int = 200
) -> list[Any]:
    """Follow `_links.next.href` verbatim from `first`; the bodies of all pages."""
    pages: list[Any] = []
    target: str | None = first
    while target is not None:
        assert len(pages) < limit, f"more than {limit} pages: the next links do not advance"
        response = raw_request(app, "GET", target, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append(body)
        target = body.get("_links", {}).get("next", {}).get("href")
    return pages


def records_of(pages: Sequence[Any]) -> list[dict[str, Any]]:
    return [record for page in pages for record in page["records"]]
