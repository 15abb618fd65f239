"""The daemons driven from the app's own process: the pytest plugin's way (its reset is a
change like any other) and `serve --server uvicorn --workers 1`; and the status route,
which answers as the API does (401, 403, the envelope) and never fails for a daemon."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import AUTH, new_app
from tests.strongswan.lab import Lab
from tests.strongswan.needs import require_vici

require_vici()

from ontap_ipsec import auth  # noqa: E402
from ontap_ipsec.inprocess import client as inprocess_client  # noqa: E402
from ontap_ipsec.ipsec.service import attach  # noqa: E402
from ontap_ipsec.seeding import seed  # noqa: E402
from tests.strongswan.ike import assert_accepted, authorities, wait_for  # noqa: E402
from tests.strongswan.served import STATUS, authority, serving  # noqa: E402

CONVERGED = 2.0


@pytest.fixture
def attached(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Any]:
    """An app with `request.param` ({scope: uri}) driven in-process, as the plugin's is."""
    specs = tuple(f"{scope}={uri}" for scope, uri in request.param.items())
    app = new_app(tmp_path / "data", strongswan=specs)
    service = attach(app.ctx)
    try:
        yield app
    finally:
        service.stop()
        app.close()


@pytest.fixture
def lab_app(lab: Lab, tmp_path: Path) -> Iterator[Any]:
    app = new_app(tmp_path / "data", strongswan=(f"cluster1={lab.daemons['b'].uri}",))
    service = attach(app.ctx)
    try:
        yield app
    finally:
        service.stop()
        app.close()


def test_the_plugins_reset_unloads_every_authority_it_removed(lab: Lab, lab_app: Any) -> None:
    with inprocess_client(lab_app, auth=AUTH) as http:
        made = seed(
            http,
            {
                "certificates": [
                    {"name": "ca-a", "type": "server_ca", "pem": lab.daemons["a"].identity.ca_pem}
                ],
                "ipsec_ca_certificates": [{"certificate": "ca-a"}],
            },
        )
    ca = made.certificates["ca-a"]
    wait_for(lambda: authority(ca) in authorities(lab, "b"), CONVERGED)
    assert_accepted(lab)
    lab_app.ctx.backends.reset()  # what ontap_server / ontap_client do before each test
    wait_for(lambda: authority(ca) not in authorities(lab, "b"), CONVERGED)


MISSING = {"cluster1": "unix:///nonexistent/ontap-ipsec-test/charon.vici"}


@pytest.mark.parametrize("attached", [MISSING], indirect=True)
def test_the_status_route_answers_as_the_api_does(attached: Any) -> None:
    with inprocess_client(attached) as anonymous:
        refused = anonymous.get(STATUS)
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "6"
        assert refused.headers["www-authenticate"] == 'Basic realm="ontap-ipsec"'
    with attached.ctx.store.write() as conn:
        auth.set_password(conn, "ro", "readonly-pw", role="readonly")
    with inprocess_client(attached, auth=("ro", "readonly-pw")) as readonly:
        forbidden = readonly.get(STATUS)
        assert (forbidden.status_code, forbidden.json()["error"]["code"]) == (403, "6")
    with inprocess_client(attached, auth=AUTH) as http:
        assert http.post(STATUS, json={}).status_code == 405
        unexpected = http.get(STATUS, params={"fields": "*"})
        assert unexpected.status_code == 400
        assert unexpected.json()["error"]["message"] == 'Unexpected argument "fields".'
        assert http.head(STATUS).status_code == 200


@pytest.mark.parametrize("attached", [MISSING], indirect=True)
def test_a_daemon_that_cannot_be_reached_fails_no_call_and_is_reported(attached: Any) -> None:
    with inprocess_client(attached, auth=AUTH) as http:
        seed(
            http,
            {
                "svms": ["vs2"],
                "certificates": [
                    {"name": "c", "type": "server_ca", "generate": True},
                    {"name": "s", "svm": "vs2", "type": "server_ca", "generate": True},
                ],
                "ipsec_ca_certificates": [{"certificate": "c"}, {"certificate": "s", "svm": "vs2"}],
            },
        )
        wait_for(lambda: http.get(STATUS).json()["daemons"][0]["missing"], CONVERGED)
        doc = http.get(STATUS).json()
    [daemon] = doc["daemons"]
    assert doc["enabled"] and doc["agent"]["running"] and doc["agent"]["in_process"]
    assert daemon["uri"] == MISSING["cluster1"]
    assert (daemon["reachable"], daemon["in_sync"], daemon["attached"]) == (False, False, True)
    assert len(daemon["missing"]) == 1 and daemon["entries"] == 1
    assert "FileNotFoundError" in daemon["last_error"]
    assert [(u["scope"], u["entries"]) for u in doc["unattached"]] == [("vs2", 1)]


def test_without_strongswan_the_status_says_so_and_lists_every_scope(tmp_path: Path) -> None:
    app = new_app(tmp_path / "data")
    try:
        with inprocess_client(app, auth=AUTH) as http:
            seed(
                http,
                {
                    "certificates": [{"name": "c", "type": "server_ca", "generate": True}],
                    "ipsec_ca_certificates": [{"certificate": "c"}],
                },
            )
            doc = http.get(STATUS).json()
    finally:
        app.close()
    assert doc == {
        "enabled": False,
        "agent": {"running": False},
        "daemons": [],
        "unattached": [{"scope": "cluster1", "scope_key": "cluster", "entries": 1}],
    }


def test_uvicorn_with_one_worker_drives_the_daemons_from_its_own_process(
    lab: Lab, tmp_path: Path
) -> None:
    daemons = {"cluster1": lab.daemons["b"].uri}
    with serving(tmp_path / "data", daemons, "--server", "uvicorn", "--workers", "1") as api:
        assert api.status()["agent"]["in_process"] is True
        assert api.status()["agent"]["pid"] == api.server.process.pid
        ca = api.install_ca(lab.daemons["a"].identity.ca_pem, "ca-a")
        api.add(ca)
        wait_for(lambda: authority(ca) in authorities(lab, "b"), CONVERGED)
