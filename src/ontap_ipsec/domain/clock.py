"""Time as the store keeps it."""

from __future__ import annotations

from datetime import UTC, datetime


def naive_utc(moment: datetime) -> datetime:
    """UTC without tzinfo, to the second: as stored, shown and filtered on."""
    return moment.astimezone(UTC).replace(tzinfo=None, microsecond=0)
