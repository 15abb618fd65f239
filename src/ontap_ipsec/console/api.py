"""The console's client of /api: the app's own ASGI entry, called in-process.

Each call is a complete ASGI request (scope, body, response) into the same app that
serves /api over the network, with the signed-in person's Basic credential: the same
authentication, routing, readonly rule, writer threads, response cache and error
envelope as any other client's. No socket, no TLS, no second copy of a rule.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import orjson

from ontap_ipsec.rest.asgi import Receive, Scope, Send

ASGIApp = Any  # (scope, receive, send) -> awaitable


@dataclass(frozen=True)
class ApiError(Exception):
    """ONTAP's error envelope, as the API answered it."""

    status: int
    code: str
    message: str
    target: str | None = None

    def __str__(self) -> str:
        return f"{self.message} (code {self.code})"


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]

    @property
    def records(self) -> list[dict[str, Any]]:
        return list(self.body.get("records", []))

    @property
    def count(self) -> int:
        return int(self.body.get("num_records", len(self.records)))


class Api:
    """Calls into `app` as the account whose `authorization` header it is given."""

    def __init__(self, app: ASGIApp, authorization: str) -> None:
        self._app = app
        self._authorization = authorization

    async def get(self, path: str, **query: Any) -> Answer:
        return await self.call("GET", path, query)

    async def post(self, path: str, body: dict[str, Any], **query: Any) -> Answer:
        return await self.call("POST", path, query, body)

    async def delete(self, path: str, **query: Any) -> Answer:
        return await self.call("DELETE", path, query)

    async def call(
        self,
        method: str,
        path: str,
        query: dict[str, Any] | str | None = None,
        body: dict[str, Any] | None = None,
    ) -> Answer:
        """The answer of a 2xx; ApiError for anything else, with ONTAP's code."""
        status, raw = await self.exchange(method, path, query, body)
        data: Any = {}
        if raw:
            try:
                data = orjson.loads(raw)
            except orjson.JSONDecodeError:
                data = {}
        if not isinstance(data, dict):
            data = {}
        if status >= 400:
            error = data.get("error") or {}
            raise ApiError(
                status,
                str(error.get("code", "")),
                str(error.get("message", f"The request failed with status {status}.")),
                error.get("target"),
            )
        return Answer(status, data)

    async def exchange(
        self,
        method: str,
        path: str,
        query: dict[str, Any] | str | None = None,
        body: dict[str, Any] | None = None,
    ) -> tuple[int, bytes]:
        if isinstance(query, dict):
            query = urlencode({k: v for k, v in query.items() if v is not None})
        content = b"" if body is None else orjson.dumps(body)
        headers = [
            (b"host", b"console.local"),
            (b"authorization", self._authorization.encode("latin-1")),
            (b"accept", b"application/json"),
        ]
        if body is not None:
            headers.append((b"content-type", b"application/json"))
            headers.append((b"content-length", str(len(content)).encode()))
        scope: Scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "https",
            "path": path,
            "raw_path": path.encode(),
            "query_string": (query or "").encode("latin-1"),
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 0),
            "server": ("console.local", 443),
        }
        sent = False

        async def receive() -> MutableMapping[str, Any]:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": content, "more_body": False}

        status = 500
        chunks: list[bytes] = []

        async def send(message: MutableMapping[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        receiver: Receive = receive
        sender: Send = send
        await self._app(scope, receiver, sender)
        return status, b"".join(chunks)
