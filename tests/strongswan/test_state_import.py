"""A state snapshot imported under a driven daemon: the reconciler converges on the
imported IPsec list (what was listed before the import is unloaded, the document's loaded)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import AUTH, new_app
from tests.strongswan.lab import Lab
from tests.strongswan.needs import require_vici

require_vici()

from ontap_ipsec.inprocess import client as inprocess_client  # noqa: E402
from ontap_ipsec.ipsec.service import attach  # noqa: E402
from ontap_ipsec.seeding import seed  # noqa: E402
from tests.strongswan.ike import authorities, wait_for  # noqa: E402
from tests.strongswan.served import authority  # noqa: E402

CONVERGED = 2.0


@pytest.fixture
def lab_app(lab: Lab, tmp_path: Path) -> Iterator[Any]:
    app = new_app(tmp_path / "data", strongswan=(f"cluster1={lab.daemons['b'].uri}",))
    service = attach(app.ctx)
    try:
        yield app
    finally:
        service.stop()
        app.close()


def test_the_reconciler_converges_on_an_imported_list(lab: Lab, lab_app: Any) -> None:
    with inprocess_client(lab_app, auth=AUTH) as http:
        made = seed(
            http,
            {
                "certificates": [
                    {"name": "ca-a", "type": "server_ca", "pem": lab.daemons["a"].identity.ca_pem},
                    {"name": "other", "type": "server_ca", "generate": True},
                ],
                "ipsec_ca_certificates": [{"certificate": "ca-a"}],
            },
        )
        ca, other = made.certificates["ca-a"], made.certificates["other"]
        wait_for(lambda: authority(ca) in authorities(lab, "b"), CONVERGED)
        with_ca = http.get("/_ontap-ipsec/state").text
        http.delete(f"/api/security/ipsec/ca-certificates/{ca}")
        http.post("/api/security/ipsec/ca-certificates", json={"certificate": {"uuid": other}})
        wait_for(lambda: authority(other) in authorities(lab, "b"), CONVERGED)
        wait_for(lambda: authority(ca) not in authorities(lab, "b"), CONVERGED)

        assert http.put("/_ontap-ipsec/state", content=with_ca.encode()).status_code == 200
        wait_for(lambda: authority(ca) in authorities(lab, "b"), CONVERGED)
        wait_for(lambda: authority(other) not in authorities(lab, "b"), CONVERGED)
