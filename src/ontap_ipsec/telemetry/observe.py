"""Around every HTTP request: its id, its figures, its access line.

Outermost in the app, so that what it sees is what the client saw: answers from the
response cache, the toolkit's faults and the console's pages included. The request id
is the client's `X-Request-Id` when that is printable ASCII of at most 128 characters
(anything else is replaced, never trimmed or echoed), else one made here (a random
prefix of this process and a counter: unique, and costing no system call); it is sent
back in every response's `X-Request-Id` and kept in the exchange for the access line.
"""

from __future__ import annotations

import itertools
import logging
import os
from collections.abc import Awaitable, Callable, MutableMapping
from time import perf_counter
from typing import Any

from ontap_ipsec.rest.asgi import Receive, Scope, Send
from ontap_ipsec.rest.http import Exchange
from ontap_ipsec.telemetry.logs import ACCESS_LOGGER
from ontap_ipsec.telemetry.recorder import Recorder

HEADER = b"x-request-id"
MAX_ID = 128
access_log = logging.getLogger(ACCESS_LOGGER)
METRICS = "/metrics"  # a scrape is counted, but not in flight: it would count itself
_PREFIX = ""
_COUNTER = itertools.count(1)


def _new_process() -> None:
    """A prefix of this process's own: granian forks its workers from the server."""
    global _PREFIX, _COUNTER
    _PREFIX, _COUNTER = os.urandom(6).hex() + "-", itertools.count(1)


_new_process()
os.register_at_fork(after_in_child=_new_process)


def new_id() -> str:
    return _PREFIX + str(next(_COUNTER))


def request_id(headers: list[tuple[bytes, bytes]]) -> str:
    """The client's X-Request-Id if it is acceptable, else a new one."""
    for name, value in headers:
        if len(name) == 12 and name.lower() == HEADER:
            if 0 < len(value) <= MAX_ID and value.isascii():
                text = value.decode("ascii")
                if text.isprintable() and text.strip() == text:
                    return text
            break
    return new_id()


class Observed:
    """The ASGI app `app` with request ids, metrics and (when on) access lines."""

    def __init__(
        self,
        app: Callable[[Scope, Receive, Send], Any],
        recorder: Recorder,
        route_of: Callable[[str], str],
        *,
        cache_on: bool,
        access: bool,
    ) -> None:
        self.app = app
        self.recorder = recorder
        self.route_of = route_of
        self.cache_on = cache_on
        self.access = access

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        rid = request_id(scope["headers"])
        exchange = Exchange(request_id=rid)
        scope["ontap"] = exchange
        sending = _Sending(send, (HEADER, rid.encode("ascii")))
        recorder = self.recorder
        path = scope["path"]
        counted = 0 if path == METRICS else 1
        recorder.in_flight += counted
        start = perf_counter()
        try:
            await self.app(scope, receive, sending)
        finally:
            seconds = perf_counter() - start
            recorder.in_flight -= counted
            method = scope["method"]
            status = sending.status
            recorder.request(method, self.route_of(path), status, seconds)
            if method == "GET" and self.cache_on:
                if exchange.cache_hit:
                    recorder.cache_hits += 1
                elif exchange.cacheable:
                    recorder.cache_misses += 1
            if self.access:
                _access_line(method, path, status, seconds, exchange)


class _Sending:
    """The server's `send`, noting the status and adding X-Request-Id. Returns the
    server's own awaitable: no coroutine of ours per message."""

    __slots__ = ("send", "echoed", "status")

    def __init__(self, send: Send, echoed: tuple[bytes, bytes]) -> None:
        self.send = send
        self.echoed = echoed
        self.status = 500  # unless the app answers: the server's own 500 for an exception

    def __call__(self, message: MutableMapping[str, Any]) -> Awaitable[None]:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            # a new list: the response cache's kept headers are shared
            message["headers"] = [*message.get("headers", ()), self.echoed]
        return self.send(message)


def _access_line(method: str, path: str, status: int, seconds: float, exchange: Exchange) -> None:
    if not access_log.isEnabledFor(logging.INFO):
        return
    if not path.isprintable():  # no line of the log forged through a decoded path
        path = path.encode("unicode_escape").decode("ascii")
    if not method.isprintable() or len(method) > 16:
        method = method.encode("unicode_escape").decode("ascii")[:16]
    ms = round(seconds * 1000, 3)
    account = exchange.account
    access_log.info(
        "%s %s %d %.3fms id=%s account=%s",
        method,
        path,
        status,
        ms,
        exchange.request_id,
        account or "-",
        extra={
            "request_id": exchange.request_id,
            "account": account,
            "method": method,
            "path": path,
            "status": status,
            "duration_ms": ms,
        },
    )
