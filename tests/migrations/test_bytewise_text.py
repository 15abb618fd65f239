"""Every text column compares bytewise: declared so, migrated so, and kept so on upgrade.

Alembic's comparison of a migrated schema with the declared one does not notice a
column that lacks its declared collation, so these tests read PostgreSQL's catalog.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from ontap_ipsec.store import migrate
from ontap_ipsec.store.engine import create_engine
from ontap_ipsec.store.tables import (
    CLUSTER_SCOPE,
    certificates,
    ipsec_ca_certificates,
    metadata,
    svms,
)
from tests.store.collated_db import icu_database

NAMES = ["a", "A", "B", "Z1", "_x", "b-2", "b.1", "b2"]
BYTEWISE = ["A", "B", "Z1", "_x", "a", "b-2", "b.1", "b2"]
ICU_EN_US = ["_x", "a", "A", "B", "b-2", "b.1", "b2", "Z1"]

_COLLATIONS = """
    SELECT c.relname, a.attname, co.collname
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_collation co ON co.oid = a.attcollation
    WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'
      AND a.attnum > 0 AND NOT a.attisdropped AND c.relname <> 'alembic_version'
"""


def _text_columns() -> set[tuple[str, str]]:
    return {
        (table.name, column.name)
        for table in metadata.tables.values()
        for column in table.columns
        if isinstance(column.type, sa.String)
    }


def test_every_text_column_is_declared_bytewise() -> None:
    pg, lite = postgresql.psycopg.dialect(), sqlite.dialect()
    for table, name in sorted(_text_columns()):
        column_type = metadata.tables[table].c[name].type
        assert column_type.dialect_impl(pg).collation == "C", (table, name)  # type: ignore[attr-defined]
        # SQLite knows no "C" collation; its default (BINARY) is already bytewise.
        assert column_type.dialect_impl(lite).collation is None, (table, name)  # type: ignore[attr-defined]


def _collations(engine: Engine) -> dict[tuple[str, str], str]:
    with engine.connect() as conn:
        return {(t, c): coll for t, c, coll in conn.execute(sa.text(_COLLATIONS))}


def _config(conn: sa.Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrate.MIGRATIONS))
    config.attributes["connection"] = conn
    return config


def _migrate_to(engine: Engine, revision: str) -> None:
    with engine.connect() as conn:
        config = _config(conn)
        if migrate.current_revision(engine) is None or revision == "head":
            command.upgrade(config, revision)
        else:
            command.downgrade(config, revision)
        conn.commit()


@pytest.mark.postgres
def test_migrated_postgresql_text_columns_are_collated_c(pg_url: str) -> None:
    engine = create_engine(pg_url)
    try:
        migrate.upgrade(engine)
        collations = _collations(engine)
        assert set(collations) == _text_columns()
        assert set(collations.values()) == {"C"}, collations
        _migrate_to(engine, "0003")
        assert set(_collations(engine).values()) == {"default"}
        migrate.upgrade(engine)
        assert set(_collations(engine).values()) == {"C"}
    finally:
        engine.dispose()


def _svm_row(name: str) -> dict[str, object]:
    return {
        "uuid": str(uuid.uuid4()),
        "name": name,
        "comment": None,
        "language": "c.utf_8",
        "state": "running",
        "subtype": "default",
        "ipspace_name": "Default",
        "ipspace_uuid": str(uuid.uuid4()),
        "snapshot_policy_name": "default",
        "snapshot_policy_uuid": str(uuid.uuid4()),
        "created": datetime(2024, 1, 1),
    }


def _certificate_row(name: str, svm_uuid: str | None) -> dict[str, object]:
    return {
        "uuid": str(uuid.uuid4()),
        "name": name,
        "svm_uuid": svm_uuid,
        "scope_key": svm_uuid or CLUSTER_SCOPE,
        "type": "server_ca",
        "serial_number": uuid.uuid4().hex,
        "not_before": datetime(2024, 1, 1),
        "expiry_time": datetime(2034, 1, 1),
        "key_type": "ec",
        "key_size": 256,
        "public_certificate": "-----BEGIN CERTIFICATE-----",
        "is_ca": True,
        "issuer_serial": uuid.uuid4().hex,
        "created": datetime(2024, 1, 1),
    }


def _ordered_names(conn: sa.Connection) -> list[str]:
    return list(conn.execute(sa.select(svms.c.name).order_by(svms.c.name)).scalars())


@pytest.mark.postgres
def test_upgrading_a_database_of_an_icu_collated_cluster_keeps_its_data_and_constraints() -> None:
    with icu_database() as url:
        engine = create_engine(url)
        try:
            _migrate_to(engine, "0003")
            with engine.begin() as conn:
                rows = [_svm_row(name) for name in NAMES]
                conn.execute(svms.insert(), rows)
                by_name = {str(r["name"]): str(r["uuid"]) for r in rows}
                certs = [_certificate_row(n, by_name[n]) for n in NAMES]
                certs.append(_certificate_row("cluster-ca", None))
                conn.execute(certificates.insert(), certs)
                conn.execute(
                    ipsec_ca_certificates.insert(),
                    [
                        {
                            "certificate_uuid": c["uuid"],
                            "svm_uuid": c["svm_uuid"],
                            "scope_key": c["scope_key"],
                            "is_ca": True,
                            "created": datetime(2024, 1, 1),
                        }
                        for c in certs
                    ],
                )
                assert _ordered_names(conn) == ICU_EN_US  # before: the database's own order

            migrate.upgrade(engine)

            with engine.begin() as conn:
                assert _ordered_names(conn) == BYTEWISE
                assert list(
                    conn.execute(
                        sa.select(svms.c.name).where(svms.c.name < "b").order_by(svms.c.name)
                    ).scalars()
                ) == ["A", "B", "Z1", "_x", "a"]
                assert conn.execute(
                    sa.select(sa.func.count()).select_from(ipsec_ca_certificates)
                ).scalar() == len(certs)
                invalid = conn.execute(
                    sa.text(
                        "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid "
                        "WHERE c.relnamespace = current_schema()::regnamespace "
                        "AND NOT (i.indisvalid AND i.indisready)"
                    )
                ).scalar()
                assert invalid == 0
                # The unique index serves the bytewise range (it was rebuilt in "C").
                conn.execute(sa.text("SET LOCAL enable_seqscan = off"))
                plan = " ".join(
                    conn.execute(
                        sa.text("EXPLAIN SELECT name FROM svms WHERE name < 'b' ORDER BY name")
                    ).scalars()
                )
                assert "svms_name_key" in plan and "Sort" not in plan, plan

            # The rebuilt constraints still refuse what they refused.
            duplicates = [
                (svms.insert(), _svm_row("a")),
                (certificates.insert(), {**certs[0], "uuid": str(uuid.uuid4())}),
                (
                    ipsec_ca_certificates.insert(),
                    {
                        "certificate_uuid": certs[0]["uuid"],
                        "svm_uuid": certs[1]["svm_uuid"],  # another scope
                        "scope_key": certs[1]["scope_key"],
                        "is_ca": True,
                        "created": datetime(2024, 1, 1),
                    },
                ),
            ]
            for statement, row in duplicates:
                with pytest.raises(IntegrityError), engine.begin() as conn:
                    conn.execute(statement, row)
            # Equality stays exact: names differing only in case are distinct.
            with engine.begin() as conn:
                conn.execute(svms.insert(), _svm_row("b-2".upper()))
                assert conn.execute(
                    sa.select(svms.c.name).where(svms.c.name == "B-2")
                ).scalars().all() == ["B-2"]
        finally:
            engine.dispose()
