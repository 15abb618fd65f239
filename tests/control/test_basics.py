"""/_ontap-ipsec/ready and /_ontap-ipsec/reset, and the control API turned off."""

from __future__ import annotations

from pathlib import Path

import httpx

from ontap_ipsec.app import OntapApp
from ontap_ipsec.inprocess import client as inprocess_client
from tests.api.helpers import assert_error
from tests.conftest import AUTH, app_on
from tests.ipsec.conftest import IPSEC, install_ca, make_svm


def test_ready_needs_no_credentials_and_says_nothing_else(app: OntapApp) -> None:
    with inprocess_client(app) as anonymous:
        response = anonymous.get("/_ontap-ipsec/ready")
    assert response.status_code == 200
    assert response.json() == {"ready": True}


def test_reset_empties_the_state_and_keeps_the_accounts(api: httpx.Client) -> None:
    make_svm(api, "vs1")
    ca = install_ca(api, "ca1", svm="vs1")
    api.post(IPSEC, json={"certificate": {"uuid": ca}, "svm": {"name": "vs1"}})
    response = api.post("/_ontap-ipsec/reset")
    assert response.status_code == 200 and response.json() == {}
    for path in (IPSEC, "/api/security/certificates", "/api/svm/svms", "/api/cluster/jobs"):
        assert api.get(path).json()["num_records"] == 0, path
    assert api.get("/api/cluster").status_code == 200  # the admin still logs in


def test_reset_wants_credentials_and_an_admin(app: OntapApp) -> None:
    with inprocess_client(app) as anonymous:
        assert anonymous.post("/_ontap-ipsec/reset").status_code == 401
    from ontap_ipsec import auth

    with app.ctx.store.write() as conn:
        auth.set_password(conn, "viewer", "viewer-pw", role="readonly")
    with inprocess_client(app, auth=("viewer", "viewer-pw")) as viewer:
        response = viewer.post("/_ontap-ipsec/reset")
    assert_error(response, 403, "6", "not authorized for that command")


def test_an_unknown_control_path_or_method_is_the_envelope(api: httpx.Client) -> None:
    assert_error(api.get("/_ontap-ipsec/nothing"), 404, "3", "API not found")
    response = api.get("/_ontap-ipsec/reset")
    assert_error(response, 405, "3", 'The method "GET" is not supported on this API.')
    assert response.headers["allow"] == "POST"


def test_no_control_api_turns_the_toolkit_off_but_not_readiness(tmp_path: Path) -> None:
    with (
        app_on(tmp_path / "data", no_control_api=True) as application,
        inprocess_client(application, auth=AUTH) as api,
    ):
        assert_error(api.post("/_ontap-ipsec/reset"), 404, "3", "API not found")
        assert api.get("/_ontap-ipsec/ready").status_code == 200
