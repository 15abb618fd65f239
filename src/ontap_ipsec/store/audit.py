"""The audit log's statements: a record added, the oldest beyond the bound dropped."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ontap_ipsec.store.prepared import Statement
from ontap_ipsec.store.tables import audit_messages as t


def _bind(name: str, type_: Any = None) -> Any:
    return sa.bindparam(name, value=None, type_=type_)


COLUMNS = (
    "timestamp", "node_name", "node_uuid", "application", "location", "user_name", "role",
    "input", "state", "scope", "svm_uuid", "svm_name", "session_id", "command_id", "message",
)

INSERT = Statement(
    ("audit", "insert"),
    lambda: t.insert().values(
        **{c: _bind(c, sa.DateTime() if c == "timestamp" else None) for c in COLUMNS}
    ),
)

# Every record older than the newest `keep`: seq only grows, so one range on the key.
TRIM = Statement(
    ("audit", "trim"),
    lambda: t.delete().where(
        t.c.seq <= sa.select(sa.func.max(t.c.seq)).scalar_subquery()
        - _bind("keep", sa.BigInteger())
    ),
)
