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


def _generation(conn: sa.Connection) -> int:
    return int(conn.execute(sa.text("SELECT generation FROM account_changes")).scalar_one())


def _account_changes_follow_every_change_to_accounts(url: str) -> None:
    from ontap_ipsec import auth

    engine = create_engine(url)
    try:
        migrate.upgrade(engine)
        steps = [
            lambda c: auth.set_password(c, "ro", "pw-one-two-three", role="readonly"),
            lambda c: auth.set_password(c, "ro", "pw-four-five-six", role="readonly"),
            lambda c: c.execute(sa.text("UPDATE accounts SET locked = true WHERE name = 'ro'")),
            lambda c: c.execute(sa.text("DELETE FROM accounts WHERE name = 'ro'")),
        ]
        with engine.begin() as conn:
            seen = [_generation(conn)]
        for step in steps:
            with engine.begin() as conn:
                step(conn)
            with engine.begin() as conn:
                seen.append(_generation(conn))
        assert seen == sorted(set(seen)), seen  # strictly increasing: every change counted
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE svms SET comment = 'x'"))  # not an account
            assert _generation(conn) == seen[-1]
    finally:
        engine.dispose()


def test_account_changes_follow_every_change_to_accounts_on_sqlite(tmp_path: Path) -> None:
    _account_changes_follow_every_change_to_accounts(f"sqlite:///{tmp_path / 'db.sqlite'}")


def test_account_changes_follow_every_change_to_accounts_on_postgresql(pg_url: str) -> None:
    _account_changes_follow_every_change_to_accounts(pg_url)
