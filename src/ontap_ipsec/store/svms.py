"""The SVM rows, and what an SVM owns: the statements the SVM backend runs."""

from __future__ import annotations

from functools import cache
from typing import Any

import sqlalchemy as sa

from ontap_ipsec.store.prepared import Statement
from ontap_ipsec.store.tables import cluster, metadata
from ontap_ipsec.store.tables import svms as t


def _bind(name: str, type_: Any = None) -> Any:
    return sa.bindparam(name, value=None, type_=type_)


RECORD_COLUMNS = (t.c.uuid, t.c.name, t.c.comment, t.c.language, t.c.state)


@cache
def by_reference(by_uuid: bool, by_name: bool) -> Statement:
    """(uuid, name) of the SVM a request names by uuid, name or both."""

    def build() -> Any:
        stmt = sa.select(t.c.uuid, t.c.name)
        if by_uuid:
            stmt = stmt.where(t.c.uuid == _bind("uuid"))
        if by_name:
            stmt = stmt.where(t.c.name == _bind("name"))
        return stmt

    return Statement(("svm-scope", by_uuid, by_name), build)


RECORD = Statement(
    ("svms", "record"), lambda: sa.select(*RECORD_COLUMNS).where(t.c.uuid == _bind("uuid"))
)
NAME_TAKEN = Statement(
    ("svms", "name_taken"),
    lambda: sa.select(t.c.uuid).where(t.c.name == _bind("name"), t.c.uuid != _bind("other")),
)
CLUSTER_NAMED = Statement(
    ("svms", "cluster_named"),
    lambda: sa.select(cluster.c.uuid).where(cluster.c.name == _bind("name")),
)
CLUSTER_NAME = Statement(("svms", "cluster_name"), lambda: sa.select(cluster.c.name))
HOME = Statement(
    ("svms", "home"), lambda: sa.select(cluster.c.ipspace_uuid, cluster.c.snapshot_policy_uuid)
)
_INSERTED = (
    "uuid",
    "name",
    "comment",
    "language",
    "state",
    "subtype",
    "ipspace_name",
    "ipspace_uuid",
    "snapshot_policy_name",
    "snapshot_policy_uuid",
)
INSERT = Statement(
    ("svms", "insert"),
    lambda: t.insert().values(
        **{name: _bind(name) for name in _INSERTED}, created=_bind("created", sa.DateTime())
    ),
)
DELETE = Statement(("svms", "delete"), lambda: t.delete().where(t.c.uuid == _bind("uuid")))


@cache
def update(columns: tuple[str, ...]) -> Statement:
    """UPDATE of the given columns of one SVM."""
    return Statement(
        ("svms", "update", columns),
        lambda: (
            t.update()
            .where(t.c.uuid == _bind("uuid"))
            .values(**{c: _bind(f"new_{c}") for c in columns})
        ),
    )


def _owned_delete(owned: sa.Table) -> Statement:
    return Statement(
        ("svms", "owned", owned.name),
        lambda: owned.delete().where(owned.c.svm_uuid == _bind("svm")),
    )


# DELETEs of everything an SVM owns, children first (its IPsec entries before its
# certificates).
OWNED_DELETES = [
    _owned_delete(owned)
    for owned in reversed(metadata.sorted_tables)
    if owned.info.get("owned_by_svm")
]


ALL = Statement(("svms", "all"), lambda: sa.select(*RECORD_COLUMNS).order_by(t.c.uuid))
