"""/api/security/accounts on the wire: every field, every refusal, and the passwords.

Run on SQLite and PostgreSQL (`any_api`): the accounts table changed its key (migration
0009), so both databases must answer alike.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ontap_ipsec.app import OntapApp
from ontap_ipsec.domain import events
from tests.accounts.helpers import (
    ACCOUNTS,
    HTTP_BY_PASSWORD,
    PASSWORD,
    account_body,
    login,
    make_account,
)
from tests.api.helpers import assert_error, make_svms
from tests.conftest import ADMIN_PASSWORD

SECRET = "Sesame-open-42"


def cluster_uuid(api: httpx.Client) -> str:
    return str(api.get("/api/cluster?fields=uuid").json()["uuid"])


def names(api: httpx.Client) -> list[tuple[str, str]]:
    records = api.get(ACCOUNTS, params={"fields": "owner.name"}).json()["records"]
    return sorted((r["owner"]["name"], r["name"]) for r in records)


def test_a_cluster_account_has_every_field_and_never_its_password(
    any_api: httpx.Client,
) -> None:
    body = account_body(
        "joe",
        SECRET,
        role={"name": "readonly"},
        comment="auditor",
        applications=[
            {"application": "http", "authentication_methods": ["password"]},
            {
                "application": "ssh",
                "authentication_methods": ["password", "publickey"],
                "second_authentication_method": "none",
            },
        ],
    )
    made = any_api.post(ACCOUNTS, json=body)
    assert made.status_code == 201, made.text
    uuid = cluster_uuid(any_api)
    assert made.headers["location"] == f"{ACCOUNTS}/{uuid}/joe"
    got = any_api.get(made.headers["location"])
    assert got.status_code == 200
    assert got.json() == {
        "name": "joe",
        "owner": {"uuid": uuid, "name": "cluster1"},
        "scope": "cluster",
        "role": {
            "name": "readonly",
            "_links": {"self": {"href": f"/api/security/roles/{uuid}/readonly"}},
        },
        "applications": [
            {
                "application": "http",
                "authentication_methods": ["password"],
                "second_authentication_method": "none",
            },
            {
                "application": "ssh",
                "authentication_methods": ["password", "publickey"],
                "second_authentication_method": "none",
            },
        ],
        "locked": False,
        "comment": "auditor",
        "_links": {"self": {"href": f"{ACCOUNTS}/{uuid}/joe"}},
    }
    every = any_api.get(ACCOUNTS, params={"fields": "*", "name": "joe"})
    assert SECRET not in every.text and "scrypt" not in every.text
    assert all("password" not in r for r in every.json()["records"])
    assert every.json()["num_records"] == 1
    asked = any_api.get(ACCOUNTS, params={"fields": "password", "name": "joe"})
    assert asked.status_code == 200  # as a private key is: written only, never shown
    assert asked.json()["records"][0].keys() == {"name", "owner", "_links"}


def test_an_svm_account_defaults_to_vsadmin_and_links_its_svm(any_api: httpx.Client) -> None:
    svm = make_svms(any_api, ["svm1"])["svm1"]
    where = make_account(any_api, "vsadmin", SECRET, owner="svm1")
    assert where == f"{ACCOUNTS}/{svm}/vsadmin"
    record = any_api.get(where, params={"fields": "owner,scope,role"}).json()
    assert record["owner"] == {
        "uuid": svm,
        "name": "svm1",
        "_links": {"self": {"href": f"/api/svm/svms/{svm}"}},
    }
    assert record["scope"] == "svm" and record["role"]["name"] == "vsadmin"
    # the same name in another SVM and in the cluster: three accounts
    make_svms(any_api, ["svm2"])
    make_account(any_api, "vsadmin", SECRET, owner="svm2")
    make_account(any_api, "vsadmin", SECRET)
    assert names(any_api) == [
        ("cluster1", "admin"),
        ("cluster1", "vsadmin"),
        ("svm1", "vsadmin"),
        ("svm2", "vsadmin"),
    ]
    by_scope = any_api.get(ACCOUNTS, params={"scope": "svm", "return_records": "false"})
    assert by_scope.json()["num_records"] == 2


REFUSALS: list[tuple[str, dict[str, Any], int, str, str | None]] = [
    ("no applications", {"name": "x", "password": SECRET}, 400, "262212", "applications"),
    ("no name", {"applications": HTTP_BY_PASSWORD, "password": SECRET}, 400, "262212", "name"),
    ("bad name", account_body("a/b", SECRET), 400, "262185", "name"),
    (
        "unknown role",
        account_body("x", SECRET, role={"name": "superuser"}),
        400,
        "262185",
        "role.name",
    ),
    (
        "an SVM role for the cluster",
        account_body("x", SECRET, role={"name": "vsadmin"}),
        400,
        "262185",
        "role.name",
    ),
    (
        "unknown application",
        {
            "name": "x",
            "applications": [{"application": "telnet", "authentication_methods": ["password"]}],
        },
        400,
        "262185",
        "applications.application",
    ),
    (
        "publickey over http",
        {
            "name": "x",
            "applications": [{"application": "http", "authentication_methods": ["publickey"]}],
        },
        400,
        "262185",
        "applications.authentication_methods",
    ),
    (
        "a second method for http",
        {
            "name": "x",
            "password": SECRET,
            "applications": [
                {
                    "application": "http",
                    "authentication_methods": ["password"],
                    "second_authentication_method": "publickey",
                }
            ],
        },
        400,
        "262185",
        "applications.second_authentication_method",
    ),
    (
        "an application twice",
        {"name": "x", "password": SECRET, "applications": HTTP_BY_PASSWORD * 2},
        400,
        "262185",
        "applications.application",
    ),
    ("password method, no password", account_body("x"), 400, "262185", "password"),
    (
        "a password for no password method",
        {
            "name": "x",
            "password": SECRET,
            "applications": [{"application": "ssh", "authentication_methods": ["publickey"]}],
        },
        400,
        "262185",
        "password",
    ),
    ("too short", account_body("x", "ab1"), 400, "7077919", "password"),
    ("no digit", account_body("x", "abcdefghij"), 400, "7077920", "password"),
    ("holds the name", account_body("joe", "xxjoe12345"), 400, "7077918", "password"),
    ("unknown owner", account_body("x", SECRET, owner={"name": "nosuch"}), 400, "2", "owner.name"),
    ("unknown field", account_body("x", SECRET, public_key="ssh-rsa AAAA"), 400, "262179", None),
]


@pytest.mark.parametrize(
    ("body", "status", "code", "target"),
    [r[1:] for r in REFUSALS],
    ids=[r[0] for r in REFUSALS],
)
def test_refusals_change_nothing_and_never_echo_the_password(
    any_api: httpx.Client, body: dict[str, Any], status: int, code: str, target: str | None
) -> None:
    before = names(any_api)
    response = any_api.post(ACCOUNTS, json=body)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert error.get("target") == target
    for secret in (SECRET, "ab1", "abcdefghij", "xxjoe12345"):
        assert secret not in response.text
    assert names(any_api) == before


def test_a_duplicate_is_409_and_the_first_stays(any_api: httpx.Client) -> None:
    make_account(any_api, "joe", SECRET, comment="first")
    again = any_api.post(ACCOUNTS, json=account_body("joe", SECRET, comment="second"))
    assert_error(again, 409, "1", "duplicate entry", "name")
    only = any_api.get(ACCOUNTS, params={"name": "joe", "fields": "comment"}).json()
    assert [r["comment"] for r in only["records"]] == ["first"]


def test_patch_role_locked_comment_and_applications(app: OntapApp, api: httpx.Client) -> None:
    where = make_account(api, "joe", SECRET)
    with login(app, "joe", SECRET) as joe:
        assert joe.post("/api/svm/svms", json={"name": "vs1"}).status_code == 202
        changed = api.patch(where, json={"role": {"name": "readonly"}, "comment": "demoted"})
        assert changed.status_code == 200, changed.text
        assert_error(
            joe.post("/api/svm/svms", json={"name": "vs2"}),
            403,
            "6",
            "not authorized for that command",
        )
        assert joe.get("/api/svm/svms").status_code == 200
        assert api.patch(where, json={"locked": True}).status_code == 200
        assert joe.get("/api/svm/svms").status_code == 401  # a locked account logs in no more
        assert api.patch(where, json={"locked": False}).status_code == 200
        assert joe.get("/api/svm/svms").status_code == 200
        ssh_only = [{"application": "ssh", "authentication_methods": ["password"]}]
        assert api.patch(where, json={"applications": ssh_only}).status_code == 200
        assert joe.get("/api/svm/svms").status_code == 401  # no http: no REST
    record = api.get(where, params={"fields": "role,locked,comment,applications"}).json()
    assert record["role"]["name"] == "readonly"
    assert record["locked"] is False and record["comment"] == "demoted"
    assert [a["application"] for a in record["applications"]] == ["ssh"]
    assert_error(
        api.patch(where, json={}),
        400,
        "262190",
        "You must provide one or more values to apply your changes.",
    )
    bad = api.patch(where, json={"role": {"name": "vsadmin"}})
    assert bad.status_code == 400 and bad.json()["error"]["target"] == "role.name"


def test_password_change_then_login_with_the_new_one_only(app: OntapApp, api: httpx.Client) -> None:
    where = make_account(api, "joe", SECRET)
    with login(app, "joe", SECRET) as joe:
        assert joe.get("/api/cluster").status_code == 200
    new = "Fresh-word-77"
    changed = api.post(PASSWORD, json={"name": "joe", "password": new})
    assert changed.status_code == 201 and changed.json() == {}
    with login(app, "joe", SECRET) as old, login(app, "joe", new) as fresh:
        assert old.get("/api/cluster").status_code == 401
        assert fresh.get("/api/cluster").status_code == 200
        # an account sets its own password (no owner needed), and logs in with it
        third = "Third-word-99"
        assert fresh.post(PASSWORD, json={"name": "joe", "password": third}).status_code == 201
    with login(app, "joe", third) as joe:
        assert joe.get("/api/cluster").status_code == 200
        # ... but not another account's (it may GET accounts: readonly would, admin may)
        assert api.patch(where, json={"role": {"name": "readonly"}}).status_code == 200
        assert_error(
            joe.post(PASSWORD, json={"name": "admin", "password": "Admin-hijack-1"}),
            403,
            "6",
            "not authorized for that command",
        )
    # a PATCH sets it too; the policy applies there as well
    assert_error(
        api.patch(where, json={"password": "short1"}),
        400,
        "7077919",
        "The minimum length for new password does not meet the policy (at least 8 characters).",
        "password",
    )
    assert api.patch(where, json={"password": "Patched-word-55"}).status_code == 200
    with login(app, "joe", "Patched-word-55") as joe:
        assert joe.get("/api/cluster").status_code == 200
    with login(app, "admin", ADMIN_PASSWORD) as admin:  # the admin's own is untouched
        assert admin.get("/api/cluster").status_code == 200


def test_delete_and_the_last_admin(app: OntapApp, api: httpx.Client) -> None:
    uuid = cluster_uuid(api)
    admin = f"{ACCOUNTS}/{uuid}/admin"
    last = "Last unlocked account that has an admin role cannot be deleted."
    assert_error(api.delete(admin), 400, "5636098", last)
    assert_error(
        api.patch(admin, json={"locked": True}),
        400,
        "5636098",
        "Last unlocked account that has an admin role cannot be locked or given another role.",
    )
    assert api.patch(admin, json={"role": {"name": "readonly"}}).status_code == 400
    make_account(api, "ops", SECRET, locked=True)  # an admin, but locked: it does not count
    assert_error(api.delete(admin), 400, "5636098", last)
    second = make_account(api, "ops2", SECRET)
    assert_error(
        api.delete(admin),
        400,
        "2",
        "An account cannot delete itself: delete it as another admin.",
        "name",
    )
    with login(app, "ops2", SECRET) as ops2:
        assert ops2.delete(admin).status_code == 200
        assert api.get("/api/cluster").status_code == 401  # admin is gone
        assert ops2.patch(second, json={"locked": True}).status_code == 400
        assert_error(ops2.delete(second), 400, "5636098", last)
        assert_error(ops2.delete(admin), 404, "4", "entry doesn't exist", "name")
        assert_error(ops2.get(f"{ACCOUNTS}/{uuid}"), 404, "4", "entry doesn't exist", "name")


def test_events_say_what_changed_and_never_the_password(api: httpx.Client, app: OntapApp) -> None:
    heard: list[object] = []
    app.events.subscribe(heard.append)
    where = make_account(api, "joe", SECRET)
    api.patch(where, json={"comment": "c"})
    api.post(PASSWORD, json={"name": "joe", "password": "Fresh-word-77"})
    api.delete(where)
    kinds = [type(e) for e in heard]
    assert kinds == [
        events.AccountCreated,
        events.AccountModified,
        events.AccountModified,
        events.AccountDeleted,
    ]
    assert heard[1].new.comment == "c" and not heard[1].password_changed  # type: ignore[attr-defined]
    assert heard[2].password_changed  # type: ignore[attr-defined]
    assert all(SECRET not in repr(e) and "scrypt" not in repr(e) for e in heard)


def test_an_svm_delete_takes_its_accounts(api: httpx.Client, app: OntapApp) -> None:
    svm = make_svms(api, ["svm1"])["svm1"]
    make_account(api, "vsadmin", SECRET, owner="svm1")
    heard: list[object] = []
    app.events.subscribe(heard.append, events.AccountDeleted)
    assert api.delete(f"/api/svm/svms/{svm}").status_code == 202
    assert names(api) == [("cluster1", "admin")]
    assert [(e.account.name, e.cause) for e in heard] == [("vsadmin", "svm_deleted")]  # type: ignore[attr-defined]
    with login(app, "vsadmin", SECRET) as gone:
        assert gone.get("/api/cluster").status_code == 401


def test_one_name_in_several_svms_is_told_apart_by_the_svm_header(
    app: OntapApp, api: httpx.Client
) -> None:
    make_svms(api, ["svm1", "svm2"])
    make_account(api, "ops", "First-pass-11", owner="svm1")
    make_account(api, "ops", "Second-pass-22", owner="svm2")
    with login(app, "ops", "First-pass-11") as ambiguous:
        assert ambiguous.get("/api/svm/svms").status_code == 401  # which SVM's is unknowable
    for svm, password in (("svm1", "First-pass-11"), ("svm2", "Second-pass-22")):
        with login(app, "ops", password, headers={"X-Dot-SVM-Name": svm}) as ops:
            listed = ops.get("/api/svm/svms").json()["records"]
            assert [r["name"] for r in listed] == [svm]
        with login(
            app,
            "ops",
            "First-pass-11" if svm == "svm2" else "Second-pass-22",
            headers={"X-Dot-SVM-Name": svm},
        ) as wrong:
            assert wrong.get("/api/svm/svms").status_code == 401
    # a cluster account of that name is what the name means without the header
    make_account(api, "ops", "Cluster-pass-33")
    with login(app, "ops", "Cluster-pass-33") as ops:
        assert ops.get("/api/svm/svms").json()["num_records"] == 2


def test_the_journal_never_holds_an_account_password(api: httpx.Client) -> None:
    assert api.put("/_ontap-ipsec/journal", json={"enabled": True}).status_code == 200
    where = make_account(api, "joe", SECRET)
    api.patch(where, json={"password": "Patched-word-55"})
    api.post(PASSWORD, json={"name": "joe", "password": "Fresh-word-77"})
    journal = api.get("/_ontap-ipsec/journal")
    assert journal.status_code == 200 and "/api/security/accounts" in journal.text
    for secret in (SECRET, "Patched-word-55", "Fresh-word-77"):
        assert secret not in journal.text
