"""Jobs: the record of an operation ONTAP runs asynchronously.

Operations that ONTAP runs as jobs (SVM create, modify, delete) complete within
their own request here; their job is recorded in the same transaction as the
change, already in state ``success``, so polling clients finish at once.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from ontap_ipsec.store import jobs as job_rows
from ontap_ipsec.store.prepared import Tx

STATES = ("queued", "running", "paused", "success", "failure")


def record_done(
    tx: Tx,
    now: datetime,
    description: str,
    *,
    svm_uuid: str | None = None,
    svm_name: str | None = None,
) -> str:
    """Record a job that ran to success inside the caller's transaction."""
    job_uuid = str(uuid.uuid4())
    tx.run(
        job_rows.INSERT,
        {
            "uuid": job_uuid,
            "description": description,
            "state": "success",
            "message": "success",
            "code": 0,
            "start_time": now,
            "end_time": now,
            "svm_uuid": svm_uuid,
            "svm_name": svm_name,
        },
    )
    return job_uuid
