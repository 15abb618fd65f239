"""How a reconciler learns that another process changed what IPsec trusts.

The change events of an app (its event bus) are heard only in its own process; the
HTTP workers of `serve`, another `ontap-ipsec` on the same database, or any tool
writing to it are not. The database tells instead: every change to the IPsec CA
list, the SVMs or the cluster bumps `trust_changes.generation` in its transaction
(migration 0005).

* SQLite (`SqliteFeed`): `PRAGMA data_version` on a connection of our own moves with
  every commit of any other connection, and costs a few microseconds; it is polled
  every `interval` (10 ms), and only when it moved is the generation read and
  compared, so commits that change no trust (a job, a certificate) start no pass.
* PostgreSQL (`PostgresFeed`): the same triggers send NOTIFY ontap_ipsec_trust, which
  the database delivers at the commit to every process LISTENing, on any host. A lost
  connection is opened again (with a pass afterwards: notifications sent meanwhile
  are lost), so a database restart costs no more than the time to reconnect.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from ontap_ipsec.store.engine import Store

log = logging.getLogger("ontap_ipsec.strongswan")

CHANNEL = "ontap_ipsec_trust"
POLL_INTERVAL = 0.01
LISTEN_TIMEOUT = 0.25  # how often a listener looks at its stop flag
RETRY_MAX = 5.0


class _Feed:
    """A daemon thread calling `on_change()` after each change seen; `stop()` ends it."""

    name = "strongswan-changes"

    def __init__(self, on_change: Callable[[], None]) -> None:
        self.on_change = on_change
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._failing = False

    def start(self) -> None:
        self.thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        self.stopping.set()
        if self.thread.is_alive():
            self.thread.join(timeout)

    def _run(self) -> None:
        delay = 0.1
        while not self.stopping.is_set():
            try:
                self.watch()
                return
            except Exception as exc:  # noqa: BLE001 - any failure: retry, never die
                if not self._failing:
                    # the text may quote the database URL: the type only, details at debug
                    log.warning(
                        "strongSwan change feed lost the database (%s); retrying, with a full "
                        "pass when it is back",
                        type(exc).__name__,
                    )
                    log.debug("change feed failure", exc_info=exc)
                    self._failing = True
            self.stopping.wait(delay)
            delay = min(delay * 2, RETRY_MAX)

    def watching(self) -> None:
        """The feed is in place: converge once, for changes made before it was (at start,
        or while the database was away, which is then said once)."""
        if self._failing:
            self._failing = False
            log.info("strongSwan change feed has the database again")
        self.on_change()

    def watch(self) -> None:
        raise NotImplementedError


class SqliteFeed(_Feed):
    """Polls `PRAGMA data_version`, then the generation when it moved."""

    def __init__(
        self,
        store: Store,
        generation: Callable[[], int],
        on_change: Callable[[], None],
        interval: float = POLL_INTERVAL,
    ) -> None:
        super().__init__(on_change)
        self.store = store
        self.generation = generation
        self.interval = interval

    def watch(self) -> None:
        version = self.store.version()
        seen = self.generation()
        self.watching()
        while not self.stopping.wait(self.interval):
            now = self.store.version()
            if now == version:
                continue
            version = now
            current = self.generation()
            if current != seen:
                seen = current
                self.on_change()


class PostgresFeed(_Feed):
    """LISTENs on a connection of its own, outside the store's pool.

    A notification is database-wide: another deployment in another schema of the same
    database sends them too. Each one is therefore followed by a read of this schema's
    generation, and only a move starts a pass.
    """

    def __init__(
        self, url: str, generation: Callable[[], int], on_change: Callable[[], None]
    ) -> None:
        super().__init__(on_change)
        self.url = url
        self.generation = generation
        self.connected = threading.Event()  # for tests: LISTEN is in place

    def watch(self) -> None:
        import sqlalchemy as sa

        engine = sa.create_engine(self.url, poolclass=sa.pool.NullPool)
        try:
            raw = engine.raw_connection()
            try:
                conn: Any = raw.driver_connection
                conn.autocommit = True
                conn.execute(f"LISTEN {CHANNEL}")
                seen = self.generation()
                self.connected.set()
                self.watching()
                while not self.stopping.is_set():
                    if not list(conn.notifies(timeout=LISTEN_TIMEOUT)):
                        continue
                    current = self.generation()
                    if current != seen:
                        seen = current
                        self.on_change()
            finally:
                self.connected.clear()
                raw.close()
        finally:
            engine.dispose()


def feed_for(store: Store, generation: Callable[[], int], on_change: Callable[[], None]) -> _Feed:
    """The feed that fits the store's database."""
    if store.dialect == "sqlite":
        return SqliteFeed(store, generation, on_change)
    url = store.engine.url.render_as_string(hide_password=False)
    return PostgresFeed(url, generation, on_change)

