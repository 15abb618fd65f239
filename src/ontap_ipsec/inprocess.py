"""Drive the ASGI app without sockets: an httpx transport that needs no event loop.

Used by the test suite and by users' tests for speed; requests travel the same
ASGI path as they do behind the HTTPS server.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import httpx


class SyncASGITransport(httpx.BaseTransport):
    """A synchronous httpx transport running the app on a private event loop."""

    def __init__(self, app: Any) -> None:
        self._inner = httpx.ASGITransport(app=app)
        self._loop = asyncio.new_event_loop()
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            body = request.read()
            async_request = httpx.Request(
                request.method, request.url, headers=request.headers, content=body
            )
            response = self._loop.run_until_complete(
                self._inner.handle_async_request(async_request)
            )
            content = self._loop.run_until_complete(response.aread())
        return httpx.Response(
            response.status_code, headers=response.headers, content=content, request=request
        )

    def close(self) -> None:
        with self._lock:
            if not self._loop.is_closed():
                self._loop.close()


def client(app: Any, *, auth: tuple[str, str] | None = None, **kwargs: Any) -> httpx.Client:
    """An httpx.Client talking to `app` in-process at http://ontap.local."""
    return httpx.Client(
        transport=SyncASGITransport(app), base_url="http://ontap.local", auth=auth, **kwargs
    )
