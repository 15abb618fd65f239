"""`ontap-ipsec backup` and `restore`: the whole state, on SQLite and on PostgreSQL."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

import httpx
import pytest

from ontap_ipsec.inprocess import client as inprocess_client
from ontap_ipsec.store import backup as backups
from tests.conftest import AUTH, app_on
from tests.ipsec.conftest import CERTS, IPSEC, install_ca, make_svm
from tests.server.process import EXECUTABLE, clean_environment


def cli(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(EXECUTABLE), *argv],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_environment(None, None),
        stdin=subprocess.DEVNULL,
    )


def state(api: httpx.Client) -> dict[str, list[object]]:
    """What a client sees of the state."""
    return {
        path: sorted(map(str, api.get(path, params={"fields": "*"}).json()["records"]))
        for path in ("/api/svm/svms", CERTS, IPSEC, "/api/cluster/jobs")
    }


def populate(api: httpx.Client) -> None:
    make_svm(api, "vs1")
    ca = install_ca(api, "ca1", svm="vs1")
    api.post(IPSEC, json={"certificate": {"uuid": ca}, "svm": {"name": "vs1"}})
    install_ca(api, "ca0")


def test_a_backup_restored_gives_back_the_state_it_was_made_of(
    backend: str | None, tmp_path: Path
) -> None:
    file = tmp_path / "state.backup"
    with app_on(tmp_path / "data", backend) as app, inprocess_client(app, auth=AUTH) as api:
        populate(api)
        before = state(api)
        database = ["--data-dir", str(tmp_path / "data")] + (
            ["--database", backend] if backend else []
        )
        made = cli("backup", str(file), *database)
        assert made.returncode == 0, made.stderr
        assert "2 certificates" in made.stdout and "1 ipsec_ca_certificates" in made.stdout
        assert file.stat().st_mode & 0o077 == 0
        api.post("/_ontap-ipsec/reset")
        make_svm(api, "other")
        assert state(api) != before
        restored = cli("restore", str(file), *database)
        assert restored.returncode == 0, restored.stderr
        assert state(api) == before  # the running app sees it at once
        assert api.get("/api/cluster").status_code == 200  # the accounts came back too


def test_a_postgresql_backup_restores_into_sqlite(pg_url: str, tmp_path: Path) -> None:
    file = tmp_path / "pg.backup"
    with app_on(tmp_path / "pg", pg_url) as app, inprocess_client(app, auth=AUTH) as api:
        populate(api)
        before = state(api)
        backups.backup(app.ctx.store.engine, file)
    with app_on(tmp_path / "lite") as app, inprocess_client(app, auth=AUTH) as api:
        backups.restore(app.ctx.store.engine, app.ctx.store.write, file)
        assert state(api) == before


def test_a_backup_of_another_schema_revision_is_refused_and_nothing_changes(
    tmp_path: Path,
) -> None:
    file = tmp_path / "old.backup"
    with app_on(tmp_path / "data") as app, inprocess_client(app, auth=AUTH) as api:
        populate(api)
        backups.backup(app.ctx.store.engine, file)
        with sqlite3.connect(file) as conn:
            conn.execute("UPDATE alembic_version SET version_num = '0003'")
        conn.close()
        api.post("/_ontap-ipsec/reset")
        result = cli("restore", str(file), "--data-dir", str(tmp_path / "data"))
        assert result.returncode == 1
        assert "schema revision 0003" in result.stderr and "this database is at" in result.stderr
        assert api.get(IPSEC).json()["num_records"] == 0


@pytest.mark.parametrize("content", [b"", b"not a database at all"])
def test_a_file_that_is_no_backup_is_refused(tmp_path: Path, content: bytes) -> None:
    file = tmp_path / "junk"
    file.write_bytes(content)
    with app_on(tmp_path / "data"):
        pass
    result = cli("restore", str(file), "--data-dir", str(tmp_path / "data"))
    assert result.returncode == 1
    assert "is not an ontap-ipsec backup" in result.stderr
    assert "Traceback" not in result.stderr
