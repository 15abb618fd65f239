"""What uvicorn does not bound by itself, bounded: a connection's header phase, a response
the client stops reading, the connections served at once, the TLS handshake.

- A connection must finish its TLS handshake within --header-timeout seconds (the event
  loop's `ssl_handshake_timeout`, 60 s otherwise; its TLS close waits as long for the
  client's close_notify), then send a request's whole head within
  --header-timeout of opening or of its previous response, at most 64 KiB of it: else it is
  closed (with a 408 or 431 in ONTAP's envelope when part of a head had come).
- A response the client stops reading (the socket's buffers full) is cut when it has not
  moved for --body-timeout seconds, and the request's memory is freed.
- Once a burst of connections has closed, the memory they took is given back to the
  system (glibc's `malloc_trim`), so that a worker's size comes back after an abuse.
- Past --max-connections (this worker's share), a request is answered 503 in ONTAP's
  envelope, with `Retry-After`, and its connection closed: uvicorn's own `limit_concurrency`
  would answer in plain text.
"""

from __future__ import annotations

import asyncio
import ctypes
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
import uvloop

from ontap_ipsec.cli.uvicorn_http import EnvelopeHttpToolsProtocol
from ontap_ipsec.rest.errors import INVALID
from ontap_ipsec.rest.http import BASE_HEADERS, HAL

MAX_HEAD = 64 * 1024
BUSY_CODE = "262160"  # the app's own 503 ("The database is busy"): retry after a delay
_REASONS = {408: b"Request Timeout", 431: b"Request Header Fields Too Large"}


@dataclass(frozen=True)
class Limits:
    header_timeout: float
    stall_timeout: float
    max_connections: int  # this worker's


def envelope(status: int, message: str, code: str = INVALID) -> bytes:
    """A whole HTTP/1.1 answer in ONTAP's envelope, closing the connection."""
    body = orjson.dumps({"error": {"message": message, "code": code}})
    head = [b"HTTP/1.1 %d %s\r\n" % (status, _REASONS.get(status, b""))]
    head += [name + b": " + value + b"\r\n" for name, value in BASE_HEADERS]
    head += [
        b"content-type: " + HAL.encode() + b"\r\n",
        b"content-length: " + str(len(body)).encode() + b"\r\n",
        b"connection: close\r\n\r\n",
    ]
    return b"".join(head) + body


