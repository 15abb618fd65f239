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
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

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
