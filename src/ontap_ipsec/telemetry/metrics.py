"""`GET /metrics`: the recorders' figures as prometheus_client's metrics, and the scrape.

Under `serve` every worker adds what its recorder counted to prometheus_client's
multiprocess values (files of its own in the server's directory, `shared_dir.py`) every
`FLUSH_SECONDS`, and at the start of each scrape it answers; a scrape sums every
worker's files, so whichever worker answers it, every worker's requests are counted.
The in-flight gauge is summed over living processes only: the files of a worker that is
gone (respawned, killed) are marked dead at the next scrape; its counters stay counted.
An app without that directory (a test's, in-process) keeps its metrics to itself.

This module imports prometheus_client; nothing imports it before the first flush or
scrape (see recorder.py).
"""

from __future__ import annotations

import logging
import re
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client import multiprocess as mp

from ontap_ipsec.telemetry import shared_dir
from ontap_ipsec.telemetry.recorder import (
    LATENCY_BUCKETS,
    TRANSACTION_BUCKETS,
    Recorder,
    Series,
    Snapshot,
)

if TYPE_CHECKING:
    from ontap_ipsec.rest.context import Context

# The text format every Prometheus reads (the names here need nothing newer).
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
FLUSH_SECONDS = 1.0
log = logging.getLogger("ontap_ipsec.metrics")
_LIVE_GAUGE = re.compile(r"^gauge_live\w*?_(\d+)\.db$")


class Sink:
    """The prometheus_client metrics the snapshots of a recorder are added to."""

    def __init__(self, registry: CollectorRegistry | None) -> None:
        self.registry = registry
        self.requests = Counter(
            "ontap_ipsec_http_requests",
            "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "ontap_ipsec_http_request_duration_seconds",
            "Seconds from a request's arrival in the app to the end of its response.",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.in_flight = Gauge(
            "ontap_ipsec_http_requests_in_flight",
            "Requests being answered now, by every living worker (scrapes left out); "
            "other workers' as of a second ago.",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self.transactions = Histogram(
            "ontap_ipsec_db_transaction_duration_seconds",
            "Seconds of each write transaction, BEGIN to COMMIT or ROLLBACK.",
            ["outcome"],
            buckets=TRANSACTION_BUCKETS,
            registry=registry,
        )
        self.cache = Counter(
            "ontap_ipsec_response_cache_requests",
            "GETs the response cache answered (hit) or could have kept and did not have "
            "(miss).",
            ["result"],
            registry=registry,
        )
        self._lock = threading.Lock()

    def add(self, snap: Snapshot) -> None:
        with self._lock:
            for (method, route, status), series in snap.requests:
                count = sum(series[:-1])
                if count:
                    self.requests.labels(method, route, str(status)).inc(count)
                _observe(self.latency.labels(method, route), series)
            for committed, series in snap.transactions:
                _observe(self.transactions.labels("commit" if committed else "rollback"), series)
            if snap.cache_hits:
                self.cache.labels("hit").inc(snap.cache_hits)
            if snap.cache_misses:
                self.cache.labels("miss").inc(snap.cache_misses)
            if snap.in_flight is not None:
                self.in_flight.set(snap.in_flight)


def _observe(child: Any, series: Series) -> None:
    """Add a series of bucket counts and a sum to a histogram's child at once.

    prometheus_client has no public call for it (observe() takes one value); its
    children keep one value per bucket (`_buckets`, not cumulative) and `_sum`, as
    tests/unit/test_telemetry.py checks against observe()."""
    for i, count in enumerate(series[:-1]):
        if count:
            child._buckets[i].inc(count)
    if series[-1]:
        child._sum.inc(series[-1])


_PROCESS_SINK: Sink | None = None
_PROCESS_LOCK = threading.Lock()


def sink_of(recorder: Recorder) -> Sink:
    """The sink of `recorder`: the process's one, in a server's worker; else its own."""
    global _PROCESS_SINK
    if shared_dir.current() is not None:
        with _PROCESS_LOCK:
            if _PROCESS_SINK is None:
                _PROCESS_SINK = Sink(None)
            return _PROCESS_SINK
    found = recorder.__dict__.get("_sink")
    if found is None:
        found = recorder.__dict__["_sink"] = Sink(CollectorRegistry(auto_describe=True))
    return found  # type: ignore[no-any-return]


def flush(recorder: Recorder) -> None:
    sink_of(recorder).add(recorder.snapshot())


class Flusher:
    """A worker's thread flushing its recorder every `FLUSH_SECONDS`, until stopped."""

    def __init__(self, recorder: Recorder, interval: float = FLUSH_SECONDS) -> None:
        self.recorder = recorder
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ontap-metrics", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                flush(self.recorder)
            except Exception:  # noqa: BLE001 - metrics never stop a worker
                log.exception("metrics: flush failed")

    def stop(self) -> None:
        """Stop, with a last flush: what this worker counted stays counted."""
        self._stop.set()
        self._thread.join(timeout=5)
        try:
            flush(self.recorder)
        except Exception:  # noqa: BLE001
            log.exception("metrics: last flush failed")


def mark_dead_workers(directory: Path) -> list[int]:
    """Mark the processes whose live gauges are in `directory` but that are gone."""
    dead = set()
    for entry in directory.iterdir():
        match = _LIVE_GAUGE.match(entry.name)
        if match and not shared_dir.alive(int(match.group(1))):
            dead.add(int(match.group(1)))
    for pid in dead:
        mp.mark_process_dead(pid, str(directory))
    return sorted(dead)


class _Collect:
    """A collector yielding what another registry (or collector) collects."""

    def __init__(self, source: Any) -> None:
        self.source = source

    def collect(self) -> Any:
        return self.source.collect()


def render(ctx: Context, recorder: Recorder) -> bytes:
    """The text exposition of every worker's figures, and of the state read now."""
    from ontap_ipsec.telemetry.gauges import StateCollector

    flush(recorder)
    registry = CollectorRegistry(auto_describe=False)
    directory = shared_dir.current()
    if directory is not None:
        mark_dead_workers(directory)
        mp.MultiProcessCollector(registry, path=str(directory))
    else:
        own = sink_of(recorder).registry
        registry.register(_Collect(own))
    registry.register(StateCollector(ctx))
    return bytes(generate_latest(registry))
