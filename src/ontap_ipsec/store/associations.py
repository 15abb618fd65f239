"""Security associations as rows: a snapshot of the daemons, in a database of its own.

SAs are the daemons' state, not ours: nothing of them is stored in the project's
database. To serve them with the framework's filters, fields, ordering and paging
exactly as every stored resource is served, each GET refreshes an in-memory SQLite
table with what the daemons report and reads it through the same query compiler.
The snapshot lives in the worker's memory and is rebuilt on every request; a lock
makes the refresh and the read one step.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.pool import StaticPool

from ontap_ipsec.store.engine import Store
from ontap_ipsec.store.prepared import Statement
from ontap_ipsec.store.tables import cluster, ipsec_policies, svms

metadata = sa.MetaData()

security_associations = sa.Table(
    "security_associations",
    metadata,
    sa.Column("uuid", sa.String(36), primary_key=True),
    sa.Column("type", sa.String(8), nullable=False),
    sa.Column("svm_uuid", sa.String(36)),
    sa.Column("svm_name", sa.String(64)),
    sa.Column("scope", sa.String(8), nullable=False),
    sa.Column("node_name", sa.String(255)),
    sa.Column("node_uuid", sa.String(36)),
    sa.Column("local_address", sa.String(64)),
    sa.Column("remote_address", sa.String(64)),
    sa.Column("policy_name", sa.String(64)),
    sa.Column("cipher_suite", sa.String(16)),
    sa.Column("lifetime", sa.Integer),
    sa.Column("ike_authentication", sa.String(8)),
    sa.Column("ike_initiator_spi", sa.String(32)),
    sa.Column("ike_responder_spi", sa.String(32)),
    sa.Column("ike_is_initiator", sa.Boolean),
    sa.Column("ike_state", sa.String(16)),
    sa.Column("ike_version", sa.Integer),
    sa.Column("ipsec_action", sa.String(16)),
    sa.Column("ipsec_state", sa.String(16)),
    sa.Column("in_spi", sa.String(16)),
    sa.Column("in_bytes", sa.BigInteger),
    sa.Column("in_packets", sa.BigInteger),
    sa.Column("out_spi", sa.String(16)),
    sa.Column("out_bytes", sa.BigInteger),
    sa.Column("out_packets", sa.BigInteger),
)
COLUMNS = tuple(c.name for c in security_associations.columns)

# What an SA record says of its policy, and of the cluster (read from the real store).
POLICIES_OF_SCOPE = Statement(
    ("associations", "policies"),
    lambda: sa.select(
        ipsec_policies.c.uuid,
        ipsec_policies.c.name,
        ipsec_policies.c.action,
        ipsec_policies.c.authentication_method,
    ).where(ipsec_policies.c.scope_key == sa.bindparam("scope", value=None)),
)
SVM_NAME = Statement(
    ("associations", "svm_name"),
    lambda: sa.select(svms.c.name).where(svms.c.uuid == sa.bindparam("uuid", value=None)),
)
CLUSTER_IDENTITY = Statement(
    ("associations", "cluster"), lambda: sa.select(cluster.c.name, cluster.c.uuid)
)


class Snapshot:
    """The in-memory table and a :class:`Store` over it, for the generic reads."""

    def __init__(self) -> None:
        engine = sa.create_engine(
            "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
        )
        metadata.create_all(engine)
        self.store = Store(engine)
        self._lock = threading.Lock()

    @contextmanager
    def refreshed(self, records: Sequence[dict[str, Any]]) -> Iterator[Store]:
        """The store holding exactly `records`, for as long as the block runs."""
        with self._lock:
            with self.store.engine.begin() as conn:
                conn.execute(security_associations.delete())
                if records:
                    conn.execute(
                        security_associations.insert(),
                        [{name: r.get(name) for name in COLUMNS} for r in records],
                    )
            yield self.store

    def dispose(self) -> None:
        self.store.dispose()


def _view() -> Any:
    from ontap_ipsec.store.views import View
    from ontap_ipsec.store.visibility import svm_param

    t = security_associations
    return View(
        "security_association",
        t,
        {
            "uuid": t.c.uuid,
            "type": t.c.type,
            "svm.name": t.c.svm_name,
            "svm.uuid": t.c.svm_uuid,
            "scope": t.c.scope,
            "node.name": t.c.node_name,
            "node.uuid": t.c.node_uuid,
            "local_address": t.c.local_address,
            "remote_address": t.c.remote_address,
            "policy_name": t.c.policy_name,
            "cipher_suite": t.c.cipher_suite,
            "lifetime": t.c.lifetime,
            "ike.authentication": t.c.ike_authentication,
            "ike.initiator_security_parameter_index": t.c.ike_initiator_spi,
            "ike.responder_security_parameter_index": t.c.ike_responder_spi,
            "ike.is_initiator": t.c.ike_is_initiator,
            "ike.state": t.c.ike_state,
            "ike.version": t.c.ike_version,
            "ipsec.action": t.c.ipsec_action,
            "ipsec.state": t.c.ipsec_state,
            "ipsec.inbound.security_parameter_index": t.c.in_spi,
            "ipsec.inbound.bytes": t.c.in_bytes,
            "ipsec.inbound.packets": t.c.in_packets,
            "ipsec.outbound.security_parameter_index": t.c.out_spi,
            "ipsec.outbound.bytes": t.c.out_bytes,
            "ipsec.outbound.packets": t.c.out_packets,
        },
        svm_visible=lambda _account: t.c.svm_uuid == svm_param(),
    )


SECURITY_ASSOCIATIONS = _view()
