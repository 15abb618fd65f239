"""The migrations build exactly the schema the code declares, on both backends."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from ontap_ipsec.store import migrate
from ontap_ipsec.store.engine import create_engine
from ontap_ipsec.store.tables import metadata


def _diff(url: str) -> list[object]:
    engine = create_engine(url)
    try:
        migrate.upgrade(engine)
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


def test_migrations_match_the_declared_tables_on_sqlite(tmp_path: Path) -> None:
    assert _diff(f"sqlite:///{tmp_path / 'db.sqlite'}") == []


def test_migrations_match_the_declared_tables_on_postgresql(pg_url: str) -> None:
    assert _diff(pg_url) == []


def test_upgrade_is_a_no_op_when_current(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    engine = create_engine(url)
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.HEAD
    migrate.upgrade(engine)
    with engine.connect() as conn:
        versions = conn.execute(sa.text("SELECT count(*) FROM alembic_version")).scalar()
    assert versions == 1
    engine.dispose()


def test_head_names_the_newest_migration() -> None:
    versions = sorted(p.name for p in (migrate.MIGRATIONS / "versions").glob("[0-9]*.py"))
    assert versions[-1].startswith(migrate.HEAD + "_")
