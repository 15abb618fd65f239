"""The change feeds: a pass for each change to trust, made by any connection, and none for
a commit that changes no trust (SQLite) or for another schema's change (PostgreSQL)."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from ontap_ipsec.inprocess import client
from ontap_ipsec.ipsec.changes import PostgresFeed, SqliteFeed, feed_for
from ontap_ipsec.seeding import seed
from ontap_ipsec.store.engine import Store, create_engine
from ontap_ipsec.store.ipsec_ca import TRUST_GENERATION
from tests.conftest import AUTH, PG_BASE, new_app


class Counted:
    def __init__(self) -> None:
        self.calls = 0
        self.lock = threading.Lock()

    def __call__(self) -> None:
        with self.lock:
            self.calls += 1


def settle(counted: Counted, seconds: float = 0.15) -> int:
    """The count once nothing more has come for `seconds`."""
    time.sleep(seconds)
    return counted.calls


def wait_for(condition: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not true within {timeout} s"
        time.sleep(0.01)


def generation_of(store: Store) -> Any:
    return lambda: int(store.rows(TRUST_GENERATION, {})[0][0])


def test_sqlite_feed_starts_a_pass_for_trust_only(tmp_path: Path) -> None:
    app = new_app(tmp_path / "data")
    changed = Counted()
    reader = Store(create_engine(app.ctx.settings.database_url))  # another process's view
    feed = feed_for(reader, generation_of(reader), changed)
    assert isinstance(feed, SqliteFeed)
    feed.start()
    try:
        wait_for(lambda: changed.calls == 1, 2.0)  # once in place
        with client(app, auth=AUTH) as http:
            seed(http, {"certificates": [{"name": "c", "type": "server_ca", "generate": True}]})
            assert settle(changed) == 1  # a certificate is not trust
            seed(http, {"svms": ["vs1"]})
            wait_for(lambda: changed.calls == 2, 2.0)
            seed(http, {"ipsec_ca_certificates": [{"certificate": "c"}]})
            wait_for(lambda: changed.calls == 3, 2.0)
    finally:
        feed.stop()
        reader.dispose()
        app.close()


@pytest.fixture
def two_schemas(pg_url: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """pg_url and a second schema of the same database, both migrated."""
    other = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_BASE)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{other}"'))
    other_url = f"{PG_BASE}?options=-csearch_path%3D{other}"
    try:
        for n, url in enumerate((pg_url, other_url)):
            new_app(tmp_path / f"app{n}", url).close()  # migrated, with its cluster
        yield pg_url, other_url
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{other}" CASCADE'))
        admin.dispose()


def test_postgresql_feed_ignores_another_schemas_changes(two_schemas: tuple[str, str]) -> None:
    ours, theirs = two_schemas
    store = Store(create_engine(ours))
    changed = Counted()
    feed: Any = feed_for(store, generation_of(store), changed)
    assert isinstance(feed, PostgresFeed)
    feed.start()
    engines = [create_engine(url) for url in (ours, theirs)]
    try:
        wait_for(feed.connected.is_set, 5.0)
        wait_for(lambda: changed.calls == 1, 2.0)
        with engines[1].begin() as conn:
            conn.execute(sa.text("UPDATE cluster SET name = 'theirs'"))
        assert settle(changed, 0.5) == 1  # notified, but their generation moved, not ours
        with engines[0].begin() as conn:
            conn.execute(sa.text("UPDATE cluster SET name = 'ours'"))
        wait_for(lambda: changed.calls == 2, 2.0)
    finally:
        feed.stop()
        for engine in engines:
            engine.dispose()
        store.dispose()
