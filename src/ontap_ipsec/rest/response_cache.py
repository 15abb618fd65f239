"""Rendered GET responses, kept while nothing has been committed since.

A read's answer depends on the request and on the stored state alone: nothing a
GET returns is computed from the clock or from the caller beyond their role and
`Accept` header. So a 200 can be answered again, byte for byte, for as long as
the database is unchanged. Each entry carries the store's version
(:meth:`Reader.version`) read *before* the handler ran; an entry is used only
while the version is still the same, so a commit anywhere (this process, another
worker, `ontap-ipsec passwd`, a tool on the database file) retires every entry
at once. The cache holds at most `budget` bytes of bodies, least recently used
out first.

:class:`ResponseCacheMiddleware` owns the whole of it: the lookup, the key,
the version and the keeping. A hit is answered before any request object is
built; a miss goes on with the version in the exchange's state, and its 200 is
kept on the way out if the app marked it cacheable once it knew the caller.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from ontap_ipsec.rest.access import audience, raw_hint
from ontap_ipsec.rest.http import Exchange, wants_hal

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# An entry over this share of the budget is not kept: it would evict everything else.
_LARGEST_SHARE = 4


@dataclass(frozen=True)
class Cached:
    version: Any
    body: bytes
    headers: list[tuple[bytes, bytes]]  # as sent: content type and length included


class ResponseCache:
    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.size = 0
        self.hits = 0
        self._entries: OrderedDict[Any, Cached] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Any, version: Any) -> Cached | None:
        found = self._entries.get(key)
        if found is None or found.version != version:
            return None
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
        self.hits += 1
        return found

    def put(self, key: Any, version: Any, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
        if len(body) * _LARGEST_SHARE > self.budget:
            return
        entry = Cached(version, body, headers)
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.size -= len(old.body)
            self._entries[key] = entry
            self.size += len(body)
            while self.size > self.budget:
                _, evicted = self._entries.popitem(last=False)
                self.size -= len(evicted.body)


def cache_key(path: str, query: str, hal: bool, audience: Any) -> tuple[Any, ...]:
    """What a kept GET is found under: everything its answer depends on besides the data,
    the caller's role and visibility among it (rest/access.py: an SVM account's answers
    are its own; a cluster account tunnelling into an SVM has that SVM's)."""
    return (path, query, hal, audience)


class ResponseCacheMiddleware:
    """Answers a GET from the cache while nothing is committed; keeps what it may."""

    def __init__(
        self,
        app: ASGIApp,
        cache: ResponseCache,
        version: Callable[[], Any],
        identify: Callable[[str, Any, Any], Any],
        max_query: int,
    ) -> None:
        self.app = app
        self.cache = cache
        self.version = version  # the store's version now, or None when unknowable
        # the principal of a credential (and the SVM its request names) accepted at that
        # version, or None
        self.identify = identify
        self.max_query = max_query

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope["method"]
        if method != "GET" and method != "HEAD":
            await self.app(scope, receive, send)
            return
        try:
            hit, exchange, hal = self._lookup(scope)
        except Exception:  # noqa: BLE001 - the whole way through answers it
            hit, exchange, hal = None, None, False
        if hit is not None:
            if exchange is not None:
                exchange.cache_hit = True
            await send({"type": "http.response.start", "status": 200, "headers": hit.headers})
            body = b"" if method == "HEAD" else hit.body
            await send({"type": "http.response.body", "body": body})
            return
        if exchange is None or method != "GET":
            await self.app(scope, receive, send)
            return
        scope["ontap"] = exchange
        await self.app(scope, receive, self._keeping(scope, exchange, hal, send))

    def _lookup(self, scope: Scope) -> tuple[Cached | None, Exchange | None, bool]:
        """A kept answer, found with as little work as it takes: no request object, no
        database read beyond the version, no account read. Anything unusual (a body,
        no credential, one not accepted since the last commit, an over-long query)
        goes the whole way through, with the version if it was read."""
        authorization = accept = None
        for name, value in scope["headers"]:
            name = name.lower()
            if name == b"authorization":
                if authorization is not None:  # two credentials: the app refuses them
                    return None, None, False
                authorization = value.decode("latin-1")
            elif name == b"accept":
                accept = value.decode("latin-1")
            elif name == b"content-length" or name == b"transfer-encoding":
                return None, None, False
        query = scope["query_string"]
        if authorization is None or len(query) > self.max_query:
            return None, None, False
        version = self.version()
        if version is None:
            return None, None, False
        exchange = scope.get("ontap") or Exchange()  # the one begun outside, if any
        exchange.version = version
        hal = wants_hal(accept or "")
        named = raw_hint(scope["headers"])
        principal = self.identify(authorization, version, named)
        if principal is None:
            return None, exchange, hal
        key = cache_key(scope["path"], query.decode("latin-1"), hal, audience(principal, named))
        found = self.cache.get(key, version)
        if found is not None:  # the app does not see this request: who sent it, said here
            exchange.account, exchange.role = principal.name, principal.role
        return found, exchange, hal

    def _keeping(self, scope: Scope, exchange: Exchange, hal: bool, send: Send) -> Send:
        """`send`, keeping a 200 that the app marked cacheable."""
        started: dict[str, Any] = {}

        async def sending(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                if message["status"] == 200 and exchange.cacheable:
                    started["headers"] = message["headers"]
            elif message.get("more_body", False):
                started.clear()  # a streamed body is not kept
            elif "headers" in started and exchange.audience is not None:
                key = cache_key(
                    scope["path"], scope["query_string"].decode("latin-1"), hal, exchange.audience
                )
                self.cache.put(key, exchange.version, message.get("body", b""), started["headers"])
            await send(message)

        return sending
