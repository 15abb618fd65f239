"""What a handler needs besides its request: settings, storage, the clock, the backends."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ontap_ipsec.domain.backends import Backends
from ontap_ipsec.domain.events import EventBus

if TYPE_CHECKING:
    from ontap_ipsec.config import Settings
    from ontap_ipsec.domain.pki import KeyVault
    from ontap_ipsec.store.engine import Store
    from ontap_ipsec.store.toolkit import ToolkitStore


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Context:
    settings: Settings
    store: Store
    cluster_uuid: str
    now: Callable[[], datetime] = utcnow
    services: dict[str, Any] = field(default_factory=dict)  # e.g. the key vault

    def __post_init__(self) -> None:
        self.events = EventBus()
        # The clock is read through the context at each call, so that a test may set it.
        self.backends = Backends(self.store, self.events, lambda: self.now(), self.vault)

    def vault(self) -> KeyVault:
        """The key that encrypts private keys at rest, loaded (or made) on first use."""
        from ontap_ipsec.domain.pki import KeyVault

        found = self.services.get("vault")
        if found is None:
            found = KeyVault.from_file(self.settings.data_dir / "keys" / "vault.key")
            self.services["vault"] = found
        return found

    @property
    def toolkit(self) -> ToolkitStore:
        """The test toolkit's store (faults, journal), opened on first use."""
        found = self.services.get("toolkit")
        if found is None:
            from ontap_ipsec.store.toolkit import ToolkitStore

            found = self.services["toolkit"] = ToolkitStore(self.settings.data_dir)
        return found  # type: ignore[no-any-return]

    def naive_now(self) -> datetime:
        """UTC without tzinfo, to the second: as stored, shown and filtered on."""
        return self.now().astimezone(UTC).replace(tzinfo=None, microsecond=0)
