"""What the database itself holds, on SQLite and PostgreSQL, and what races cannot break.

An IPsec entry references an installed CA certificate of its own scope; a
listed certificate cannot be deleted; an SVM takes its certificates and
entries with it. Rows are written directly with SQLAlchemy to prove the
database refuses them, not only the Python checks.
"""

from __future__ import annotations

import threading
import uuid as uuidlib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ontap_ipsec.app import OntapApp
from ontap_ipsec.domain.backends import ipsec_ca as ipsec_module
from ontap_ipsec.inprocess import client as inprocess_client
from ontap_ipsec.store.tables import CLUSTER_SCOPE, certificates
from ontap_ipsec.store.tables import ipsec_ca_certificates as ipsec_table
from tests.api.helpers import assert_error
from tests.conftest import AUTH, new_app
from tests.ipsec.conftest import (
    CERTS,
    IPSEC,
    SVMS,
    World,
    build_world,
    install_leaf,
    listed_uuids,
    listing,
)

NOW = datetime(2025, 1, 1)


@pytest.fixture
def db_app(any_app: OntapApp) -> OntapApp:
    """A fresh app on each backend (SQLite file, PostgreSQL schema)."""
    return any_app


@pytest.fixture
def db_api(db_app: OntapApp) -> Iterator[httpx.Client]:
    with inprocess_client(db_app, auth=AUTH) as c:
        yield c


@pytest.fixture
def world(db_api: httpx.Client) -> World:
    w = build_world(db_api, {None: 1, "vs1": 1, "vs2": 1}, unlisted=1)
    w.certs["leaf"] = install_leaf(db_api, "leaf", "vs1")
    w.owner["leaf"] = "vs1"
    return w


def insert_entry(app: OntapApp, cert: str, svm_uuid: str | None, *, is_ca: bool = True) -> None:
    with app.ctx.store.engine.begin() as conn:
        conn.execute(
            ipsec_table.insert().values(
                certificate_uuid=cert,
                svm_uuid=svm_uuid,
                scope_key=svm_uuid or CLUSTER_SCOPE,
                is_ca=is_ca,
                created=NOW,
            )
        )


def entry_rows(app: OntapApp) -> list[Any]:
    with app.ctx.store.engine.connect() as conn:
        return list(conn.execute(sa.select(ipsec_table).order_by(ipsec_table.c.certificate_uuid)))


# ---------------------------------------------------------------------------
# Rows the database refuses


def test_database_refuses_an_entry_without_a_certificate(db_app: OntapApp, world: World) -> None:
    before = entry_rows(db_app)
    with pytest.raises(IntegrityError):
        insert_entry(db_app, str(uuidlib.uuid4()), None)
    with pytest.raises(IntegrityError):
        insert_entry(db_app, str(uuidlib.uuid4()), world.svms["vs1"])
    assert entry_rows(db_app) == before


def test_database_refuses_an_svm_certificate_listed_at_cluster_scope(
    db_app: OntapApp, world: World
) -> None:
    with pytest.raises(IntegrityError):
        insert_entry(db_app, world.uuid("vs1_ca1"), None)


def test_database_refuses_a_cluster_certificate_listed_in_an_svm(
    db_app: OntapApp, world: World
) -> None:
    with pytest.raises(IntegrityError):
        insert_entry(db_app, world.uuid("cl_ca1"), world.svms["vs1"])


def test_database_refuses_a_certificate_listed_in_another_svm(
    db_app: OntapApp, world: World
) -> None:
    with pytest.raises(IntegrityError):
        insert_entry(db_app, world.uuid("vs2_ca1"), world.svms["vs1"])


@pytest.mark.parametrize("claimed_ca", [True, False])
def test_database_refuses_a_non_ca_certificate(
    db_app: OntapApp, world: World, claimed_ca: bool
) -> None:
    with pytest.raises(IntegrityError):
        insert_entry(db_app, world.uuid("leaf"), world.svms["vs1"], is_ca=claimed_ca)


