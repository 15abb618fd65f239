"""Cluster or SVM scope: what a change names (`svm.name`, `svm.uuid`, `scope`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ontap_ipsec.domain import errors
from ontap_ipsec.domain.errors import DomainError
from ontap_ipsec.store import svms as svm_rows
from ontap_ipsec.store import visibility
from ontap_ipsec.store.prepared import Tx
from ontap_ipsec.store.tables import CLUSTER_SCOPE

if TYPE_CHECKING:
    from ontap_ipsec.store.engine import Store


@dataclass(frozen=True)
class ScopeRef:
    """A scope as a request names it; any part may be absent (cluster scope)."""

    svm_name: str | None = None
    svm_uuid: str | None = None
    scope: str | None = None  # "svm" | "cluster", checked against the SVM named


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


CLUSTER = Scope(None, None)


def resolve(tx: Tx, ref: ScopeRef) -> Scope:
    """The scope `ref` names; an SVM named must exist, and `scope` must agree. A request
    in an SVM's context (an SVM account, or tunnelling) names that SVM when it names
    none, and another SVM is answered as one that does not exist (nothing leaks)."""
    name, uuid = ref.svm_name, ref.svm_uuid
    scope = CLUSTER
    seen = visibility.current()
    if seen.restricted and name is None and uuid is None:
        uuid = seen.svm_uuid  # read below: its name now (a remembered one may be old)
    if name is not None or uuid is not None:
        row = tx.first(
            svm_rows.by_reference(uuid is not None, name is not None),
            {
                "uuid": uuid,
                "name": name,
            },
        )
        if row is not None and seen.restricted and row[0] != seen.svm_uuid:
            row = None  # said as of an SVM that is not there
        if row is None:
            if name is not None and uuid is not None:
                raise DomainError(
                    errors.FIELDS_DISAGREE,
                    f'The SVM named "{name}" does not have UUID "{uuid}".',
                    target="svm.uuid",
                )
            target = "svm.name" if name is not None else "svm.uuid"
            shown = name if name is not None else uuid
            raise DomainError(errors.INVALID, f'SVM "{shown}" does not exist', target=target)
        scope = Scope(row[0], row[1])
    if ref.scope is not None and ref.scope != scope.name:
        raise DomainError(
            errors.FIELDS_DISAGREE,
            f'Field "scope" is "{ref.scope}", but the request names '
            + (f'SVM "{scope.svm_name}".' if scope.svm_uuid else "no SVM."),
            target="scope",
        )
    return scope


def key_named(store: Store, vserver: str) -> str | None:
    """The scope key of a vserver name: the cluster's name is cluster scope, an SVM's
    name its uuid (as the CLI's `-vserver`); None when nothing has that name now."""
    if store.first(svm_rows.CLUSTER_NAMED, {"name": vserver}) is not None:
        return CLUSTER_SCOPE
    row = store.first(svm_rows.by_reference(False, True), {"name": vserver, "uuid": None})
    return None if row is None else str(row[0])


def svm_named(store: Store, name: str | None, uuid: str | None) -> tuple[str, str] | None:
    """(uuid, name) of the SVM named by name, uuid or both (they must agree), or None."""
    row = store.first(
        svm_rows.by_reference(uuid is not None, name is not None), {"uuid": uuid, "name": name}
    )
    return None if row is None else (str(row[0]), str(row[1]))
