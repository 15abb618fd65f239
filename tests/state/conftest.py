"""A populated state for the snapshot tests: SVMs, certificates with and without private
keys, both scopes of the IPsec list, a failed job, a second account, the cluster's contact."""

from __future__ import annotations

from typing import Any

import httpx

from ontap_ipsec import auth, seeding

PASSPHRASE = "correct horse battery staple"


PSK = "state-snapshot-psk-0123456789"


def populate(app: Any, client: httpx.Client) -> seeding.Seeded:
    made = seeding.seed(
        client,
        {
            "svms": ["vs1", "vs2"],
            "certificates": [
                {"name": "ca1", "svm": "vs1", "type": "server_ca", "generate": True},
                {"name": "lab-root", "type": "root_ca", "common_name": "lab root"},
                {"name": "ca3", "svm": "vs2", "type": "client_ca", "generate": True},
                {"name": "host", "svm": "vs1", "type": "server", "generate": True},
            ],
            "ipsec_ca_certificates": [
                {"certificate": "ca1", "svm": "vs1"},
                {"certificate": "lab-root"},
            ],
        },
    )
    client.patch("/api/cluster", json={"contact": "lab@example.com"})
    client.patch("/api/security/ipsec", json={"enabled": True, "replay_window": 64})
    ends = {
        "local_endpoint": {"address": "192.0.2.1", "netmask": "32"},
        "remote_endpoint": {"address": "198.51.100.0", "netmask": "24"},
    }
    for body in (
        {"name": "pki-1", "authentication_method": "pki", "certificate": {"name": "host"},
         "local_identity": "CN=host", "remote_identity": "ANYTHING"},
        {"name": "psk-1", "authentication_method": "psk", "secret_key": PSK},
    ):  # fmt: skip
        made_policy = client.post(
            "/api/security/ipsec/policies", json={**body, "svm": {"name": "vs1"}, **ends}
        )
        assert made_policy.status_code == 201, made_policy.text
    client.post("/_ontap-ipsec/jobs/rules", json={"path": "/api/svm/svms", "message": "no"})
    client.post("/api/svm/svms", json={"name": "vs_failed"})
    client.delete("/_ontap-ipsec/jobs/rules")
    with app.ctx.store.write() as conn:
        auth.set_password(conn, "viewer", "viewer-pw", role="readonly")
    return made
