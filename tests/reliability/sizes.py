"""How hard the reliability suite pushes: full under `make reliability`, short in `make test`.

`make reliability` sets ONTAP_IPSEC_RELIABILITY=full; every test of tests/reliability/
takes its rounds, operations, cases and inputs from `size(short, full)`, so the same
code runs both variants and the figures of the full one are the ones reported.
"""

from __future__ import annotations

import os

FULL = os.environ.get("ONTAP_IPSEC_RELIABILITY", "") == "full"


def size(short: int, full: int) -> int:
    """`full` under `make reliability`, else `short`."""
    return full if FULL else short