def test_database_refuses_a_duplicate_entry(db_app: OntapApp, world: World) -> None:
    with pytest.raises(IntegrityError):
        insert_entry(db_app, world.uuid("vs1_ca0"), world.svms["vs1"])


def test_database_accepts_a_consistent_entry(
    db_app: OntapApp, db_api: httpx.Client, world: World
) -> None:
    """The refusals above are not a table that refuses everything."""
    insert_entry(db_app, world.uuid("vs2_ca1"), world.svms["vs2"])
    assert world.uuid("vs2_ca1") in listed_uuids(db_api)


def test_database_refuses_deleting_a_listed_certificate(db_app: OntapApp, world: World) -> None:
    listed = world.uuid("vs1_ca0")
    with pytest.raises(IntegrityError), db_app.ctx.store.engine.begin() as conn:
        conn.execute(certificates.delete().where(certificates.c.uuid == listed))
    with db_app.ctx.store.engine.connect() as conn:
        assert conn.execute(
            sa.select(certificates.c.uuid).where(certificates.c.uuid == listed)
        ).first()


def test_database_refuses_demoting_a_listed_certificate_to_non_ca(
    db_app: OntapApp, world: World
) -> None:
    listed = world.uuid("cl_ca0")
    with pytest.raises(IntegrityError), db_app.ctx.store.engine.begin() as conn:
        conn.execute(certificates.update().where(certificates.c.uuid == listed).values(is_ca=False))


# ---------------------------------------------------------------------------
# Through the API


def test_api_delete_of_a_listed_certificate_is_refused_as_in_use(
    db_api: httpx.Client, world: World
) -> None:
    listed = world.uuid("vs2_ca0")
    assert_error(
        db_api.delete(f"{CERTS}/{listed}"),
        400,
        "52560272",
        "The certificate could not be removed due to being in use by one or more subsystems.",
        "uuid",
    )
    assert listed in listed_uuids(db_api)
    assert db_api.delete(f"{IPSEC}/{listed}").status_code == 200
    assert db_api.delete(f"{CERTS}/{listed}").status_code == 200


def test_svm_delete_removes_its_certificates_and_entries_only(
    db_api: httpx.Client, world: World
) -> None:
    before = listing(db_api)
    response = db_api.delete(f"{SVMS}/{world.svms['vs1']}")
    assert response.status_code in (200, 202), response.text
    after = listing(db_api)
    assert after == [r for r in before if r.get("svm", {}).get("name") != "vs1"]
    assert {r["certificate"]["uuid"] for r in after} == (
        world.listed_uuids(None) | world.listed_uuids("vs2")
    )
    for name, owner in world.owner.items():
        status = db_api.get(f"{CERTS}/{world.uuid(name)}").status_code
        assert status == (404 if owner == "vs1" else 200), name


