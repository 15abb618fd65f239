"""Empty the API's state in one transaction (the test plugin's per-test reset).

The cluster identity and the accounts stay: they are the server's own, and
re-hashing a password would cost more than everything else together.
"""

from __future__ import annotations

from ontap_ipsec.rest.context import Context
from ontap_ipsec.store.tables import metadata

KEPT = frozenset({"cluster", "accounts"})


def reset(ctx: Context) -> None:
    with ctx.store.write() as conn:
        for table in reversed(metadata.sorted_tables):
            if table.name not in KEPT:
                conn.execute(table.delete())
