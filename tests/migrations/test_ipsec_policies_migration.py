"""Migration 0008: the IPsec configuration's row and the policies' table, watched by the
trust counter (bumped by the database, announced on PostgreSQL), reversible."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from ontap_ipsec.store import migrate
from ontap_ipsec.store.engine import create_engine
from ontap_ipsec.store.tables import certificates, cluster, ipsec_config, ipsec_policies
from tests.conftest import PG_BASE, require_postgresql

Step = Callable[[sa.Connection], object]
NOW = datetime(2026, 1, 1)
POLICY = "90000000-0000-4000-8000-000000000001"
_CLUSTER = dict(
    id=1, uuid="u", name="cluster1", ipspace_uuid="i", snapshot_policy_uuid="p",
    version="9.18.1", version_full="x", version_generation=9, version_major=18,
    version_minor=1, created=NOW,
)  # fmt: skip
_POLICY = dict(
    uuid=POLICY, name="p1", svm_uuid=None, scope_key="cluster", ipspace_name="Default",
    ipspace_uuid="i", enabled=True, action="esp_transport", authentication_method="psk",
    certificate_uuid=None, certificate_modify_keepsa=False, local_address="10.0.0.1",
    local_netmask="32", local_family="ipv4", local_port="0-0", remote_address="10.0.0.2",
    remote_netmask="32", remote_family="ipv4", remote_port="0-0", protocol="any",
    secret_key="v1:sealed", created=NOW,
)  # fmt: skip
STEPS: list[Step] = [
    lambda c: c.execute(ipsec_policies.insert().values(**_POLICY)),
    lambda c: c.execute(ipsec_policies.update().values(enabled=False)),
    lambda c: c.execute(ipsec_config.update().values(enabled=True)),
    lambda c: c.execute(ipsec_config.update().values(replay_window=64)),
    lambda c: c.execute(ipsec_policies.delete()),
]


def _generation(conn: sa.Connection) -> int:
    return int(conn.execute(sa.text("SELECT generation FROM trust_changes")).scalar_one())


def _migrated(url: str) -> sa.Engine:
    engine = create_engine(url)
    migrate.upgrade(engine)
    with engine.begin() as conn:
        conn.execute(cluster.insert().values(**_CLUSTER))
    return engine


def _policies_and_config_bump_trust(url: str) -> None:
    engine = _migrated(url)
    try:
        with engine.begin() as conn:
            assert conn.execute(sa.select(ipsec_config)).mappings().one() == {
                "id": 1,
                "enabled": False,
                "replay_window": 0,
                "offload_enabled": False,
            }
            seen = [_generation(conn)]
        for step in STEPS:
            with engine.begin() as conn:
                step(conn)
            with engine.begin() as conn:
                seen.append(_generation(conn))
        assert seen == sorted(set(seen)), seen  # strictly increasing: every change counted
    finally:
        engine.dispose()


def test_policies_and_config_bump_trust_on_sqlite(tmp_path: Path) -> None:
    _policies_and_config_bump_trust(f"sqlite:///{tmp_path / 'db.sqlite'}")


def test_policies_and_config_bump_trust_on_postgresql(pg_url: str) -> None:
    _policies_and_config_bump_trust(pg_url)


def _rules_hold(url: str) -> None:
    """Unique names per scope, the scope key's CHECK, and the certificate held (RESTRICT)."""
    engine = _migrated(url)
    cert = dict(
        uuid="c1", name="leaf", scope_key="cluster", type="server", serial_number="01",
        not_before=NOW, expiry_time=NOW, key_type="ec", key_size=256, public_certificate="PEM",
        is_ca=False, issuer_serial="ca/01", created=NOW,
    )  # fmt: skip
    try:
        with engine.begin() as conn:
            conn.execute(certificates.insert().values(**cert))
            conn.execute(
                ipsec_policies.insert().values(
                    **{**_POLICY, "certificate_uuid": "c1", "authentication_method": "pki"}
                )
            )
        for refused in (
            ipsec_policies.insert().values(**{**_POLICY, "uuid": "other"}),  # the same name
            ipsec_policies.insert().values(
                **{**_POLICY, "uuid": "x", "name": "x", "scope_key": "s"}
            ),
            certificates.delete(),  # held by the policy
            ipsec_config.insert().values(
                id=2, enabled=False, replay_window=0, offload_enabled=False
            ),
        ):
            with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
                conn.execute(refused)
    finally:
        engine.dispose()


def test_the_rules_hold_on_sqlite(tmp_path: Path) -> None:
    _rules_hold(f"sqlite:///{tmp_path / 'db.sqlite'}")


def test_the_rules_hold_on_postgresql(pg_url: str) -> None:
    _rules_hold(pg_url)


def _downgrade_and_upgrade(url: str) -> None:
    from alembic import command
    from alembic.config import Config

    engine = create_engine(url)
    try:
        migrate.upgrade(engine)
        config = Config()
        config.set_main_option("script_location", str(migrate.MIGRATIONS))
        with engine.connect().execution_options(ontap_write=True) as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "0007")
            conn.commit()
        with engine.connect() as conn:
            names = set(sa.inspect(conn).get_table_names())
        assert not names & {"ipsec_policies", "ipsec_config"}
        assert migrate.current_revision(engine) == "0007"
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.HEAD
    finally:
        engine.dispose()


def test_downgrade_and_upgrade_on_sqlite(tmp_path: Path) -> None:
    _downgrade_and_upgrade(f"sqlite:///{tmp_path / 'db.sqlite'}")


def test_downgrade_and_upgrade_on_postgresql(pg_url: str) -> None:
    _downgrade_and_upgrade(pg_url)


@pytest.fixture
def pg_database() -> Iterator[str]:
    """A database of its own: a NOTIFY reaches every listener of its database."""
    require_postgresql()
    name = f"t_notify_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield str(sa.make_url(PG_BASE).set(database=name).render_as_string(hide_password=False))
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def test_postgresql_notifies_policy_and_config_changes(pg_database: str) -> None:
    engine = _migrated(pg_database)
    listener = sa.create_engine(pg_database, poolclass=sa.pool.NullPool).raw_connection()
    try:
        conn = listener.driver_connection
        conn.autocommit = True
        conn.execute("LISTEN ontap_ipsec_trust")
        with engine.begin() as writer:
            writer.execute(ipsec_policies.insert().values(**_POLICY))
        with engine.begin() as writer:
            writer.execute(ipsec_config.update().values(enabled=True))
        notes = list(conn.notifies(timeout=2.0, stop_after=2))
        assert [(n.channel, n.payload) for n in notes] == [
            ("ontap_ipsec_trust", "ipsec_policies"),
            ("ontap_ipsec_trust", "ipsec_config"),
        ]
    finally:
        listener.close()
        engine.dispose()
