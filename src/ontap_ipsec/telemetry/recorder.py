"""The figures of one app, kept in plain Python: what a request costs to count.

prometheus_client's multiprocess values write a memory-mapped file under a lock at every
change: about 7 us for the counter, histogram and gauge one request moves, which is half
of what a cached GET costs the app. Here a request costs one dict lookup, a bisect and
two additions on the event loop's thread (a quarter of a microsecond); `snapshot` hands
what changed since the last one to `metrics.py`, which adds it to prometheus_client's
values: every second in each worker of a server, and at each scrape for the scraping
worker, so that a scrape sees its own worker exactly and the others as of a second ago.
Importing prometheus_client (about 20 ms) is thereby off the start and the request path.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from dataclasses import dataclass, field

# Seconds. The app answers a cached GET in tens of microseconds, a write in about a
# millisecond, a key generated or a page of thousands of records in a second or more.
LATENCY_BUCKETS = (
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
)
TRANSACTION_BUCKETS = (
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0,
)
METHODS = frozenset({"GET", "HEAD", "POST", "PATCH", "DELETE", "OPTIONS", "PUT"})
OTHER_METHOD = "other"  # any other method: one label, whatever a client sends

Series = list[float]  # a count per bucket (the last is +Inf), then the sum of the seconds


def _series(buckets: tuple[float, ...]) -> Series:
    return [0.0] * (len(buckets) + 2)


@dataclass
class Snapshot:
    """What changed since the previous snapshot (the in-flight count as it is now)."""

    requests: list[tuple[tuple[str, str, int], Series]] = field(default_factory=list)
    transactions: list[tuple[bool, Series]] = field(default_factory=list)
    cache_hits: float = 0.0
    cache_misses: float = 0.0
    in_flight: int | None = None  # None: unchanged


class Recorder:
    """Counts requests, transactions and response cache lookups; never fails a request.

    Requests and cache lookups are counted on the event loop's thread only; transactions
    come from any thread and take a lock (they cost a millisecond already).
    """

    def __init__(self) -> None:
        self.in_flight = 0
        self.cache_hits = 0
        self.cache_misses = 0
        self._requests: dict[tuple[str, str, int], Series] = {}
        self._transactions: dict[bool, Series] = {}
        self._tx_lock = threading.Lock()
        self._snap_lock = threading.Lock()
        self._flushed: dict[object, Series] = {}
        self._flushed_cache = (0, 0)
        self._flushed_in_flight = -1

    def request(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method if method in METHODS else OTHER_METHOD, route, status)
        series = self._requests.get(key)
        if series is None:
            series = self._requests[key] = _series(LATENCY_BUCKETS)
        series[bisect_left(LATENCY_BUCKETS, seconds)] += 1
        series[-1] += seconds

    def transaction(self, seconds: float, committed: bool) -> None:
        with self._tx_lock:
            series = self._transactions.get(committed)
            if series is None:
                series = self._transactions[committed] = _series(TRANSACTION_BUCKETS)
            series[bisect_left(TRANSACTION_BUCKETS, seconds)] += 1
            series[-1] += seconds

    def snapshot(self) -> Snapshot:
        """What changed since the last call (calls from several threads take turns)."""
        with self._snap_lock:
            snap = Snapshot()
            for key, series in list(self._requests.items()):
                delta = self._delta(key, series)
                if delta is not None:
                    snap.requests.append((key, delta))
            with self._tx_lock:
                transactions = [(k, s[:]) for k, s in self._transactions.items()]
            for committed, series in transactions:
                delta = self._delta(("tx", committed), series)
                if delta is not None:
                    snap.transactions.append((committed, delta))
            hits, misses = self.cache_hits, self.cache_misses
            snap.cache_hits = float(hits - self._flushed_cache[0])
            snap.cache_misses = float(misses - self._flushed_cache[1])
            self._flushed_cache = (hits, misses)
            in_flight = self.in_flight
            if in_flight != self._flushed_in_flight:
                snap.in_flight = self._flushed_in_flight = in_flight
            return snap

    def _delta(self, key: object, series: Series) -> Series | None:
        now = series[:]  # one copy: the request thread may be adding meanwhile
        before = self._flushed.get(key)
        if before == now:
            return None
        self._flushed[key] = now
        if before is None:
            return now
        return [a - b for a, b in zip(now, before, strict=True)]
