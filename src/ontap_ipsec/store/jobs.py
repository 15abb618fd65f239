"""The job rows: written in the transaction of the change a job stands for."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ontap_ipsec.store.prepared import Statement
from ontap_ipsec.store.tables import jobs as t


def _bind(name: str, type_: Any = None) -> Any:
    return sa.bindparam(name, value=None, type_=type_)


INSERT = Statement(
    ("jobs", "insert"),
    lambda: t.insert().values(
        uuid=_bind("uuid"),
        description=_bind("description"),
        state=_bind("state"),
        message=_bind("message"),
        code=_bind("code", sa.Integer()),
        start_time=_bind("start_time", sa.DateTime()),
        end_time=_bind("end_time", sa.DateTime()),
        svm_uuid=_bind("svm_uuid"),
        svm_name=_bind("svm_name"),
    ),
)
