"""Accounts and SVM scope through the real server (`ontap-ipsec serve`: uvicorn, two
workers, TLS): each worker keeps its own response cache and remembered credentials, and
neither may serve one account's answer to another, nor an old password."""

from __future__ import annotations

from pathlib import Path

from tests.accounts.helpers import ACCOUNTS, PASSWORD, account_body
from tests.server.process import run_server

ADMIN = "served-admin-pw1"
VS1 = "Served-one-pw2"


def test_svm_accounts_over_https_with_two_workers(tmp_path: Path) -> None:
    with run_server(tmp_path / "data", admin_password=ADMIN) as server:
        with server.client(auth=("admin", ADMIN)) as admin:
            for name in ("svm1", "svm2"):
                assert admin.post("/api/svm/svms", json={"name": name}).status_code == 202
                made = admin.post(
                    "/api/security/certificates",
                    json={"svm": {"name": name}, "type": "root_ca", "common_name": f"{name}-ca"},
                )
                assert made.status_code == 201, made.text
            body = account_body("vs1", VS1, owner={"name": "svm1"})
            assert admin.post(ACCOUNTS, json=body).status_code == 201
            for _ in range(4):  # both workers keep the admin's answer
                whole = admin.get("/api/security/certificates?fields=svm.name")
                assert whole.json()["num_records"] == 2
        with server.client(auth=("vs1", VS1)) as vs1:
            for _ in range(4):
                mine = vs1.get("/api/security/certificates?fields=svm.name")
                assert mine.status_code == 200
                assert [r["svm"]["name"] for r in mine.json()["records"]] == ["svm1"]
                assert "svm2" not in mine.text
            assert vs1.post("/api/svm/svms", json={"name": "svm3"}).status_code == 403
            changed = vs1.post(PASSWORD, json={"name": "vs1", "password": "Served-new-pw3"})
            assert changed.status_code == 201
        with (
            server.client(auth=("vs1", VS1)) as old,
            server.client(auth=("vs1", "Served-new-pw3")) as new,
        ):
            for _ in range(4):  # whichever worker answers
                assert old.get("/api/security/certificates").status_code == 401
                assert new.get("/api/security/certificates").json()["num_records"] == 1
        with server.client(auth=("admin", ADMIN), headers={"X-Dot-SVM-Name": "svm2"}) as tunnel:
            for _ in range(4):
                theirs = tunnel.get("/api/security/certificates?fields=svm.name")
                assert [r["svm"]["name"] for r in theirs.json()["records"]] == ["svm2"]
        assert VS1 not in server.output() and "Served-new-pw3" not in server.output()
