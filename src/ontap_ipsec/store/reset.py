"""The statements that empty the API's state in one transaction.

The cluster identity, the accounts and the change counters stay: they are the
server's own, and re-hashing a password would cost more than everything else
together. The IPsec configuration's one row stays too, set back to its defaults
(`ipsec_policies.RESET_CONFIG`).
"""

from __future__ import annotations

from ontap_ipsec.store.prepared import Statement
from ontap_ipsec.store.tables import metadata

KEPT = frozenset({"cluster", "accounts", "account_changes", "trust_changes", "ipsec_config"})
EMPTIED = [
    Statement(("reset", t.name), t.delete)
    for t in reversed(metadata.sorted_tables)
    if t.name not in KEPT
]
