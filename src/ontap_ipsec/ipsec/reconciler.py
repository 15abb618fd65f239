"""Converge each attached charon's authorities of ours to the desired IPsec CA list.

Why a reconciler rather than pushing each change: the database is the truth and a
daemon may be down, restarted (losing everything loaded over VICI) or changed by an
operator; comparing and converging at start, on every change event, every `resync`
seconds and whenever a daemon comes back keeps it right whatever happened in between.

One thread per daemon, so a hanging daemon (bounded by the driver's timeout) does not
delay the others. `desired()` is called from those threads and must be thread-safe.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from .vici_driver import AUTHORITY_PREFIX, DEFAULT_TIMEOUT, ViciDriver, parse_vici_uri
from .worker import Connections, Desired, Settings, Worker


class Reconciler:
    """Keeps each scope's daemon trusting exactly the desired CAs, from a background thread.

    `daemons` maps scope -> VICI URI (`unix:///path/charon.vici`); `desired()` gives
    scope -> {certificate uuid: PEM}. Call `notify()` after every change event.
    `on_pass()`, if given, is called from a daemon's thread after each of its passes.
    `connections(scope)`, if given, names the connections (IPsec policies) each daemon
    must hold besides the authorities.
    """

    def __init__(
        self,
        daemons: Mapping[str, str],
        desired: Desired,
        *,
        resync: float = 30.0,
        terminate_on_remove: bool = False,
        poll_interval: float = 0.25,
        timeout: float = DEFAULT_TIMEOUT,
        prefix: str = AUTHORITY_PREFIX,
        on_pass: Callable[[], None] | None = None,
        connections: Connections | None = None,
    ) -> None:
        for scope, uri in daemons.items():
            if not scope:
                raise ValueError(f"empty scope for the daemon at {uri!r}")
            try:
                parse_vici_uri(uri)
            except ValueError as exc:
                raise ValueError(f"scope {scope!r}: {exc}") from None
        if resync <= 0 or poll_interval <= 0 or timeout <= 0:
            raise ValueError("resync, poll_interval and timeout must be positive")
        self.stopping = threading.Event()
        self.settings = Settings(
            desired, resync, poll_interval, terminate_on_remove, self.stopping, on_pass, connections
        )
        self._workers = {
            scope: Worker(self.settings, scope, ViciDriver(uri, timeout=timeout, prefix=prefix))
            for scope, uri in daemons.items()
        }
        self._started = False

    def start(self) -> Reconciler:
        """Start the threads; the first pass on every daemon begins at once."""
        if not self._started:
            self._started = True
            for worker in self._workers.values():
                worker.thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """End the threads, aborting a call in flight, and close the connections."""
        self.stopping.set()
        for worker in self._workers.values():
            worker.wake.set()
            worker.driver.abort()
        deadline = time.monotonic() + timeout
        for worker in self._workers.values():
            if worker.thread.is_alive():
                worker.thread.join(max(0.0, deadline - time.monotonic()))
            if not worker.thread.is_alive():
                worker.driver.close()

    def notify(self) -> None:
        """Something changed: converge every daemon soon (bursts coalesce into one pass)."""
        for worker in self._workers.values():
            worker.request()

    def converge(self, timeout: float = 5.0, *, full: bool = False) -> bool:
        """Ask for a pass everywhere and wait for it; True when every daemon is in sync.

        `full`: each pass lists the daemon's authorities, as at a resync, rather than
        trusting what was loaded on the open connection.
        """
        if not self._started or self.stopping.is_set():
            raise RuntimeError("the reconciler is not running")
        targets = [(w, w.request(full)) for w in self._workers.values()]
        deadline = time.monotonic() + timeout
        for worker, target in targets:
            if not worker.wait_completed(target, max(0.0, deadline - time.monotonic())):
                return False
        return all(w.status.in_sync for w in self._workers.values())

    def status(self) -> dict[str, dict[str, Any]]:
        """scope -> uri, reachable, in_sync, missing, extra, last_error, last_convergence."""
        result = {}
        for scope, worker in self._workers.items():
            with worker.cond:
                result[scope] = worker.status.as_dict()
        return result

    def driver(self, scope: str) -> ViciDriver:
        """The driver of one scope's daemon (its own lock makes sharing it safe)."""
        return self._workers[scope].driver

    def __enter__(self) -> Reconciler:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
