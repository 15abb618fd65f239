"""One attachment of strongSwan daemons: a reconciler, its change feed, its status.

Built from the settings (`--strongswan`, `--strongswan-resync`,
`--strongswan-terminate-on-remove`) on a store. The reconciler hears of changes from
the database (`changes`), whoever made them, and also, when the app that makes them
runs in this process (`bus`), straight from its change events: the fastest path, a
pass begun before the response has left. Its status goes to `snapshot()` and, for an
agent serving workers in other processes, to the status file after every pass.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ontap_ipsec.config import Settings
from ontap_ipsec.domain import events
from ontap_ipsec.domain.backends.ipsec_ca import IpsecCaList
from ontap_ipsec.domain.backends.ipsec_policies import IpsecPolicies
from ontap_ipsec.domain.events import EventBus
from ontap_ipsec.rest.context import Context
from ontap_ipsec.store.engine import Store

from .changes import feed_for
from .reconciler import Reconciler
from .report import SERVICE_KEY
from .status_file import StatusFile
from .trust_list import TrustList

# What may change a daemon's trust or connections: the list itself, the IPsec policies
# and configuration, and the SVMs its name resolves to.
HEARD = (
    events.IpsecCaAdded,
    events.IpsecCaRemoved,
    events.IpsecPolicyCreated,
    events.IpsecPolicyModified,
    events.IpsecPolicyDeleted,
    events.IpsecConfigModified,
    events.SvmCreated,
    events.SvmModified,
    events.SvmDeleted,
)


class StrongswanService:
    """The settings' daemons kept trusting exactly the IPsec CA list of their scopes."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        ipsec_ca: IpsecCaList,
        *,
        policies: IpsecPolicies | None = None,
        bus: EventBus | None = None,
        status_path: Path | None = None,
        **reconciler_options: Any,
    ) -> None:
        self.specs = settings.strongswan_daemons
        if not self.specs:
            raise ValueError("no daemon to attach: give --strongswan SCOPE=URI")
        self.trust = TrustList(store, ipsec_ca, self.specs, policies)
        self.status_file = StatusFile(status_path) if status_path is not None else None
        self.started = time.time()
        self.reconciler = Reconciler(
            {spec.scope: spec.uri for spec in self.specs},
            self.trust,
            resync=settings.strongswan_resync,
            terminate_on_remove=settings.strongswan_terminate_on_remove,
            on_pass=self.publish,
            connections=self.trust.connections if policies is not None else None,
            **reconciler_options,
        )
        self.feed = feed_for(store, ipsec_ca.generation, self.reconciler.notify)
        self.bus = bus
        self._unsubscribe: Any = None
        self.registry: dict[str, Any] | None = None  # the Context.services it is in

    def start(self) -> StrongswanService:
        if self.bus is not None and self._unsubscribe is None:
            self._unsubscribe = self.bus.subscribe(self._heard, *HEARD)
        self.publish()
        self.feed.start()
        self.reconciler.start()
        return self

    def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self.feed.stop()
        self.reconciler.stop()
        if self.status_file is not None:
            self.status_file.remove()
        if self.registry is not None and self.registry.get(SERVICE_KEY) is self:
            del self.registry[SERVICE_KEY]

    def notify(self) -> None:
        """Converge every daemon soon (bursts coalesce)."""
        self.reconciler.notify()

    def _heard(self, _event: object) -> None:
        self.reconciler.notify()

    def snapshot(self) -> dict[str, Any]:
        """The status of every daemon, in the order given, and of whoever runs them."""
        status = self.reconciler.status()
        return {
            "pid": os.getpid(),
            "in_process": self.bus is not None,
            "started": datetime.fromtimestamp(self.started, UTC).isoformat().replace("+00:00", "Z"),
            "daemons": [status[spec.scope] for spec in self.specs],
        }

    def publish(self) -> None:
        if self.status_file is not None:
            self.status_file.write(self.snapshot())

    def __enter__(self) -> StrongswanService:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def attach(ctx: Context) -> StrongswanService:
    """Drive the daemons of `ctx`'s settings from this process, hearing its app's change
    events; its status route answers from this service. Stop it with `stop()`."""
    service = StrongswanService(
        ctx.settings,
        ctx.store,
        ctx.backends.ipsec_ca,
        policies=ctx.backends.ipsec_policies,
        bus=ctx.events,
    )
    ctx.services[SERVICE_KEY] = service
    service.registry = ctx.services
    return service.start()
