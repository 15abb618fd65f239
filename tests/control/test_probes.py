"""/healthz and /readyz: no credentials, nothing revealed, readiness from the database."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from ontap_ipsec.app import OntapApp
from ontap_ipsec.inprocess import client as inprocess_client
from tests.conftest import app_on


def test_healthz_and_readyz_answer_without_credentials(app: OntapApp) -> None:
    with inprocess_client(app) as anonymous:
        health = anonymous.get("/healthz")
        ready = anonymous.get("/readyz")
    assert (health.status_code, health.json()) == (200, {"status": "ok"})
    assert (ready.status_code, ready.json()) == (200, {"status": "ready", "database": "ok"})


def test_readyz_is_503_on_a_schema_this_release_does_not_know(app: OntapApp) -> None:
    with app.ctx.store.engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '0001'"))
    with inprocess_client(app) as anonymous:
        ready = anonymous.get("/readyz")
        health = anonymous.get("/healthz")
    assert (ready.status_code, ready.json()) == (
        503,
        {"status": "unavailable", "database": "schema"},
    )
    assert health.status_code == 200  # the process still serves


def test_readyz_is_503_when_the_database_does_not_answer(tmp_path: Path) -> None:
    with app_on(tmp_path / "data") as application, inprocess_client(application) as anonymous:
        application.ctx.store.dispose()
        (tmp_path / "data" / "ontap-ipsec.db").write_bytes(b"this is no longer a database" * 100)
        ready = anonymous.get("/readyz")
    assert (ready.status_code, ready.json()) == (
        503,
        {"status": "unavailable", "database": "unreachable"},
    )


def test_readyz_reports_daemons_without_gating_on_them(tmp_path: Path) -> None:
    socket = tmp_path / "nobody" / "charon.vici"
    with (
        app_on(tmp_path / "data", strongswan=(f"cluster1=unix://{socket}",)) as application,
        inprocess_client(application) as anonymous,
    ):
        ready = anonymous.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["strongswan"] == {"configured": 1, "reachable": 0, "in_sync": 0}
    assert str(socket) not in ready.text
