"""The per-scope status a reconciler reports, as plain data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


@dataclass
class ScopeStatus:
    """What is known of one scope's daemon; `as_dict()` is what `status()` returns."""

    scope: str
    uri: str
    reachable: bool | None = None  # None: not tried yet
    in_sync: bool = False
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    last_error: str | None = None
    last_convergence: float | None = None  # epoch seconds of the last pass found in sync
    connections: int = 0  # connections of ours (enabled IPsec policies) loaded

    def as_dict(self) -> dict[str, Any]:
        when = self.last_convergence
        return {
            "scope": self.scope,
            "uri": self.uri,
            "reachable": self.reachable,
            "in_sync": self.in_sync,
            "missing": list(self.missing),
            "extra": list(self.extra),
            "last_error": self.last_error,
            "connections": self.connections,
            "last_convergence": (
                datetime.fromtimestamp(when, UTC).isoformat().replace("+00:00", "Z")
                if when is not None
                else None
            ),
        }
