"""The lockout after failed logins (`serve --max-failed-logins N --lockout-duration S`, as
ONTAP's `security login role config`): the refusal of a locked account is that of a bad
password, `locked` shows it, an admin's PATCH ends it, it ends by itself after its time, a
success clears the count; on both databases, and through a real server of two workers."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import httpx
import pytest

from ontap_ipsec.app import OntapApp
from ontap_ipsec.auth import Authenticator
from ontap_ipsec.inprocess import client as inprocess_client
from tests.accounts.helpers import ACCOUNTS, account_body, make_account
from tests.conftest import AUTH, app_on
from tests.server.process import run_server

BOB = "Strong-pass-123"
WRONG = "Guess-pass-999"
DURATION = 1.5


@pytest.fixture
def locking_app(backend: str | None, tmp_path: Path):
    with app_on(
        tmp_path / "data", backend, max_failed_logins=3, lockout_duration=DURATION
    ) as application:
        application.authenticator = Authenticator()
        yield application


def _bob(app: OntapApp) -> str:
    with inprocess_client(app, auth=AUTH) as api:
        return make_account(api, "bob", BOB)


def _locked(app: OntapApp) -> bool:
    with inprocess_client(app, auth=AUTH) as api:
        found = api.get(f"{ACCOUNTS}?name=bob&fields=locked").json()["records"]
        return bool(found[0]["locked"])


def _get(app: OntapApp, password: str) -> httpx.Response:
    with inprocess_client(app, auth=("bob", password)) as c:
        return c.get("/api/cluster")


def _fail(app: OntapApp, times: int) -> list[httpx.Response]:
    return [_get(app, WRONG) for _ in range(times)]


def test_locked_after_the_attempts_then_free_after_its_time(
    locking_app: OntapApp, caplog: pytest.LogCaptureFixture
) -> None:
    _bob(locking_app)
    with caplog.at_level(logging.WARNING, logger="ontap_ipsec.auth"):
        refused = _fail(locking_app, 3)
    assert [r.status_code for r in refused] == [401] * 3
    assert _locked(locking_app)
    locked_out = _get(locking_app, BOB)  # the right password, locked
    assert locked_out.status_code == 401
    assert locked_out.json() == refused[0].json()  # nothing tells a lock from a bad password
    assert locked_out.headers.get("www-authenticate") == refused[0].headers.get(
        "www-authenticate"
    )
    assert any("bob" in r.getMessage() and "locked" in r.getMessage() for r in caplog.records)
    assert all(WRONG not in r.getMessage() and BOB not in r.getMessage() for r in caplog.records)
    with inprocess_client(locking_app, auth=AUTH) as api:
        assert api.get(f"{ACCOUNTS}?locked=true").json()["num_records"] == 1
    time.sleep(DURATION + 0.3)
    assert not _locked(locking_app)
    assert _get(locking_app, BOB).status_code == 200
    # the count starts afresh after a lock that ended
    assert [r.status_code for r in _fail(locking_app, 2)] == [401, 401]
    assert _get(locking_app, BOB).status_code == 200


def test_a_success_clears_the_count(locking_app: OntapApp) -> None:
    _bob(locking_app)
    _fail(locking_app, 2)
    assert _get(locking_app, BOB).status_code == 200
    _fail(locking_app, 2)
    assert not _locked(locking_app)
    assert _get(locking_app, BOB).status_code == 200
    _fail(locking_app, 3)
    assert _locked(locking_app)


def test_an_admin_unlocks_at_once(locking_app: OntapApp) -> None:
    path = _bob(locking_app)
    _fail(locking_app, 3)
    assert _get(locking_app, BOB).status_code == 401
    with inprocess_client(locking_app, auth=AUTH) as api:
        assert api.patch(path, json={"locked": False}).status_code == 200
    assert not _locked(locking_app)
    assert _get(locking_app, BOB).status_code == 200
    _fail(locking_app, 2)  # the unlock cleared the count too
    assert _get(locking_app, BOB).status_code == 200


def test_no_lockout_by_default(tmp_path: Path) -> None:
    with app_on(tmp_path / "data") as app:
        app.authenticator = Authenticator()
        _bob(app)
        _fail(app, 6)
        assert not _locked(app)
        assert _get(app, BOB).status_code == 200


def test_an_unknown_name_locks_nothing(locking_app: OntapApp) -> None:
    with inprocess_client(locking_app, auth=("nobody", WRONG)) as c:
        for _ in range(4):
            assert c.get("/api/cluster").status_code == 401
    with inprocess_client(locking_app, auth=AUTH) as api:
        assert api.get(f"{ACCOUNTS}?locked=true").json()["num_records"] == 0
        assert api.post(ACCOUNTS, json=account_body("nobody", BOB)).status_code == 201


def test_lockout_counts_across_workers(tmp_path: Path) -> None:
    admin = ("admin", "served-admin-pw1")
    args = ("--max-failed-logins", "4", "--lockout-duration", "0")
    with run_server(tmp_path / "data", admin_password=admin[1], extra_args=args) as server:
        with server.client(auth=admin) as api:
            path = api.post(ACCOUNTS, json=account_body("bob", BOB)).headers["location"]
        for _ in range(4):  # a new connection each: the two workers share the count
            with server.client(auth=("bob", WRONG)) as c:
                assert c.get("/api/cluster").status_code == 401
        for _ in range(4):
            with server.client(auth=("bob", BOB)) as c:
                assert c.get("/api/cluster").status_code == 401
        with server.client(auth=admin) as api:
            assert api.get(f"{path}?fields=locked").json()["locked"] is True
            assert api.patch(path, json={"locked": False}).status_code == 200
        for _ in range(4):
            with server.client(auth=("bob", BOB)) as c:
                assert c.get("/api/cluster").status_code == 200
        assert WRONG not in server.output() and BOB not in server.output()
