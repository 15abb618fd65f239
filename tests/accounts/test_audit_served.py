"""The audit log through the real server (uvicorn, two workers, TLS): whichever worker
answers records into the one log in the database, with the client's address; a password
never in it."""

from __future__ import annotations

from pathlib import Path

from tests.accounts.helpers import ACCOUNTS, account_body
from tests.server.process import run_server

ADMIN = ("admin", "audit-admin-pw1")
SECRET = "Served-secret-77"


def test_every_worker_records_into_one_log(tmp_path: Path) -> None:
    args = ("--workers", "2", "--audit-records", "5")
    with run_server(tmp_path / "data", admin_password=ADMIN[1], extra_args=args) as server:
        for n in range(6):  # a connection each, to whichever worker takes it
            with server.client(auth=ADMIN) as admin:
                made = admin.post("/api/svm/svms", json={"name": f"vs{n}"})
                assert made.status_code == 202
        with server.client(auth=ADMIN) as admin:
            assert admin.post(ACCOUNTS, json=account_body("eve", SECRET)).status_code == 201
            log = admin.get("/api/security/audit/messages?fields=*&order_by=index")
            records = log.json()["records"]
        assert [r["input"] for r in records] == ["POST /api/svm/svms"] * 4 + [
            "POST /api/security/accounts"
        ]  # the newest five of seven
        assert {r["location"] for r in records} == {"127.0.0.1"}
        assert {r["user"] for r in records} == {"admin"}
        assert SECRET not in log.text and SECRET not in server.output()
