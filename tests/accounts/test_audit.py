"""The audit log (/api/security/audit/messages): what each change request leaves in it,
what it never holds (a password, a private key), its bound, and who reads which records.
In-process, on both databases; tests/accounts/test_audit_served.py runs it through a
real server of two workers."""

from __future__ import annotations

from pathlib import Path

import httpx
import sqlalchemy as sa

from ontap_ipsec.app import OntapApp
from ontap_ipsec.auth import Authenticator
from ontap_ipsec.inprocess import client as inprocess_client
from ontap_ipsec.store.tables import audit_messages
from tests.accounts.conftest import PASSWORDS, World
from tests.accounts.helpers import ACCOUNTS, PASSWORD, account_body, make_account
from tests.conftest import AUTH, app_on

AUDIT = "/api/security/audit/messages"
SECRET = "Sekrit-pass-771"
NEW_SECRET = "Other-pass-882"


def _records(api: httpx.Client, query: str = "fields=*&order_by=index") -> list[dict]:
    response = api.get(f"{AUDIT}?{query}")
    assert response.status_code == 200, response.text
    return list(response.json()["records"])


def _raw(app: OntapApp) -> str:
    with app.ctx.store.read() as conn:
        return repr(conn.execute(sa.select(audit_messages)).all())


def test_every_change_is_recorded_and_no_secret(any_app: OntapApp) -> None:
    with inprocess_client(any_app, auth=AUTH) as api:
        assert _records(api) == []
        api.get("/api/cluster")  # a read: not recorded
        assert api.post("/api/svm/svms", json={"name": "vs1"}).status_code == 202
        path = make_account(api, "bob", SECRET)
        assert api.patch(path, json={"password": NEW_SECRET}).status_code == 200
        refused = api.post(ACCOUNTS, json=account_body("bad", "short", role={"name": "nope"}))
        assert refused.status_code == 400
        assert api.post(PASSWORD, json={"name": "bob", "password": SECRET + "x"}).status_code == 201
        assert api.delete(path).status_code == 200
    with inprocess_client(any_app, auth=("admin", "wrong-" + SECRET)) as intruder:
        assert intruder.post("/api/svm/svms", json={"name": "vs2"}).status_code == 401

    with inprocess_client(any_app, auth=AUTH) as api:
        records = _records(api)
        assert [r["input"] for r in records] == [
            "POST /api/svm/svms",
            "POST /api/security/accounts",
            f"PATCH {path}",
            "POST /api/security/accounts",
            "POST /api/security/authentication/password",
            f"DELETE {path}",
            "POST /api/svm/svms",
        ]
        assert [r["state"] for r in records] == ["success"] * 3 + ["error"] + ["success"] * 2 + [
            "error"
        ]
        assert [r["user"] for r in records] == ["admin"] * 7  # the 401 names who it tried
        assert {r["application"] for r in records} == {"http"}
        assert {r["location"] for r in records} == {"127.0.0.1"}
        assert {r["scope"] for r in records} == {"cluster"}
        indexes = [r["index"] for r in records]
        assert indexes == sorted(indexes) and len(set(indexes)) == 7
        assert len({r["session_id"] for r in records}) == 7
        assert records[3]["message"].endswith(")") and "code" in records[3]["message"]
        assert "message" not in records[0]
        node = records[0]["node"]
        assert node["name"] == "cluster1-01" and len(node["uuid"]) == 36
        assert records[0]["timestamp"].endswith(("Z", "+00:00"))

        # ONTAP's query language over it, as over every collection
        mine = _records(api, "state=error&fields=input&order_by=index desc")
        assert [r["input"] for r in mine] == ["POST /api/svm/svms", "POST /api/security/accounts"]
        page = api.get(f"{AUDIT}?max_records=2&order_by=index").json()
        assert page["num_records"] == 2 and "next" in page["_links"]
        assert api.get(f"{AUDIT}?input=PATCH*").json()["num_records"] == 1
        assert api.get(f"{AUDIT}?nonsense=1").status_code == 400
        assert api.post(AUDIT, json={}).status_code == 405

        everything = api.get(f"{AUDIT}?fields=**").text
    for secret in (SECRET, NEW_SECRET, SECRET + "x", "wrong-" + SECRET, "short"):
        assert secret not in everything
        assert secret not in _raw(any_app)


def test_a_secret_put_in_the_query_or_echoed_by_an_error_is_redacted(any_app: OntapApp) -> None:
    with inprocess_client(any_app, auth=AUTH) as api:
        queried = api.post(f"{ACCOUNTS}?password={SECRET}", json=account_body("q", SECRET))
        assert 400 <= queried.status_code < 500
        # a value of the wrong type, which an error message may echo
        echoed = api.post(ACCOUNTS, json=account_body("eve", None) | {"password": ["ab" + SECRET]})
        assert echoed.status_code == 400
        text = api.get(f"{AUDIT}?fields=**").text
        assert "password=<redacted>" in text
    assert SECRET not in text and SECRET not in _raw(any_app)


def test_the_log_keeps_its_newest_records(tmp_path: Path) -> None:
    with app_on(tmp_path / "data", audit_records=3) as app:
        app.authenticator = Authenticator()
        with inprocess_client(app, auth=AUTH) as api:
            for n in range(5):
                api.post("/api/svm/svms", json={"name": f"vs{n}"})
            records = _records(api)
            assert [r["input"] for r in records] == ["POST /api/svm/svms"] * 3
            assert [r["index"] for r in records] == [3, 4, 5]
    with app_on(tmp_path / "none", audit_records=0) as app:
        app.authenticator = Authenticator()
        with inprocess_client(app, auth=AUTH) as api:
            api.post("/api/svm/svms", json={"name": "vs1"})
            assert _records(api) == []


def test_svm_accounts_read_their_svms_records_only(world: World) -> None:
    with world.client("admin") as admin:
        before = len(_records(admin))
    with world.client("vs1") as vs1:
        assert (
            vs1.post(PASSWORD, json={"name": "vs1", "password": PASSWORDS["vs1"] + "!"}).status_code
            == 201
        )
        PASSWORDS_NOW = PASSWORDS["vs1"] + "!"
    with inprocess_client(world.app, auth=("vs1", PASSWORDS_NOW)) as vs1:
        vs1.post(
            "/api/security/certificates",
            json={"type": "root_ca", "common_name": "v1ca", "name": "v1ca"},
        )
        seen = _records(vs1)
        assert [r["input"] for r in seen] == [
            "POST /api/security/authentication/password",
            "POST /api/security/certificates",
        ]
        assert {(r["scope"], r["svm"]["name"], r["user"]) for r in seen} == {("svm", "svm1", "vs1")}
        assert vs1.get(f"{AUDIT}?svm.name=svm2").json()["num_records"] == 0
    with world.client("vs2") as vs2:
        assert _records(vs2) == []
    with world.client("admin") as admin:
        tunnelled = admin.get(f"{AUDIT}?fields=input", headers={"X-Dot-SVM-Name": "svm1"})
        assert tunnelled.json()["num_records"] == 2
        assert len(_records(admin)) == before + 2
    with world.client("ro") as ro:
        assert len(_records(ro)) == before + 2
        assert ro.delete(AUDIT).status_code in (403, 405)
