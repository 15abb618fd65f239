"""First start and every start: data dir, schema, cluster identity, admin account."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ontap_ipsec import __version__, auth
from ontap_ipsec.config import Settings, version_parts
from ontap_ipsec.rest.context import Context
from ontap_ipsec.store import migrate
from ontap_ipsec.store.engine import Store, create_engine
from ontap_ipsec.store.tables import accounts, cluster

DEFAULT_CLUSTER_NAME = "cluster1"


def open_store(settings: Settings, *, announce: Callable[[str], None] = print) -> Context:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(settings.data_dir, 0o700)
    engine = create_engine(settings.database_url, synchronous=settings.sync)
    migrate.upgrade(engine)
    store = Store(engine)
    with store.write() as conn:
        cluster_uuid = ensure_cluster(conn, settings)
        ensure_admin(conn, settings, announce)
    ctx = Context(settings=settings, store=store, cluster_uuid=cluster_uuid)
    return ctx


def ensure_cluster(conn: Connection, settings: Settings) -> str:
    row = conn.execute(sa.select(cluster.c.uuid, cluster.c.name, cluster.c.version)).first()
    version_parts(settings.ontap_version)
    if row is None:
        new_uuid = str(uuid.uuid4())
        conn.execute(
            cluster.insert().values(
                id=1,
                uuid=new_uuid,
                name=settings.cluster_name or DEFAULT_CLUSTER_NAME,
                ipspace_uuid=str(uuid.uuid4()),
                snapshot_policy_uuid=str(uuid.uuid4()),
                **version_columns(settings.ontap_version),
                created=datetime.now(UTC).replace(tzinfo=None),
            )
        )
        return new_uuid
    changes: dict[str, object] = {}
    if row.version != settings.ontap_version:
        changes.update(version_columns(settings.ontap_version))
    if settings.cluster_name and settings.cluster_name != row.name:
        changes["name"] = settings.cluster_name
    if changes:
        conn.execute(cluster.update().values(**changes))
    return str(row.uuid)


def version_columns(version: str) -> dict[str, object]:
    generation, major, minor = version_parts(version)
    return {
        "version": version,
        "version_full": f"NetApp Release {version}: ontap-ipsec {__version__}",
        "version_generation": generation,
        "version_major": major,
        "version_minor": minor,
    }


def ensure_admin(conn: Connection, settings: Settings, announce: Callable[[str], None]) -> None:
    """Create `admin` once; its password comes from the environment or is generated."""
    exists = conn.execute(sa.select(accounts.c.name).where(accounts.c.name == "admin")).first()
    if exists is not None:
        return
    password = settings.admin_password
    if password is None:
        password = auth.generate_password()
        announce(
            "ontap-ipsec: created account 'admin' with the generated password "
            f"{password}  (shown once; set ONTAP_IPSEC_ADMIN_PASSWORD to choose it)"
        )
    auth.set_password(conn, "admin", password, role="admin")
