"""The ASGI exchange itself: reading a body, sending a response, the lifespan."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from ontap_ipsec.rest.http import BASE_HEADERS, Request, Response

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

_DRAIN_LIMIT = 256 * 1024 * 1024  # past this, give up on the connection


async def read_body(receive: Receive, limit: int) -> tuple[bytes, bool]:
    """The body, and whether it was over `limit`; past it keep reading and discard, so
    that the client gets our answer rather than a reset."""
    chunks: list[bytes] = []
    size = 0
    too_large = False
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            too_large = True
            chunks = []
            if size > _DRAIN_LIMIT:
                break
        elif chunk:
            chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks), too_large


async def send_response(send: Send, request: Request, response: Response) -> None:
    content = response.body
    if not request.hal and isinstance(content, dict):
        content = without_links(content)
    body, content_type = response.encode_body(content, request.hal)
    headers = list(BASE_HEADERS)
    if content_type:
        headers.append((b"content-type", content_type.encode()))
    headers.append((b"content-length", str(len(body)).encode()))
    for name, value in response.headers.items():
        headers.append((name.encode("latin-1"), value.encode("latin-1")))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if request.method == "HEAD" else body})


def without_links(body: dict[str, Any]) -> dict[str, Any]:
    """`Accept: application/json`: no HAL links anywhere but the collection's `next` and a
    job answer's `job._links.self` (and each of `jobs`), which clients written against real
    clusters with that Accept header follow: OpenStack's NetApp REST client and NetApp's own
    rest_api samples read `response["job"]["_links"]["self"]["href"]` (docs/fidelity.md)."""
    out = {
        k: v if k in _JOB_KEYS else _strip(v) for k, v in body.items() if k != "_links"
    }
    following = body.get("_links", {}).get("next") if isinstance(body.get("_links"), dict) else None
    if following is not None:
        out["_links"] = {"next": following}
    return out


_JOB_KEYS = frozenset({"job", "jobs"})


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k != "_links"}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


async def lifespan(
    receive: Receive,
    send: Send,
    started: Callable[[], None] | None = None,
    stopping: Callable[[], None] | None = None,
) -> None:
    """The ASGI lifespan: `started` once the server serves the app, `stopping` when it has
    stopped serving it (after its last request)."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            if started is not None:
                started()
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            if stopping is not None:
                stopping()
            await send({"type": "lifespan.shutdown.complete"})
            return
