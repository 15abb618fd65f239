"""A populated state for the snapshot tests: SVMs, certificates with and without private
keys, both scopes of the IPsec list, a failed job, a second account, the cluster's contact."""

from __future__ import annotations

from typing import Any

import httpx

from ontap_ipsec import auth, seeding

PASSPHRASE = "correct horse battery staple"


def populate(app: Any, client: httpx.Client) -> seeding.Seeded:
    made = seeding.seed(
        client,
        {
            "svms": ["vs1", "vs2"],
            "certificates": [
                {"name": "ca1", "svm": "vs1", "type": "server_ca", "generate": True},
                {"name": "lab-root", "type": "root_ca", "common_name": "lab root"},
                {"name": "ca3", "svm": "vs2", "type": "client_ca", "generate": True},
            ],
            "ipsec_ca_certificates": [
                {"certificate": "ca1", "svm": "vs1"},
                {"certificate": "lab-root"},
            ],
        },
    )
    client.patch("/api/cluster", json={"contact": "lab@example.com"})
    client.post("/_ontap-ipsec/jobs/rules", json={"path": "/api/svm/svms", "message": "no"})
    client.post("/api/svm/svms", json={"name": "vs_failed"})
    client.delete("/_ontap-ipsec/jobs/rules")
    with app.ctx.store.write() as conn:
        auth.set_password(conn, "viewer", "viewer-pw", role="readonly")
    return made
