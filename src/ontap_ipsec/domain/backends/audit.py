"""The audit log: one record per change request the API answered.

What is recorded is what ONTAP's administrative audit log shows of an HTTP request
(`security audit log show`; `/api/security/audit/messages`): when, on which node, by which
application, from where, by whom (and with which role), the request, its outcome, and the
SVM it was made in. The request is its method and target (path with query), never its
body: a body may carry a password, a private key or a pre-shared key, and the target is
read from the request line alone. Every secret of this API goes in a body; a caller
who puts one in the query anyway (`?password=...`, a filter the API refuses) has its
value recorded as `<redacted>`, whatever the parameter's nesting or case.

The log is bounded: after each record, those older than the newest `keep` go, in the
same transaction, so that every worker and every server sharing the database keeps
the same bound.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from ontap_ipsec.store import associations as identity_rows
from ontap_ipsec.store import audit as rows
from ontap_ipsec.store.engine import Store

DEFAULT_KEEP = 10_000
_SECRET = re.compile(
    r"((?:^|[?&])[^=&]*(?:password|passphrase|private_key|secret_key|shared_key|psk)[^=&]*=)"
    r"[^&]*",
    re.IGNORECASE,
)


def redacted(target: str) -> str:
    """`target` with the value of every parameter named like a secret replaced."""
    path, sep, query = target.partition("?")
    if not sep:
        return target
    return path + "?" + _SECRET.sub(r"\1<redacted>", query)


@dataclass(frozen=True)
class Entry:
    """One change request as answered."""

    method: str
    target: str  # path with its query, as sent
    status: int
    location: str  # the client's address, or "console" for the web console's own calls
    user: str | None
    role: str | None
    svm_uuid: str | None = None
    svm_name: str | None = None
    message: str | None = None  # the error's message, when it failed


def state_of(status: int) -> str:
    """ONTAP's `state` of a request: success, or error for a refusal or a failure."""
    return "success" if status < 400 else "error"


class AuditLog:
    """Adds records, each in a transaction of its own, keeping the newest `keep`."""

    def __init__(self, store: Store, now: Callable[[], datetime], keep: int) -> None:
        self.store = store
        self.now = now
        self.keep = keep

    def record(self, entry: Entry) -> None:
        if self.keep <= 0:
            return
        from ontap_ipsec.ipsec.sa_source import node_of  # the node the SAs name too

        node_name, node_uuid = node_of(*self.store.first(identity_rows.CLUSTER_IDENTITY, {}))
        values = {
            "timestamp": self.now().astimezone(UTC).replace(tzinfo=None),
            "node_name": node_name,
            "node_uuid": node_uuid,
            "application": "http",
            "location": entry.location[:64],
            "user_name": (entry.user or "")[:64] or None,
            "role": entry.role,
            "input": f"{entry.method} {redacted(entry.target)}",
            "state": state_of(entry.status),
            "scope": "svm" if entry.svm_uuid else "cluster",
            "svm_uuid": entry.svm_uuid,
            "svm_name": entry.svm_name,
            # each HTTP request is a session of its own in ONTAP's log, with one command
            "session_id": secrets.token_hex(8),
            "command_id": "1",
            "message": entry.message,
        }
        with self.store.transaction() as tx:
            tx.run(rows.INSERT, values)
            tx.run(rows.TRIM, {"keep": self.keep})