def test_add_that_loses_a_race_to_a_certificate_delete_is_not_installed(
    db_app: OntapApp, db_api: httpx.Client, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check passed, then the certificate went: the database's refusal is "not installed".

    Simulated deterministically: the Python check is made to pass for a
    certificate that is not there, so only the foreign key can refuse.
    """
    monkeypatch.setattr(ipsec_module, "_installed_ca", lambda *_a: True)
    before = listing(db_api)
    response = db_api.post(IPSEC, json={"certificate": {"uuid": str(uuidlib.uuid4())}})
    assert_error(response, 400, "66257304", "CA certificate is not installed.")
    assert listing(db_api) == before


# ---------------------------------------------------------------------------
# Races between two apps on one database


ROUNDS = 8


def test_racing_add_remove_and_certificate_delete_keep_the_invariants(
    backend: str | None, tmp_path: Path
) -> None:
    """Two apps on the same database; for each of 8 CAs three requests start together:
    add it to IPsec, remove it from IPsec, delete the certificate."""
    app_a = new_app(tmp_path / "data", backend)
    app_b = new_app(tmp_path / "data", backend)
    try:
        with inprocess_client(app_a, auth=AUTH) as setup:
            world = build_world(setup, {None: 0, "vs1": 0}, unlisted=ROUNDS // 2)
        names = sorted(world.certs)
        assert len(names) == ROUNDS
        barrier = threading.Barrier(3 * ROUNDS)
        results: dict[tuple[str, str], httpx.Response] = {}
        failures: list[BaseException] = []

        def run(app: OntapApp, name: str, op: str) -> None:
            cert = world.uuid(name)
            svm = world.owner[name]
            try:
                with inprocess_client(app, auth=AUTH) as c:
                    barrier.wait(timeout=30)
                    if op == "add":
                        body: dict[str, Any] = {"certificate": {"uuid": cert}}
                        if svm:
                            body["svm"] = {"name": svm}
                        results[(name, op)] = c.post(IPSEC, json=body)
                    elif op == "remove":
                        results[(name, op)] = c.delete(f"{IPSEC}/{cert}")
                    else:
                        results[(name, op)] = c.delete(f"{CERTS}/{cert}")
            except BaseException as exc:  # noqa: BLE001 - reported below
                failures.append(exc)

        threads = []
        for i, name in enumerate(names):
            for j, op in enumerate(("add", "remove", "delete_cert")):
                app = app_a if (i + j) % 2 == 0 else app_b
                threads.append(threading.Thread(target=run, args=(app, name, op)))
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert not failures, failures
        assert len(results) == 3 * ROUNDS

        for (name, op), response in results.items():
            assert response.status_code < 500, (name, op, response.text)
            if response.status_code >= 400:
                assert set(response.json()) == {"error"}, response.text
            code = response.json().get("error", {}).get("code")
            if op == "add":
                assert (response.status_code, code) in {(201, None), (400, "66257304")}, (
                    name,
                    response.text,
                )
            elif op == "remove":
                assert (response.status_code, code) in {
                    (200, None),
                    (404, "66257298"),
                    (404, "66257303"),
                }, (name, response.text)
            else:
                assert (response.status_code, code) in {(200, None), (400, "52560272")}, (
                    name,
                    response.text,
                )

        with inprocess_client(app_b, auth=AUTH) as check:
            entries = listing(check)
            for entry in entries:
                cert = entry["certificate"]["uuid"]
                installed = check.get(f"{CERTS}/{cert}?fields=*")
                assert installed.status_code == 200, entry
                assert installed.json().get("svm", {}).get("uuid") == entry.get("svm", {}).get(
                    "uuid"
                )
            listed = {e["certificate"]["uuid"] for e in entries}
            for name in names:
                cert = world.uuid(name)
                add_ok = results[(name, "add")].status_code == 201
                removed = results[(name, "remove")].status_code == 200
                cert_deleted = results[(name, "delete_cert")].status_code == 200
                if cert in listed:
                    assert add_ok and not cert_deleted and not removed, name
                if cert_deleted:
                    assert cert not in listed, name
                if removed:
                    assert add_ok, name
                # the add succeeded and nothing removed it: it must be listed
                if add_ok and not removed:
                    assert cert in listed, name
        with app_a.ctx.store.engine.connect() as conn:
            orphans = conn.execute(
                sa.select(ipsec_table.c.certificate_uuid)
                .select_from(
                    ipsec_table.outerjoin(
                        certificates,
                        sa.and_(
                            certificates.c.uuid == ipsec_table.c.certificate_uuid,
                            certificates.c.scope_key == ipsec_table.c.scope_key,
                            certificates.c.is_ca.is_(True),
                        ),
                    )
                )
                .where(certificates.c.uuid.is_(None))
            ).all()
        assert orphans == []
    finally:
        app_a.ctx.store.dispose()
        app_b.ctx.store.dispose()
