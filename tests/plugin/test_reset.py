"""reset() on a populated store: it empties the API state; its time is measured, not bounded."""

from __future__ import annotations

import statistics
import time

import httpx
import pytest

from ontap_ipsec.store.reset import KEPT
from ontap_ipsec.store.tables import metadata
from ontap_ipsec.testing import InProcess

RESETS = 200


def populated_spec() -> dict[str, list[object]]:
    svms = [f"vs{i}" for i in range(50)]
    certificates = [
        {"name": f"ca{j}", "svm": svm, "type": "server_ca", "generate": True}
        for svm in svms
        for j in range(2)
    ]
    entries = [{"certificate": c["name"], "svm": c["svm"]} for c in certificates]
    return {"svms": svms, "certificates": certificates, "ipsec_ca_certificates": entries}


def counts(client: httpx.Client) -> dict[str, int]:
    paths = {
        "svms": "/api/svm/svms",
        "certificates": "/api/security/certificates",
        "ipsec": "/api/security/ipsec/ca-certificates",
        "jobs": "/api/cluster/jobs",
    }
    return {
        k: client.get(p, params={"return_records": "false"}).json()["num_records"]
        for k, p in paths.items()
    }


def test_reset_of_a_populated_store_empties_it(
    ontap_inprocess: InProcess, ontap_client: httpx.Client, record_property: pytest.RecordProperty
) -> None:
    ontap_inprocess.seed(populated_spec())
    assert counts(ontap_client) == {"svms": 50, "certificates": 100, "ipsec": 100, "jobs": 50}
    store = ontap_inprocess.app.ctx.store
    tables = [t for t in metadata.sorted_tables if t.name not in KEPT]
    with store.read() as conn:
        snapshot = {t.name: [dict(r._mapping) for r in conn.execute(t.select())] for t in tables}

    timings = []
    for i in range(RESETS):
        if i:  # the same rows back, without the API's cost (the first reset has the API's)
            with store.write() as conn:
                for table in tables:  # parents first
                    if snapshot[table.name]:
                        conn.execute(table.insert(), snapshot[table.name])
        start = time.perf_counter()
        ontap_inprocess.app.ctx.backends.reset()
        timings.append(time.perf_counter() - start)

    assert counts(ontap_client) == {"svms": 0, "certificates": 0, "ipsec": 0, "jobs": 0}
    median_ms = statistics.median(timings) * 1000
    record_property("reset_median_ms", round(median_ms, 3))
    print(
        f"\nreset of 50 SVMs + 100 certificates + 100 IPsec entries: median {median_ms:.2f} ms "
        f"over {RESETS} (min {min(timings) * 1000:.2f}, max {max(timings) * 1000:.2f})"
    )
    assert ontap_client.get("/api/cluster").status_code == 200  # cluster and account survive
