"""Durability: an acknowledged write survives `kill -9` of the real server."""

from __future__ import annotations

from pathlib import Path

from tests.server.process import run_server

PASSWORD = "durable-pw"
AUTH = ("admin", PASSWORD)


def test_acknowledged_svm_survives_kill_9_and_restart(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with run_server(data_dir, admin_password=PASSWORD) as first:
        with first.client(auth=AUTH) as c:
            created = c.post("/api/svm/svms", json={"name": "durable", "comment": "kept"})
            assert created.status_code == 202, created.text
            location = created.headers["location"]
        first.kill()
        assert first.process.returncode == -9

    with run_server(data_dir, admin_password=PASSWORD) as second, second.client(auth=AUTH) as c:
        record = c.get(location)
        assert record.status_code == 200, record.text
        assert (record.json()["name"], record.json()["comment"]) == ("durable", "kept")
        job = c.get("/api/cluster/jobs?svm.name=durable&fields=state").json()["records"]
        assert [j["state"] for j in job] == ["success"]
