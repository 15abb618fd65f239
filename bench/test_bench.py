"""Checks of the harness itself (not of the service's speed): run with
`.venv/bin/python -m pytest bench/test_bench.py -q -p no:cacheprovider`."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_apps  # noqa: E402
import run  # noqa: E402
import seed  # noqa: E402


def _call_floor(path: str) -> tuple[int, dict[bytes, bytes], bytes]:
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": path, "headers": []}
    asyncio.run(bench_apps.floor(scope, receive, send))
    return sent[0]["status"], dict(sent[0]["headers"]), sent[1]["body"]


def test_floor_answers_json_of_exactly_the_size_in_its_path() -> None:
    for size in (321, 6399, 322123):
        status, headers, body = _call_floor(f"/floor/{size}")
        assert status == 200
        assert len(body) == size
        assert headers[b"content-length"] == str(size).encode()
        assert isinstance(orjson.loads(body), dict)


def test_seeded_entries_read_back_through_the_api(tmp_path: Path) -> None:
    from ontap_ipsec.app import create_app
    from ontap_ipsec.config import Settings
    from ontap_ipsec.inprocess import client

    engine = run.make_data_dir(tmp_path)
    seeded = seed.seed(engine, n_svms=3, listed_per_svm=4, unlisted_per_svm=2, jobs_per_svm=1)
    engine.dispose()
    app = create_app(Settings(data_dir=tmp_path), announce=lambda _: None)
    with client(app, auth=("admin", run.PASSWORD)) as http:
        listed = http.get(run.IPSEC, params={"svm.name": "svm0001", "return_records": "false"})
        assert listed.json()["num_records"] == 4
        svm, cert = seeded.unlisted[0]
        posted = http.post(run.IPSEC, json={"certificate": {"uuid": cert}, "svm": {"name": svm}})
        assert posted.status_code == 201, posted.text
        assert http.delete(f"{run.IPSEC}/{cert}").status_code == 200
        one = http.get(f"/api/security/certificates/{seeded.listed[0][1]}?fields=*").json()
        assert one["type"] == "root_ca"
        assert one["public_certificate"].startswith("-----BEGIN CERTIFICATE-----")
    app.ctx.store.dispose()


def test_report_table_marks_missed_targets() -> None:
    result = {
        "startup": {"ours_s": 0.9, "floor_s": 0.3, "ratio": 3.0},
    }
    text = run.table(result)
    assert "| start-up |" in text
    assert "| 3.00 | <= 1.5x | **no** |" in text
