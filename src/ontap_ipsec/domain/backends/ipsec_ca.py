"""The IPsec CA list: which installed CA certificates IPsec trusts, per scope.

The rules of ONTAP's page: an entry names a CA certificate that is already
installed in the same scope (cluster or the SVM), once; removing an entry that
is not listed says whether the certificate is installed at all. The database
holds the first rule too (a composite foreign key), so a concurrent delete of
the certificate cannot slip between the check and the insert.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from ontap_ipsec import versions
from ontap_ipsec.domain import errors, events
from ontap_ipsec.domain import scope as scopes
from ontap_ipsec.domain.clock import naive_utc
from ontap_ipsec.domain.errors import DomainError
from ontap_ipsec.domain.events import EventBus, IpsecCaEntry
from ontap_ipsec.store import ipsec_ca as rows
from ontap_ipsec.store.engine import Store
from ontap_ipsec.store.errors import Conflict
from ontap_ipsec.store.prepared import Tx

NOT_INSTALLED = "66257304"
NOT_IN_IPSEC = "66257298"
CANNOT_REMOVE_NOT_INSTALLED = "66257303"


def not_installed() -> DomainError:
    # 66257296 in the 9.10.1-9.12.1 references, 66257304 after (src/ontap_ipsec/versions.py)
    code = versions.current().code("ca_not_installed", NOT_INSTALLED)
    return DomainError(code, "CA certificate is not installed.")


def entry(row: Sequence[Any]) -> IpsecCaEntry:
    return IpsecCaEntry(row[0], row[1], row[2], row[3])


class IpsecCaList:
    def __init__(self, store: Store, bus: EventBus, now: Callable[[], datetime]) -> None:
        self.store = store
        self.bus = bus
        self.now = now

    def add(self, certificate_uuid: str, ref: scopes.ScopeRef) -> IpsecCaEntry:
        """List an installed CA certificate of the scope `ref` names."""
        with self.store.transaction() as tx:
            scope = scopes.resolve(tx, ref)
            if not _installed_ca(tx, certificate_uuid, scope.key):
                raise not_installed()
            if tx.first(rows.LISTED, {"uuid": certificate_uuid}) is not None:
                raise errors.duplicate("certificate.uuid")
            values = {
                "uuid": certificate_uuid,
                "svm": scope.svm_uuid,
                "scope": scope.key,
                "created": naive_utc(self.now()),
            }
            try:
                tx.run(rows.INSERT, values)
            except Conflict:
                raise self._lost_race(certificate_uuid) from None
        added = IpsecCaEntry(certificate_uuid, scope.key, scope.svm_uuid, scope.svm_name)
        self.bus.publish([events.IpsecCaAdded(added)])
        return added

    def _lost_race(self, certificate_uuid: str) -> DomainError:
        """The database refused the insert after the checks passed: a concurrent change
        won. Either the same entry was added meanwhile, or the certificate was deleted."""
        listed = self.store.first(rows.LISTED, {"uuid": certificate_uuid})
        return errors.duplicate("certificate.uuid") if listed else not_installed()

    def remove(self, certificate_uuid: str) -> IpsecCaEntry:
        """Take a certificate off the list."""
        with self.store.transaction() as tx:
            row = tx.first(rows.LISTED, {"uuid": certificate_uuid})
            if row is not None and tx.run(rows.DELETE, {"uuid": certificate_uuid}):
                removed = entry(row)
            else:
                installed = tx.first(rows.INSTALLED, {"uuid": certificate_uuid}) is not None
                removed = None
        if removed is None:
            raise _not_listed(installed)
        self.bus.publish([events.IpsecCaRemoved(removed)])
        return removed

    def trusted(self) -> dict[str, dict[str, str]]:
        """Scope key -> {certificate uuid: PEM}: what each scope's IPsec trusts."""
        out: dict[str, dict[str, str]] = {}
        for scope_key, cert_uuid, pem in self.store.rows(rows.TRUSTED, {}):
            out.setdefault(scope_key, {})[cert_uuid] = pem
        return out

    def trusted_by(self, scope_key: str) -> dict[str, str]:
        """{certificate uuid: PEM}: what the IPsec of one scope trusts.

        Only the scope's own entries: an SVM's IPsec does not also trust the cluster's,
        as ONTAP adds CA certificates to IPsec "for the given Vserver" and scopes them
        to the interfaces that the SVM, or else the cluster, owns (docs/fidelity.md).
        """
        return dict(self.store.rows(rows.TRUSTED_BY, {"scope": scope_key}))

    def entries_per_scope(self) -> list[tuple[str, str | None, int]]:
        """(scope key, SVM name or None for the cluster, number of entries), by scope key."""
        return [(key, name, int(n)) for key, name, n in self.store.rows(rows.PER_SCOPE, {})]

    def generation(self) -> int:
        """A count the database keeps of changes to the list, the SVMs and the cluster."""
        return int(self.store.rows(rows.TRUST_GENERATION, {})[0][0])


def _installed_ca(tx: Tx, certificate_uuid: str, scope_key: str) -> bool:
    """Whether the certificate is an installed CA certificate of that scope."""
    found = tx.first(rows.INSTALLED_CA, {"uuid": certificate_uuid, "scope": scope_key})
    return found is not None and bool(found[0])


def _not_listed(installed: bool) -> DomainError:
    if installed:
        return DomainError(
            NOT_IN_IPSEC,
            "CA certificate is not installed for IPsec.",
            target="certificate.uuid",
            kind="not_found",
        )
    return DomainError(
        CANNOT_REMOVE_NOT_INSTALLED,
        "The CA certificate cannot be removed from IPsec because it is not installed.",
        target="certificate.uuid",
        kind="not_found",
    )
