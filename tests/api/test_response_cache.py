"""Rendered GET responses are answered again only while nothing has been committed."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import httpx
import pytest

from ontap_ipsec import auth
from ontap_ipsec.app import OntapApp
from ontap_ipsec.inprocess import client as inprocess_client
from ontap_ipsec.rest.response_cache import ResponseCache
from tests.api.helpers import CLUSTER, JSON, SVMS, make_svms
from tests.conftest import ADMIN_PASSWORD, app_on

DB = "ontap-ipsec.db"


def db_path(app: OntapApp) -> Path:
    return app.ctx.settings.data_dir / DB


def test_a_repeated_get_is_answered_from_the_cache_with_the_same_bytes(
    app: OntapApp, api: httpx.Client
) -> None:
    make_svms(api, ["vs1", "vs2"])
    assert app.responses is not None
    first = api.get(SVMS, params={"fields": "*"})
    hits = app.responses.hits
    second = api.get(SVMS, params={"fields": "*"})
    assert app.responses.hits == hits + 1
    assert second.status_code == 200
    assert second.content == first.content
    assert second.headers["content-type"] == first.headers["content-type"]
    assert second.headers["content-length"] == first.headers["content-length"]
    assert second.headers["cache-control"] == first.headers["cache-control"]


def test_a_write_through_the_api_retires_what_was_kept(app: OntapApp, api: httpx.Client) -> None:
    make_svms(api, ["vs1"])
    assert api.get(SVMS).json()["num_records"] == 1
    assert api.get(SVMS).json()["num_records"] == 1
    make_svms(api, ["vs2"])
    assert api.get(SVMS).json()["num_records"] == 2


def test_a_commit_by_another_connection_retires_what_was_kept(
    app: OntapApp, api: httpx.Client
) -> None:
    uuid = make_svms(api, ["vs1"])["vs1"]
    url = f"{SVMS}/{uuid}?fields=comment"
    assert api.get(url).json().get("comment") is None
    api.get(url)
    other = sqlite3.connect(db_path(app), isolation_level=None)
    try:
        other.execute("UPDATE svms SET comment = 'changed elsewhere' WHERE uuid = ?", (uuid,))
    finally:
        other.close()
    assert api.get(url).json()["comment"] == "changed elsewhere"


def test_a_password_changed_by_another_connection_takes_effect_on_the_next_request(
    app: OntapApp, api: httpx.Client
) -> None:
    app.authenticator = auth.Authenticator()
    assert api.get(CLUSTER).status_code == 200
    assert api.get(CLUSTER).status_code == 200  # accepted, and remembered
    from ontap_ipsec.store.engine import create_engine

    engine = create_engine(app.ctx.settings.database_url)  # as `ontap-ipsec passwd` would
    try:
        with engine.begin() as conn:
            auth.set_password(conn, "admin", "a-new-password-1")
    finally:
        engine.dispose()
    assert api.get(CLUSTER).status_code == 401
    with inprocess_client(app, auth=("admin", "a-new-password-1")) as renewed:
        assert renewed.get(CLUSTER).status_code == 200


def test_wrong_credentials_are_never_answered_from_the_cache(
    app: OntapApp, api: httpx.Client
) -> None:
    assert api.get(CLUSTER).status_code == 200
    with inprocess_client(app, auth=("admin", ADMIN_PASSWORD + "x")) as wrong:
        assert wrong.get(CLUSTER).status_code == 401
    with inprocess_client(app) as nobody:
        assert nobody.get(CLUSTER).status_code == 401


def test_accept_json_and_hal_are_kept_apart(app: OntapApp, api: httpx.Client) -> None:
    make_svms(api, ["vs1"])
    hal = api.get(SVMS)
    plain = api.get(SVMS, headers={"accept": JSON})
    assert "_links" in hal.json()["records"][0]
    assert "_links" not in plain.json()["records"][0]
    assert api.get(SVMS).content == hal.content
    assert api.get(SVMS, headers={"accept": JSON}).content == plain.content
    assert plain.headers["content-type"] == JSON


def test_head_from_the_cache_has_no_body_and_the_get_length(
    app: OntapApp, api: httpx.Client
) -> None:
    make_svms(api, ["vs1"])
    body = api.get(SVMS).content
    assert app.responses is not None
    hits = app.responses.hits
    head = api.head(SVMS)
    assert app.responses.hits == hits + 1
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == str(len(body))


def test_errors_are_not_kept(app: OntapApp, api: httpx.Client) -> None:
    missing = f"{SVMS}/00000000-0000-0000-0000-000000000000"
    assert api.get(missing).status_code == 404
    assert app.responses is not None
    assert len(app.responses) == 0
    uuid = make_svms(api, ["vs1"])["vs1"]
    assert api.get(f"{SVMS}/{uuid}").status_code == 200


def test_a_reopened_read_connection_never_matches_an_older_version(app: OntapApp) -> None:
    reader = app.ctx.store.reader
    before = reader.version()
    reader._drop("reads")  # as after a database error
    after = reader.version()
    assert before is not None and after is not None
    assert before[0] != after[0]


def test_cache_mib_0_turns_the_cache_off(template_data_dir: Path, tmp_path: Path) -> None:
    shutil.copytree(template_data_dir, tmp_path / "data")
    with app_on(tmp_path / "data", cache_mib=0) as application:
        assert application.responses is None
        with inprocess_client(application, auth=("admin", ADMIN_PASSWORD)) as c:
            assert c.get(CLUSTER).json() == c.get(CLUSTER).json()


def test_postgresql_has_no_version_so_nothing_is_kept(pg_url: str, tmp_path: Path) -> None:
    with app_on(tmp_path / "data", pg_url) as application:
        assert application.ctx.store.reader.version() is None
        with inprocess_client(application, auth=("admin", ADMIN_PASSWORD)) as c:
            assert c.get(CLUSTER).status_code == 200
            assert c.get(CLUSTER).status_code == 200
        assert application.responses is not None
        assert len(application.responses) == 0
        assert application.responses.hits == 0


def test_the_cache_keeps_within_its_budget_least_recently_used_out_first() -> None:
    cache = ResponseCache(budget=1000)
    for i in range(10):
        cache.put(i, 1, b"x" * 200, [])
    assert cache.size <= 1000
    assert cache.get(9, 1) is not None
    assert cache.get(0, 1) is None
    cache.put(100, 1, b"y" * 251, [])  # over a quarter of the budget: not kept
    assert cache.get(100, 1) is None
    cache.put(5 + 5, 1, b"z" * 10, [])
    assert cache.get(10, 2) is None  # another version: not an answer
    assert cache.size == sum(len(e.body) for e in cache._entries.values())


def test_a_negative_budget_is_refused() -> None:
    from ontap_ipsec.config import Settings

    with pytest.raises(ValueError, match="cache-mib"):
        Settings.from_env({"ONTAP_IPSEC_CACHE_MIB": "-1"})


def test_an_account_locked_by_another_connection_is_refused_on_the_next_request(
    app: OntapApp, api: httpx.Client
) -> None:
    app.authenticator = auth.Authenticator()
    assert api.get(CLUSTER).status_code == 200
    other = sqlite3.connect(db_path(app), isolation_level=None)
    try:
        other.execute("UPDATE accounts SET locked = 1 WHERE name = 'admin'")
    finally:
        other.close()
    assert api.get(CLUSTER).status_code == 401


def test_writes_elsewhere_do_not_make_the_account_be_read_again(
    app: OntapApp, api: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.authenticator = auth.Authenticator()
    checks: list[str] = []
    original = auth.Authenticator._check

    def counted(self: auth.Authenticator, reader: object, header: str, *rest: object) -> object:
        checks.append(header)
        return original(self, reader, header, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(auth.Authenticator, "_check", counted)
    make_svms(api, ["vs1"])  # the credential's first check (a write's, before its body)
    assert checks
    checks.clear()
    make_svms(api, ["vs2", "vs3"])  # two more commits, none to the accounts
    assert api.get(SVMS).json()["num_records"] == 3
    assert checks == []


def test_a_get_with_a_body_is_refused_even_when_its_answer_is_kept(
    app: OntapApp, api: httpx.Client
) -> None:
    assert api.get(CLUSTER).status_code == 200
    assert api.get(CLUSTER).status_code == 200
    refused = api.request("GET", CLUSTER, content=b'{"name": "x"}')
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "262198"


def test_a_database_error_while_replaying_is_the_503_envelope(
    app: OntapApp, api: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert api.get(CLUSTER).status_code == 200
    assert api.get(CLUSTER).status_code == 200  # kept: the next one goes through the replay

    def locked() -> None:
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(app.ctx.store.reader, "version", locked)
    busy = api.get(CLUSTER)
    assert busy.status_code == 503
    assert busy.json()["error"]["code"] == "262160"
    monkeypatch.undo()
    assert api.get(CLUSTER).status_code == 200


def test_a_driver_error_from_a_prepared_read_is_the_503_envelope(
    app: OntapApp, api: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def locked(*_args: object, **_kwargs: object) -> None:
        raise sqlite3.OperationalError("database is locked")

    make_svms(api, ["vs1"])
    app.authenticator = auth.Authenticator()
    api.get(CLUSTER)  # the credential is accepted before reads start failing
    monkeypatch.setattr(app.ctx.store.reader, "fetch", locked)
    busy = api.get(SVMS, params={"fields": "comment"})
    assert busy.status_code == 503
    assert busy.json()["error"]["code"] == "262160"
