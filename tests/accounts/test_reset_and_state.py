"""The reset (pytest plugin, toolkit) takes the accounts the API made and keeps the
server's own; a state snapshot carries every account with its scrypt hash, never a
password, and brings SVM accounts back able to log in."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from ontap_ipsec.domain import events
from tests.accounts.conftest import PASSWORDS, World
from tests.accounts.helpers import ACCOUNTS
from tests.conftest import app_on


def owners_and_names(world: World) -> list[tuple[str, str]]:
    with world.client("admin") as admin:
        records = admin.get(ACCOUNTS, params={"fields": "owner.name"}).json()["records"]
    return sorted((r["owner"]["name"], r["name"]) for r in records)


def test_the_reset_removes_api_accounts_and_keeps_the_admin(world: World) -> None:
    heard: list[events.AccountDeleted] = []
    world.app.events.subscribe(heard.append, events.AccountDeleted)  # type: ignore[arg-type]
    world.app.ctx.backends.reset()  # what the pytest plugin does between tests
    assert owners_and_names(world) == [("cluster1", "admin")]
    assert sorted((e.account.name, e.cause) for e in heard) == [
        ("ro", "reset"),
        ("vs1", "reset"),
        ("vs1ro", "reset"),
        ("vs2", "reset"),
    ]
    for name in ("ro", "vs1", "vs1ro", "vs2"):
        with world.client(name) as gone:
            assert gone.get("/api/cluster").status_code == 401
    with world.client("admin") as admin:
        assert admin.get("/api/cluster").status_code == 200
        # the toolkit's reset does the same
        made = admin.post(
            ACCOUNTS,
            json={
                "name": "temp",
                "password": "Short-lived-11",
                "applications": [{"application": "http", "authentication_methods": ["password"]}],
            },
        )
        assert made.status_code == 201
        assert admin.post("/_ontap-ipsec/reset").status_code == 200
    assert owners_and_names(world) == [("cluster1", "admin")]


def test_a_snapshot_carries_hashes_never_passwords(world: World) -> None:
    document = world.app.ctx.backends.state.export()
    for password in PASSWORDS.values():
        assert password not in document
    accounts = yaml.safe_load(document)["accounts"]
    by_name = {(a["scope_key"], a["name"]): a for a in accounts}
    assert by_name[(world.svm1, "vs1")]["role"] == "vsadmin"
    assert all(a["password_hash"].startswith("scrypt$") for a in accounts)
    # the world is emptied, then the snapshot loaded: svm1's vsadmin logs in and sees svm1
    world.app.ctx.backends.reset()
    with world.client("vs1") as vs1:
        assert vs1.get("/api/cluster").status_code == 401
    world.app.ctx.backends.state.load(document)
    with world.client("vs1") as vs1:
        listed = vs1.get("/api/security/certificates", params={"fields": "svm.name"}).json()
        assert {r["svm"]["name"] for r in listed["records"]} == {"svm1"}
    assert owners_and_names(world) == [
        ("cluster1", "admin"),
        ("cluster1", "ro"),
        ("svm1", "vs1"),
        ("svm1", "vs1ro"),
        ("svm2", "vs2"),
    ]


def test_passwd_goes_through_the_backend_and_survives_the_reset(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with app_on(data):
        pass
    env = {**os.environ, "ONTAP_IPSEC_NEW_PASSWORD": "ops-pw"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "ontap_ipsec.cli.main",
            "passwd",
            "ops",
            "--role",
            "readonly",
            "--data-dir",
            str(data),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "ops-pw" not in done.stdout + done.stderr
    refused = subprocess.run(
        [sys.executable, "-m", "ontap_ipsec.cli.main", "passwd", "a/b", "--data-dir", str(data)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert refused.returncode == 2 and "ops-pw" not in refused.stderr
    with app_on(data) as app:
        from ontap_ipsec.inprocess import client

        app.ctx.backends.reset()
        with client(app, auth=("ops", "ops-pw")) as ops:
            assert ops.get("/api/cluster").status_code == 200
            assert ops.post("/api/svm/svms", json={"name": "x"}).status_code == 403
            record = ops.get(ACCOUNTS, params={"name": "ops", "fields": "applications,role"})
            assert record.json()["records"][0]["role"]["name"] == "readonly"
            apps = [a["application"] for a in record.json()["records"][0]["applications"]]
            assert apps == ["http", "console"]
