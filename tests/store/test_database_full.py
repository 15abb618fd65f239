"""A database with no room to write: the store's Full, and the app's 507 in ONTAP's envelope.

SQLite's `max_page_count` makes the database refuse to grow exactly as a full file system
does (SQLITE_FULL, "database or disk is full"), without mounting anything; the real full
file system is tests/reliability/test_full_disk.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from ontap_ipsec.app import OntapApp
from ontap_ipsec.inprocess import client as inprocess_client
from ontap_ipsec.seeding import generate_ca
from ontap_ipsec.store.engine import create_engine
from ontap_ipsec.store.errors import Full, Unavailable
from ontap_ipsec.store.prepared import Prepared, Reader
from tests.conftest import AUTH, app_on


def _capped(engine: sa.Engine) -> None:
    """Every new connection may not grow the file past its size now."""

    @sa.event.listens_for(engine, "connect")
    def _cap(dbapi_conn: Any, _record: Any) -> None:
        pages = dbapi_conn.execute("PRAGMA page_count").fetchone()[0]
        dbapi_conn.execute(f"PRAGMA max_page_count = {pages}")


def test_sqlite_full_is_the_stores_full(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'full.db'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (v TEXT)")
    _capped(engine)
    engine.dispose()
    reader = Reader(engine)
    insert = Prepared("INSERT INTO t (v) VALUES (?)", ("v",), {}, {})
    try:
        with pytest.raises(Full) as raised, reader.transaction() as tx:
            for _ in range(100):
                tx.run(insert, {"v": "x" * 4000})
        assert isinstance(raised.value, Unavailable)  # retryable: the connection is replaced
        assert "full" in str(raised.value)
        assert reader.fetch(Prepared("SELECT COUNT(*) FROM t", (), {}, {}), {})[0][0] == 0
    finally:
        reader.close()
        engine.dispose()


@pytest.fixture
def full_app(tmp_path: Path) -> Iterator[OntapApp]:
    with app_on(tmp_path / "data") as application:
        _capped(application.ctx.store.engine)
        application.ctx.store.reader.close()  # every connection opened again, capped
        application.ctx.store.engine.dispose()
        yield application


def test_a_write_to_a_full_database_is_507_and_changes_nothing(full_app: OntapApp) -> None:
    with inprocess_client(full_app, auth=AUTH) as api:
        before = api.get("/api/security/certificates").json()["num_records"]
        refused = None
        for i in range(50):  # the last free pages of the file go first
            pem = generate_ca(f"full-{i}")[0]
            r = api.post(
                "/api/security/certificates",
                json={"type": "server_ca", "name": f"full-{i}", "public_certificate": pem},
            )
            if r.status_code != 201:
                refused = r
                break
            before += 1
        assert refused is not None, "50 certificates fitted in a database that cannot grow"
        assert refused.status_code == 507
        error = refused.json()["error"]
        assert error["code"] == "7"
        assert "no room" in error["message"]
        listed = api.get("/api/security/certificates")  # reads still served
        assert listed.status_code == 200
        assert listed.json()["num_records"] == before
