"""The cluster's row: the statements the cluster backend runs."""

from __future__ import annotations

from functools import cache
from typing import Any

import sqlalchemy as sa

from ontap_ipsec.store.prepared import Statement
from ontap_ipsec.store.tables import cluster as t
from ontap_ipsec.store.tables import svms

RECORD = Statement(
    ("cluster", "record"), lambda: sa.select(t.c.uuid, t.c.name, t.c.contact, t.c.location)
)
SVM_NAMED = Statement(
    ("cluster", "svm_named"),
    lambda: sa.select(svms.c.uuid).where(svms.c.name == sa.bindparam("name", value=None)),
)


@cache
def update(columns: tuple[str, ...]) -> Statement:
    """UPDATE of the given columns of the cluster's one row."""

    def build() -> Any:
        return t.update().values(**{c: sa.bindparam(f"new_{c}", value=None) for c in columns})

    return Statement(("cluster", "update", columns), build)
