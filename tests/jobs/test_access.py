"""The job progression routes: admin accounts only, off with --no-control-api."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from ontap_ipsec import auth
from ontap_ipsec.app import OntapApp
from ontap_ipsec.inprocess import client as inprocess_client
from tests.conftest import AUTH, app_on

PATHS = [
    ("GET", "/_ontap-ipsec/jobs/progression"),
    ("PUT", "/_ontap-ipsec/jobs/progression"),
    ("GET", "/_ontap-ipsec/jobs/rules"),
    ("POST", "/_ontap-ipsec/jobs/rules"),
    ("DELETE", "/_ontap-ipsec/jobs/rules/1"),
    ("POST", "/_ontap-ipsec/jobs/some-uuid/step"),
]


@pytest.mark.parametrize(("method", "path"), PATHS)
def test_readonly_is_403_and_anonymous_401(app: OntapApp, method: str, path: str) -> None:
    with app.ctx.store.write() as conn:
        auth.set_password(conn, "viewer", "pw", role="readonly")
    with inprocess_client(app, auth=("viewer", "pw")) as viewer:
        answer = viewer.request(method, path, json={"mode": "manual"})
        assert answer.status_code == 403
        assert answer.json()["error"]["code"] == "6"
    with inprocess_client(app) as anonymous:
        assert anonymous.request(method, path).status_code == 401
    with inprocess_client(app, auth=AUTH) as admin:
        assert admin.get("/_ontap-ipsec/jobs/progression").json() == {"mode": "immediate"}


def test_off_with_no_control_api(tmp_path: Path) -> None:
    with (
        app_on(tmp_path / "data", no_control_api=True) as app,
        inprocess_client(app, auth=AUTH) as admin,
    ):
        for method, path in PATHS:
            answer: httpx.Response = admin.request(method, path)
            assert answer.status_code == 404, (method, path)
