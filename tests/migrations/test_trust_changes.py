"""trust_changes (migration 0005): bumped by the database on every change to what IPsec
trusts, and on PostgreSQL announced with NOTIFY ontap_ipsec_trust at the commit."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from ontap_ipsec.store import migrate
from ontap_ipsec.store.engine import create_engine
from ontap_ipsec.store.tables import certificates, cluster, ipsec_ca_certificates, svms
from tests.conftest import PG_BASE, require_postgresql

Step = Callable[[sa.Connection], object]
CA = "c0000000-0000-4000-8000-000000000001"
SVM = "50000000-0000-4000-8000-000000000001"
NOW = datetime(2026, 1, 1)

_SVM = dict(
    uuid=SVM, name="vs1", language="c.utf_8", state="running", subtype="default",
    ipspace_name="Default", ipspace_uuid="i", snapshot_policy_name="default",
    snapshot_policy_uuid="p", created=NOW,
)  # fmt: skip
_CERTIFICATE = dict(
    uuid=CA, name="ca1", scope_key="cluster", type="server_ca", serial_number="01",
    not_before=NOW, expiry_time=NOW, key_type="ec", key_size=256, public_certificate="PEM",
    is_ca=True, issuer_serial="ca/01", created=NOW,
)  # fmt: skip
_CLUSTER = dict(
    id=1, uuid="u", name="cluster1", ipspace_uuid="i", snapshot_policy_uuid="p",
    version="9.18.1", version_full="x", version_generation=9, version_major=18,
    version_minor=1, created=NOW,
)  # fmt: skip
_ENTRY = dict(certificate_uuid=CA, svm_uuid=None, scope_key="cluster", is_ca=True, created=NOW)
TRUST_STEPS: list[Step] = [
    lambda c: c.execute(svms.insert().values(**_SVM)),
    lambda c: c.execute(svms.update().values(name="vs2")),
    lambda c: c.execute(ipsec_ca_certificates.insert().values(**_ENTRY)),
    lambda c: c.execute(ipsec_ca_certificates.delete()),
    lambda c: c.execute(cluster.update().values(name="renamed")),
    lambda c: c.execute(svms.delete()),
]


def _generation(conn: sa.Connection) -> int:
    return int(conn.execute(sa.text("SELECT generation FROM trust_changes")).scalar_one())


def _migrated(url: str) -> sa.Engine:
    engine = create_engine(url)
    migrate.upgrade(engine)
    with engine.begin() as conn:
        conn.execute(cluster.insert().values(**_CLUSTER))
        conn.execute(certificates.insert().values(**_CERTIFICATE))
    return engine


def _follows_every_change_to_trust(url: str) -> None:
    engine = _migrated(url)
    try:
        with engine.begin() as conn:
            seen = [_generation(conn)]
        for step in TRUST_STEPS:
            with engine.begin() as conn:
                step(conn)
            with engine.begin() as conn:
                seen.append(_generation(conn))
        assert seen == sorted(set(seen)), seen  # strictly increasing: every change counted
        with engine.begin() as conn:
            conn.execute(certificates.update().values(name="other"))  # not trust
            conn.execute(sa.text("UPDATE account_changes SET generation = generation + 1"))
            assert _generation(conn) == seen[-1]
    finally:
        engine.dispose()


def test_trust_changes_follow_every_change_on_sqlite(tmp_path: Path) -> None:
    _follows_every_change_to_trust(f"sqlite:///{tmp_path / 'db.sqlite'}")


def test_trust_changes_follow_every_change_on_postgresql(pg_url: str) -> None:
    _follows_every_change_to_trust(pg_url)


@pytest.fixture
def pg_database() -> Iterator[str]:
    """A database of its own: a NOTIFY reaches every listener of its database, and other
    tests change SVMs in schemas of the shared one meanwhile."""
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


def test_postgresql_notifies_listeners_at_the_commit_only(pg_database: str) -> None:
    engine = _migrated(pg_database)
    listener = sa.create_engine(pg_database, poolclass=sa.pool.NullPool).raw_connection()
    try:
        conn = listener.driver_connection
        conn.autocommit = True
        conn.execute("LISTEN ontap_ipsec_trust")
        with engine.connect() as writer:
            writer.execute(svms.insert().values(**_SVM))
            assert list(conn.notifies(timeout=0.2)) == []  # not before the commit
            writer.commit()
        [note] = list(conn.notifies(timeout=2.0, stop_after=1))
        assert (note.channel, note.payload) == ("ontap_ipsec_trust", "svms")
        with engine.begin() as writer:
            writer.execute(svms.update().values(name="vs2"))
            writer.rollback()
        assert list(conn.notifies(timeout=0.2)) == []  # nor for a rollback
    finally:
        listener.close()
        engine.dispose()
