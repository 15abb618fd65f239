"""The accounts' rows: the statements the accounts backend runs."""

from __future__ import annotations

from functools import cache
from typing import Any

import sqlalchemy as sa

from ontap_ipsec.store.prepared import Statement
from ontap_ipsec.store.tables import CLUSTER_SCOPE, cluster, svms
from ontap_ipsec.store.tables import accounts as t


def _bind(name: str, type_: Any = None) -> Any:
    return sa.bindparam(name, value=None, type_=type_)


# scope_key, svm_uuid, svm name, name, role, locked, comment, applications, password_hash
COLUMNS = (
    t.c.scope_key,
    t.c.svm_uuid,
    svms.c.name,
    t.c.name,
    t.c.role,
    t.c.locked,
    t.c.comment,
    t.c.applications,
    t.c.password_hash,
)
_FROM = t.outerjoin(svms, t.c.svm_uuid == svms.c.uuid)

ONE = Statement(
    ("accounts", "one"),
    lambda: (
        sa.select(*COLUMNS)
        .select_from(_FROM)
        .where(t.c.scope_key == _bind("scope"), t.c.name == _bind("name"))
    ),
)
ALL = Statement(
    ("accounts", "all"),
    lambda: sa.select(*COLUMNS).select_from(_FROM).order_by(t.c.scope_key, t.c.name),
)
FROM_API = Statement(
    ("accounts", "from_api"),
    lambda: (
        sa.select(*COLUMNS)
        .select_from(_FROM)
        .where(sa.or_(t.c.origin == "api", t.c.svm_uuid.is_not(None)))
        .order_by(t.c.scope_key, t.c.name)
    ),
)
OF_SVM = Statement(
    ("accounts", "of_svm"),
    lambda: (
        sa.select(*COLUMNS)
        .select_from(_FROM)
        .where(t.c.svm_uuid == _bind("svm"))
        .order_by(t.c.name)
    ),
)
# the unlocked cluster admins that can log in (a password), but the one named
OTHER_ADMINS = Statement(
    ("accounts", "other_admins"),
    lambda: (
        sa.select(sa.func.count())
        .select_from(t)
        .where(
            t.c.scope_key == CLUSTER_SCOPE,
            t.c.role == "admin",
            t.c.locked == sa.false(),
            t.c.password_hash.is_not(None),
            t.c.name != _bind("name"),
        )
    ),
)
CLUSTER_IDENTITY = Statement(
    ("accounts", "cluster"), lambda: sa.select(cluster.c.uuid, cluster.c.name)
)
INSERT = Statement(
    ("accounts", "insert"),
    lambda: t.insert().values(
        scope_key=_bind("scope"),
        svm_uuid=_bind("svm"),
        name=_bind("name"),
        password_hash=_bind("password_hash"),
        role=_bind("role"),
        locked=_bind("locked", sa.Boolean()),
        comment=_bind("comment"),
        applications=_bind("applications"),
        origin="api",
    ),
)
INSERT_SERVER = Statement(
    ("accounts", "insert_server"),
    lambda: t.insert().values(
        scope_key=_bind("scope"),
        name=_bind("name"),
        password_hash=_bind("password_hash"),
        role=_bind("role"),
        applications=_bind("applications"),
        origin="server",
    ),
)
DELETE = Statement(
    ("accounts", "delete"),
    lambda: t.delete().where(t.c.scope_key == _bind("scope"), t.c.name == _bind("name")),
)
DELETE_FROM_API = Statement(
    ("accounts", "delete_from_api"),
    lambda: t.delete().where(sa.or_(t.c.origin == "api", t.c.svm_uuid.is_not(None))),
)


@cache
def update(columns: tuple[str, ...]) -> Statement:
    """UPDATE of the given columns of one account."""

    def build() -> Any:
        values = {c: _bind(f"new_{c}", t.c[c].type) for c in columns}
        return (
            t.update()
            .where(t.c.scope_key == _bind("scope"), t.c.name == _bind("name"))
            .values(**values)
        )

    return Statement(("accounts", "update", columns), build)
