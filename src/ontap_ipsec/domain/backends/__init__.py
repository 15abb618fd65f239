"""The backends: every rule of every resource family, and every change of state.

One backend per family (the IPsec CA list, IPsec policies and configuration,
certificates, SVMs); each runs a
change in one store transaction and publishes its change events after the
commit. Handlers, the CLI, seeding, the pytest plugin's reset and the drivers
all change state through these, and only through these.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from ontap_ipsec.domain import events
from ontap_ipsec.domain.backends.accounts import Accounts
from ontap_ipsec.domain.backends.accounts import record as account_record
from ontap_ipsec.domain.backends.certificates import Certificates, certificate_record
from ontap_ipsec.domain.backends.cluster import Cluster
from ontap_ipsec.domain.backends.ipsec_ca import IpsecCaList, entry
from ontap_ipsec.domain.backends.ipsec_config import DEFAULTS as IPSEC_CONFIG_DEFAULTS
from ontap_ipsec.domain.backends.ipsec_config import IpsecConfig, read_config
from ontap_ipsec.domain.backends.ipsec_policies import IpsecPolicies, policy_record
from ontap_ipsec.domain.backends.jobs import Jobs
from ontap_ipsec.domain.backends.svms import Svms, record
from ontap_ipsec.domain.events import Event, EventBus
from ontap_ipsec.store import accounts as account_rows
from ontap_ipsec.store import certificates as cert_rows
from ontap_ipsec.store import cluster as cluster_rows
from ontap_ipsec.store import ipsec_ca as ipsec_rows
from ontap_ipsec.store import ipsec_policies as policy_rows
from ontap_ipsec.store import reset as reset_rows
from ontap_ipsec.store import svms as svm_rows
from ontap_ipsec.store.engine import Store

if TYPE_CHECKING:
    from ontap_ipsec.domain.backends.state import State
    from ontap_ipsec.domain.pki import KeyVault


_SET_BY_PATCH = ("contact", "location")


class Backends:
    """The backends of one application, sharing its store, clock and event bus."""

    def __init__(
        self,
        store: Store,
        bus: EventBus,
        now: Callable[[], datetime],
        vault: Callable[[], KeyVault],
    ) -> None:
        self.store = store
        self.bus = bus
        self.ipsec_ca = IpsecCaList(store, bus, now)
        self.ipsec_policies = IpsecPolicies(store, bus, now, vault)
        self.ipsec_config = IpsecConfig(store, bus)
        self.certificates = Certificates(store, bus, now, vault)
        self.jobs = Jobs(store, bus, now)
        self.svms = Svms(store, bus, now, self.jobs)
        self.cluster = Cluster(store, bus, now)
        self.accounts = Accounts(store, bus)
        self._vault = vault
        self._state: State | None = None

    @property
    def state(self) -> State:
        """State documents (export, import): made on first use, since their YAML and
        sealing code are a start-up cost that most servers never need."""
        if self._state is None:
            from ontap_ipsec.domain.backends.state import State

            self._state = State(self.store, self.bus, self._vault)
        return self._state

    def reset(self) -> None:
        """Empty the state (SVMs, certificates, the IPsec list and policies, jobs, the
        accounts made through the API and the SVMs' accounts) in one transaction; the
        cluster and the server's own accounts (the first admin, `ontap-ipsec passwd`'s)
        stay. Each object removed is an event, as
        if it had been deleted, so that subscribers converge. The cluster's contact and
        location are unset again; its name stays. The IPsec configuration is a new
        cluster's again (an event if it was not)."""
        gone: list[Event] = []
        with self.store.transaction() as tx:
            if self.bus.listened:
                gone += [
                    events.IpsecPolicyDeleted(policy_record(r), "reset")
                    for r in tx.rows(policy_rows.ALL, {})
                ]
                config = read_config(tx)
                if config != IPSEC_CONFIG_DEFAULTS:
                    gone.append(
                        events.IpsecConfigModified(config, IPSEC_CONFIG_DEFAULTS, "reset")
                    )
                gone += [
                    events.IpsecCaRemoved(entry(r), "reset") for r in tx.rows(ipsec_rows.ALL, {})
                ]
                gone += [
                    events.CertificateDeleted(certificate_record(r), "reset")
                    for r in tx.rows(cert_rows.ALL, {})
                ]
                gone += [
                    events.AccountDeleted(account_record(r), "reset")
                    for r in tx.rows(account_rows.FROM_API, {})
                ]
                gone += [events.SvmDeleted(record(r), "reset") for r in tx.rows(svm_rows.ALL, {})]
            tx.run(account_rows.DELETE_FROM_API, {})
            for statement in reset_rows.EMPTIED:
                tx.run(statement, {})
            tx.run(policy_rows.RESET_CONFIG, {})
            # the cluster's identity stays, but what a PATCH set besides its name goes
            tx.run(cluster_rows.update(_SET_BY_PATCH), {f"new_{c}": None for c in _SET_BY_PATCH})
        self.bus.publish(gone)
