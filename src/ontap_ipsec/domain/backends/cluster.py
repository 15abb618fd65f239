"""The cluster's identity: rename it, set its contact and location.

ONTAP runs `PATCH /api/cluster` as a job ("Processing type: Asynchronous" in the
automation docs' "Update cluster contact" workflow); the job is recorded in the
change's own transaction, as for SVMs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from ontap_ipsec.domain import errors, events
from ontap_ipsec.domain.backends import jobs
from ontap_ipsec.domain.clock import naive_utc
from ontap_ipsec.domain.errors import DomainError
from ontap_ipsec.domain.events import ClusterRecord, EventBus
from ontap_ipsec.store import cluster as rows
from ontap_ipsec.store.engine import Store

# `cluster identity modify -name`: letters, digits, "-" and "_"; a letter first, a letter
# or digit last; at most 44 characters; "all", "cluster", "local", "localhost" reserved.
NAME_RULE = re.compile(r"^[A-Za-z](?:[A-Za-z0-9_-]{0,42}[A-Za-z0-9])?$")
RESERVED = frozenset({"all", "cluster", "local", "localhost"})
CHANGEABLE = ("name", "contact", "location")
NO_CHANGES = "262190"


def check_name(name: Any) -> str:
    if not isinstance(name, str) or not NAME_RULE.match(name) or name.lower() in RESERVED:
        raise errors.invalid_value(
            "name",
            name,
            'letters, digits, "-" and "_", a letter first and a letter or digit last, at '
            'most 44 characters; "all", "cluster", "local" and "localhost" are reserved',
        )
    return name


class Cluster:
    def __init__(self, store: Store, bus: EventBus, now: Callable[[], datetime]) -> None:
        self.store = store
        self.bus = bus
        self.now = now

    def modify(self, changes: dict[str, Any]) -> str:
        """Change the cluster's `name`, `contact` and/or `location`; the job's uuid."""
        if not changes:
            raise DomainError(
                NO_CHANGES, "You must provide one or more values to apply your changes."
            )
        if "name" in changes:
            check_name(changes["name"])
        with self.store.transaction() as tx:
            old = ClusterRecord(*tx.first(rows.RECORD, {}))
            if "name" in changes and tx.first(rows.SVM_NAMED, {"name": changes["name"]}):
                raise errors.duplicate("name")
            columns = tuple(sorted(changes))
            tx.run(rows.update(columns), {f"new_{c}": changes[c] for c in columns})
            new = ClusterRecord(
                old.uuid,
                changes.get("name", old.name),
                changes.get("contact", old.contact),
                changes.get("location", old.location),
            )
            job = jobs.record_done(tx, naive_utc(self.now()), "PATCH /api/cluster")
        self.bus.publish([events.ClusterModified(old, new)])
        return job
