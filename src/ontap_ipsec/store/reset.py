"""Empty the API's state in one transaction (the test plugin's per-test reset).

The cluster identity and the accounts stay: they are the server's own, and
re-hashing a password would cost more than everything else together. The
DELETE statements are compiled once and run straight on the driver.
"""

from __future__ import annotations

from ontap_ipsec.rest.context import Context
from ontap_ipsec.store.tables import metadata

KEPT = frozenset({"cluster", "accounts", "account_changes"})
EMPTIED = [t for t in reversed(metadata.sorted_tables) if t.name not in KEPT]


def reset(ctx: Context) -> None:
    reader = ctx.store.reader
    with ctx.store.write() as conn:
        for table in EMPTIED:
            prepared = reader.prepare(("reset", table.name), table.delete)
            reader.change(prepared, {}, conn)
