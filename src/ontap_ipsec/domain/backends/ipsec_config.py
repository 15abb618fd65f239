"""The cluster's IPsec configuration (`/api/security/ipsec`): enabled, the anti-replay
window, hardware offload (9.16.1 on).

One row, a new cluster's being IPsec disabled, replay window 0 (anti-replay off, the CLI's
default) and no offload. ONTAP's PATCH rules from 9.16.1: offload may change only while
IPsec is disabled (66256913), and offload excludes anti-replay (66256915).
"""

from __future__ import annotations

from typing import Any

from ontap_ipsec.domain import errors, events
from ontap_ipsec.domain.errors import DomainError
from ontap_ipsec.domain.events import EventBus, IpsecConfigRecord
from ontap_ipsec.store import ipsec_policies as rows
from ontap_ipsec.store.engine import Store
from ontap_ipsec.store.prepared import Tx

REPLAY_WINDOWS = (0, 64, 128, 256, 512, 1024)  # `security ipsec config modify -replay-window`
DEFAULTS = IpsecConfigRecord(enabled=False, replay_window=0, offload_enabled=False)
NO_CHANGES = "262190"
OFFLOAD_WHILE_ENABLED = "66256913"
OFFLOAD_AND_REPLAY = "66256915"
FIELDS = ("enabled", "replay_window", "offload_enabled")


def read_config(store: Store | Tx) -> IpsecConfigRecord:
    row = store.first(rows.CONFIG, {})
    if row is None:  # a database whose row was removed by hand: what a new cluster has
        return DEFAULTS
    return IpsecConfigRecord(bool(row[0]), int(row[1]), bool(row[2]))


def replay_window(value: Any) -> int:
    """A replay window in packets (an integer, or its text as the Ansible module sends it)."""
    number = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    if number not in REPLAY_WINDOWS:
        raise errors.invalid_value("replay_window", value, "|".join(str(n) for n in REPLAY_WINDOWS))
    return number


class IpsecConfig:
    def __init__(self, store: Store, bus: EventBus) -> None:
        self.store = store
        self.bus = bus

    def get(self) -> IpsecConfigRecord:
        return read_config(self.store)

    def modify(self, changes: dict[str, Any]) -> IpsecConfigRecord:
        """Change any of `enabled`, `replay_window`, `offload_enabled`."""
        if not changes:
            raise DomainError(
                NO_CHANGES, "You must provide one or more values to apply your changes."
            )
        new_values: dict[str, Any] = {}
        for name, value in changes.items():
            if name not in FIELDS:
                raise errors.unexpected_argument(name)
            if name == "replay_window":
                new_values[name] = replay_window(value)
            elif not isinstance(value, bool):
                raise errors.invalid_value(name, value)
            else:
                new_values[name] = value
        with self.store.transaction() as tx:
            old = read_config(tx)
            new = IpsecConfigRecord(
                new_values.get("enabled", old.enabled),
                new_values.get("replay_window", old.replay_window),
                new_values.get("offload_enabled", old.offload_enabled),
            )
            if new.offload_enabled != old.offload_enabled and old.enabled:
                raise DomainError(
                    OFFLOAD_WHILE_ENABLED,
                    "Offload setting changes are not allowed when IPsec is enabled.",
                    target="offload_enabled",
                )
            if new.offload_enabled and new.replay_window != 0:
                raise DomainError(
                    OFFLOAD_AND_REPLAY,
                    "Anti-replay protection and IPsec offload cannot be operational at the "
                    "same time.",
                    target="replay_window" if "replay_window" in new_values else "offload_enabled",
                )
            columns = tuple(sorted(new_values))
            tx.run(rows.update_config(columns), {f"new_{c}": new_values[c] for c in columns})
        self.bus.publish([events.IpsecConfigModified(old, new)])
        return new
