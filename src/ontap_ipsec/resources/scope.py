"""Cluster or SVM scope of a POST: `svm.name` / `svm.uuid` / `scope` in a body."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from ontap_ipsec.rest import errors
from ontap_ipsec.rest.errors import OntapError
from ontap_ipsec.store.prepared import Conn, Reader
from ontap_ipsec.store.tables import CLUSTER_SCOPE, svms


@dataclass(frozen=True)
class Scope:
    svm_uuid: str | None
    svm_name: str | None

    @property
    def key(self) -> str:
        return self.svm_uuid or CLUSTER_SCOPE

    @property
    def name(self) -> str:
        return "svm" if self.svm_uuid else "cluster"


def _svm_select(by_uuid: bool, by_name: bool) -> Any:
    stmt = sa.select(svms.c.uuid, svms.c.name)
    if by_uuid:
        stmt = stmt.where(svms.c.uuid == sa.bindparam("uuid", value=None))
    if by_name:
        stmt = stmt.where(svms.c.name == sa.bindparam("name", value=None))
    return stmt


def resolve(conn: Conn, body: dict[str, Any], reader: Reader) -> Scope:
    """The scope a body names; an SVM named must exist, and `scope` must agree."""
    name = body.get("svm.name")
    uuid = body.get("svm.uuid")
    scope = Scope(None, None)
    if name is not None or uuid is not None:
        by_uuid, by_name = uuid is not None, name is not None
        prepared = reader.prepare(
            ("svm-scope", by_uuid, by_name), lambda: _svm_select(by_uuid, by_name)
        )
        rows = reader.fetch(prepared, {"uuid": uuid, "name": name}, conn)
        row = rows[0] if rows else None
        if row is None:
            target = "svm.name" if name is not None else "svm.uuid"
            shown = name if name is not None else uuid
            if name is not None and uuid is not None:
                raise OntapError(
                    400,
                    "262186",
                    f'The SVM named "{name}" does not have UUID "{uuid}".',
                    target="svm.uuid",
                )
            raise OntapError(400, errors.INVALID, f'SVM "{shown}" does not exist', target=target)
        scope = Scope(row[0], row[1])
    wanted = body.get("scope")
    if wanted is not None and wanted != scope.name:
        raise OntapError(
            400,
            "262186",
            f'Field "scope" is "{wanted}", but the request names '
            + (f'SVM "{scope.svm_name}".' if scope.svm_uuid else "no SVM."),
            target="scope",
        )
    return scope
