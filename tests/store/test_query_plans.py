"""The SQL behind paging and counting stays index-friendly and correct."""

from __future__ import annotations

from pathlib import Path

import httpx
import sqlalchemy as sa

from ontap_ipsec.app import OntapApp
from ontap_ipsec.resources.ipsec_ca_certificates import resource as ipsec
from ontap_ipsec.resources.svms import resource as svms
from ontap_ipsec.rest.query import parse_query
from ontap_ipsec.store import compile as sqlc
from ontap_ipsec.store.records import count_select


def _plan(app: OntapApp, stmt: sa.Select, values: dict[str, object]) -> str:
    compiled = stmt.compile(dialect=app.ctx.store.engine.dialect)
    params = compiled.construct_params(values)
    args = tuple(params[n] for n in compiled.positiontup)
    with app.ctx.store.read() as conn:
        rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", args).all()
    return " | ".join(str(r[-1]) for r in rows)


def test_a_next_page_cursor_on_the_key_is_an_index_range(app: OntapApp) -> None:
    keys = sqlc.sort_keys(svms, [])
    where = sqlc.build_cursor(keys, (True,))
    stmt = sa.select(svms.key_field().column).select_from(svms.table).where(where)
    stmt = stmt.order_by(*sqlc.order_clauses(keys, svms.key)).limit(100)
    plan = _plan(app, stmt, {"c0": "8"})
    assert "SEARCH" in plan and "uuid>?" in plan, plan


def test_a_count_without_svm_filters_reads_only_the_ipsec_table() -> None:
    query = parse_query("scope=cluster", ipsec, "list")
    shape = sqlc.plan_filters(ipsec, query.filters, sqlc.Plan())
    sql = str(count_select(ipsec, shape))
    assert "svms" not in sql, sql


def test_a_count_filtered_on_the_svm_keeps_the_join(tmp_path: Path) -> None:
    query = parse_query("svm.name=vs1", ipsec, "list")
    shape = sqlc.plan_filters(ipsec, query.filters, sqlc.Plan())
    sql = str(count_select(ipsec, shape))
    assert "LEFT OUTER JOIN svms" in sql, sql


def test_counts_by_svm_name_count_only_that_svms_entries(api: httpx.Client) -> None:
    """A count filtered on a joined field must not become a cross product."""
    from tests.certs import make_ca, pem

    for svm in ("vs1", "vs2"):
        api.post("/api/svm/svms", json={"name": svm})
    for i, svm in enumerate(["vs1", "vs1", "vs2", None]):
        body: dict[str, object] = {
            "type": "server_ca",
            "public_certificate": pem(make_ca("p256", f"count-ca{i}", slot=40 + i)[0]),
        }
        if svm:
            body["svm"] = {"name": svm}
        uuid = api.post("/api/security/certificates", json=body).headers["location"].split("/")[-1]
        entry: dict[str, object] = {"certificate": {"uuid": uuid}}
        if svm:
            entry["svm"] = {"name": svm}
        assert api.post("/api/security/ipsec/ca-certificates", json=entry).status_code == 201
    counts = {
        q: api.get(f"/api/security/ipsec/ca-certificates?{q}&return_records=false").json()[
            "num_records"
        ]
        for q in ("svm.name=vs1", "svm.name=vs2", "svm.name=null", "scope=cluster", "scope=svm")
    }
    assert counts == {
        "svm.name=vs1": 2,
        "svm.name=vs2": 1,
        "svm.name=null": 1,
        "scope=cluster": 1,
        "scope=svm": 3,
    }
