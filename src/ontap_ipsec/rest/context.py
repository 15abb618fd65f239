"""What a handler needs besides its request: settings, storage, the clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ontap_ipsec.config import Settings
    from ontap_ipsec.store.engine import Store


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Context:
    settings: Settings
    store: Store
    cluster_uuid: str
    now: Callable[[], datetime] = utcnow
    services: dict[str, Any] = field(default_factory=dict)  # e.g. the key vault

    def naive_now(self) -> datetime:
        """UTC without tzinfo, to the second: as stored, shown and filtered on."""
        return self.now().astimezone(UTC).replace(tzinfo=None, microsecond=0)
