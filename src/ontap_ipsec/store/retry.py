"""Running a request again when PostgreSQL broke a deadlock by rolling it back.

Two transactions that lock rows in opposite orders (an SVM's delete removing its
certificates while another request lists one of them for IPsec, say) can wait on each
other; PostgreSQL then rolls one back (deadlock_detected), and a serializable
transaction may be refused likewise (serialization_failure). Nothing of that transaction
was written, so when the request had committed nothing before it, running the request
again is exactly what its client would do, only sooner: the client sees one answer.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any, TypeVar

from ontap_ipsec.store.errors import Deadlock

T = TypeVar("T")
ATTEMPTS = 4


def retried(reader: Any, run: Callable[[], T], attempts: int = ATTEMPTS) -> T:
    """`run()`; again, after a short random pause, when a transaction of it was rolled
    back for a deadlock and it had committed nothing yet on this thread. After `attempts`
    runs, or once something was committed, the Deadlock is raised (a 503)."""
    for attempt in range(1, attempts + 1):
        before = reader.commits()
        try:
            return run()
        except Deadlock:
            if attempt == attempts or reader.commits() != before:
                raise
            time.sleep(random.uniform(0.002, 0.02) * attempt)
    raise AssertionError("unreachable")
