"""SQLite specifics: WAL, foreign keys, and an index behind filters on `name`."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from ontap_ipsec.app import OntapApp
from ontap_ipsec.resources.svms import resource as svm_resource
from ontap_ipsec.rest.query import parse_query
from ontap_ipsec.store import compile as sqlc
from ontap_ipsec.store.tables import cluster, svms
from tests.api.helpers import SVMS


def pragma(app: OntapApp, name: str) -> Any:
    with app.ctx.store.engine.connect() as conn:
        return conn.exec_driver_sql(f"PRAGMA {name}").scalar()


def test_sqlite_runs_in_wal_mode(app: OntapApp) -> None:
    assert app.ctx.store.dialect == "sqlite"
    assert pragma(app, "journal_mode") == "wal"


def test_sqlite_enforces_foreign_keys(app: OntapApp) -> None:
    assert pragma(app, "foreign_keys") == 1


def test_sqlite_writes_are_durable_at_commit_in_wal(app: OntapApp) -> None:
    # synchronous=NORMAL (1) or FULL (2): never OFF (0).
    assert pragma(app, "synchronous") in (1, 2)


@pytest.fixture
def many_svms(app: OntapApp) -> OntapApp:
    """2,000 SVMs inserted in bulk, straight into the table."""
    with app.ctx.store.write() as conn:
        home = conn.execute(sa.select(cluster)).one()
        created = datetime(2024, 1, 1)
        conn.execute(
            svms.insert(),
            [
                {
                    "uuid": str(uuid.uuid4()), "name": f"svm{i:04d}", "comment": None,
                    "language": "c.utf_8", "state": "running", "subtype": "default",
                    "ipspace_name": "Default", "ipspace_uuid": home.ipspace_uuid,
                    "snapshot_policy_name": "default",
                    "snapshot_policy_uuid": home.snapshot_policy_uuid, "created": created,
                }
                for i in range(2000)
            ],
        )
    return app


def query_plan(app: OntapApp, query_string: str) -> str:
    """EXPLAIN QUERY PLAN of a read filtered as `query_string` asks."""
    query = parse_query(query_string, svm_resource, "list")
    plan = sqlc.Plan()
    clause = sqlc.build_where(svm_resource, sqlc.plan_filters(svm_resource, query.filters, plan))
    values = plan.values
    stmt = sa.select(svms.c.uuid, svms.c.name).where(clause)
    engine = app.ctx.store.engine
    compiled = stmt.compile(dialect=engine.dialect)
    params = compiled.construct_params(values)
    positional = tuple(params[name] for name in compiled.positiontup or ())
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", positional).all()
    return "\n".join(str(row[-1]) for row in rows)


@pytest.mark.parametrize("query", ["name=svm0421", "name=svm042*"])
def test_name_filter_over_2000_svms_uses_an_index(many_svms: OntapApp, query: str) -> None:
    plan = query_plan(many_svms, query)
    assert "SEARCH" in plan, plan
    assert "USING" in plan and "INDEX" in plan, plan
    assert "SCAN" not in plan, plan


def test_name_filter_over_2000_svms_finds_the_one(many_svms: OntapApp, api: httpx.Client) -> None:
    response = api.get(f"{SVMS}?name=svm0421")
    assert [r["name"] for r in response.json()["records"]] == ["svm0421"]
    assert api.get(f"{SVMS}?return_records=false").json()["num_records"] == 2000
