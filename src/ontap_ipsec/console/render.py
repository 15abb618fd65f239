"""The console's templates (Jinja2, autoescaped) and the filters they use."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import jinja2

from ontap_ipsec import __version__
from ontap_ipsec.console.certinfo import parse_time

EXPIRING_DAYS = 30  # "expiring soon": within this many days


def when(value: str | datetime | None) -> str:
    """A date-time as people read it, in UTC: 2026-12-02 06:30 UTC."""
    moment = value if isinstance(value, datetime) else parse_time(value)
    if moment is None:
        return ""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def days_left(value: str | datetime | None) -> int | None:
    moment = value if isinstance(value, datetime) else parse_time(value)
    if moment is None:
        return None
    return int((moment - datetime.now(UTC)).total_seconds() // 86400)


def expiry_state(value: str | None) -> str:
    """ "expired", "soon" (within EXPIRING_DAYS) or "" (later, or unknown)."""
    left = days_left(value)
    if left is None:
        return ""
    if left < 0:
        return "expired"
    return "soon" if left < EXPIRING_DAYS else ""


class Templates:
    def __init__(self) -> None:
        self.env = jinja2.Environment(
            loader=jinja2.PackageLoader("ontap_ipsec.console", "templates"),
            autoescape=True,
            trim_blocks=True,
            lstrip_blocks=True,
            undefined=jinja2.ChainableUndefined,
        )
        self.env.filters.update(when=when, days_left=days_left, expiry_state=expiry_state)
        self.env.globals.update(version=__version__, expiring_days=EXPIRING_DAYS)

    def render(self, name: str, **values: Any) -> bytes:
        return self.env.get_template(name).render(**values).encode("utf-8")