async def _busy(scope: Any, receive: Any, send: Any) -> None:
    """The answer past --max-connections."""
    body = orjson.dumps(
        {
            "error": {
                "message": "The server is serving as many connections as it allows. "
                "Retry after a short delay.",
                "code": BUSY_CODE,
            }
        }
    )
    headers = [
        *BASE_HEADERS,
        (b"content-type", HAL.encode()),
        (b"content-length", str(len(body)).encode()),
        (b"retry-after", b"1"),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": 503, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class LimitedHttpToolsProtocol(EnvelopeHttpToolsProtocol):
    def __init__(self, *args: Any, limits: Limits, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit_concurrency = None  # checked here, answered in the envelope
        self._limits = limits
        self._head_timer: asyncio.TimerHandle | None = None
        self._in_head = False  # a request's head begun, not complete
        self._head_bytes = 0  # of that head
        self._stall_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head()

    def connection_lost(self, exc: Exception | None) -> None:
        _RELEASE.closed(self.loop)
        self._disarm_head()
        self._disarm_stall()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._in_head:  # a head begun and not complete after these bytes
            self._head_bytes += len(data)
            if self._head_bytes > MAX_HEAD:
                self._refuse(431, f"The request's head exceeds {MAX_HEAD} bytes.")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head, self._head_bytes = True, 0

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._disarm_head()
        limit = self._limits.max_connections
        if len(self.connections) > limit or len(self.tasks) >= limit:
            app, self.app = self.app, _busy
            try:
                super().on_headers_complete()
            finally:
                self.app = app
            return
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        idle = self.cycle is None or self.cycle.response_complete  # none started from the pipeline
        if idle and not self.transport.is_closing() and self._head_timer is None:
            self._arm_head()

    def pause_writing(self) -> None:
        super().pause_writing()
        if self._stall_timer is None:
            self._stall_timer = self.loop.call_later(
                self._limits.stall_timeout, self.transport.abort
            )

    def resume_writing(self) -> None:
        super().resume_writing()
        self._disarm_stall()

    def _arm_head(self) -> None:
        self._head_timer = self.loop.call_later(self._limits.header_timeout, self._head_late)

    def _disarm_head(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _disarm_stall(self) -> None:
        if self._stall_timer is not None:
            self._stall_timer.cancel()
            self._stall_timer = None

    def _head_late(self) -> None:
        self._head_timer = None
        if self.cycle is not None and not self.cycle.response_complete:
            return  # a request is being answered (its head came): the next one is timed after
        if self._in_head:
            self._refuse(408, "The request's headers were not received in time.")
        else:
            self._close()

    def _refuse(self, status: int, message: str) -> None:
        self._disarm_head()
        if not self.transport.is_closing():
            self.transport.write(envelope(status, message))
            self._close()

    def _close(self) -> None:
        """Closed, at once when what was written has not gone (a client that reads nothing
        would hold a graceful close open)."""
        if self.transport.get_write_buffer_size() > 0:
            self.transport.abort()
        elif not self.transport.is_closing():
            self.transport.close()


class _Release:
    """Memory given back to the system once a burst of connections has closed.

    glibc keeps what a thousand closed TLS connections freed (their buffers, spread over
    its arenas) and the worker's Pss stays up by tens of MiB: measured, 1,000 idle
    connections left +41 MiB, +20 MiB more on a second round, and nothing once
    `malloc_trim` runs. So after at least BURST closes in this worker, once no connection
    has closed for a second, it runs, in a thread (it walks the heap); normal traffic, a
    few connections, seldom triggers it.
    """

    BURST = 50
    QUIET = 1.0

    def __init__(self) -> None:
        self._count = 0
        self._last = 0.0
        self._pending = False
        self._trim: Callable[[int], int] | None
        try:
            self._trim = ctypes.CDLL(None).malloc_trim  # glibc only
        except (OSError, AttributeError):
            self._trim = None

    def closed(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._trim is None:
            return
        self._count += 1
        self._last = loop.time()
        if self._count >= self.BURST and not self._pending:
            self._pending = True
            loop.call_later(self.QUIET, self._when_quiet, loop)

    def _when_quiet(self, loop: asyncio.AbstractEventLoop) -> None:
        wait = self._last + self.QUIET - loop.time()
        if wait > 0:  # the burst goes on
            loop.call_later(wait, self._when_quiet, loop)
            return
        self._count, self._pending = 0, False
        if self._trim is not None:
            loop.run_in_executor(None, self._trim, 0)


_RELEASE = _Release()


def protocol(limits: Limits) -> Callable[..., LimitedHttpToolsProtocol]:
    """uvicorn's `http=`: the protocol class with these limits (picklable, for its workers)."""
    return functools.partial(LimitedHttpToolsProtocol, limits=limits)


class _Loop(uvloop.Loop):  # type: ignore[misc]
    handshake_timeout = 60.0

    async def create_server(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("ssl") is not None:
            # and a TLS close waits as long for the peer's close_notify (30 s otherwise)
            kwargs.setdefault("ssl_handshake_timeout", self.handshake_timeout)
            kwargs.setdefault("ssl_shutdown_timeout", self.handshake_timeout)
        return await super().create_server(*args, **kwargs)


def _new_loop(handshake_timeout: float) -> asyncio.AbstractEventLoop:
    loop = _Loop()
    loop.handshake_timeout = handshake_timeout
    return loop


def loop_factory(handshake_timeout: float) -> Callable[[], asyncio.AbstractEventLoop]:
    """uvicorn's `loop=`: uvloop, a TLS handshake bounded (picklable, for its workers)."""
    return functools.partial(_new_loop, handshake_timeout)
