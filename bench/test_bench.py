"""Checks of the harness itself (not of the service's speed): run with
`.venv/bin/python -m pytest bench/test_bench.py -q -p no:cacheprovider`."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_apps  # noqa: E402
import seed  # noqa: E402
from harness.constants import IPSEC, PASSWORD  # noqa: E402
from harness.data import make_data_dir  # noqa: E402
from harness.phases.scale import PeakMemory, memory_mib  # noqa: E402
from harness.report import table, with_results  # noqa: E402
from harness.rounds import Best  # noqa: E402
from harness.servers import server_cmd  # noqa: E402
from harness.wrk import figures, parse_report  # noqa: E402


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

    engine = make_data_dir(tmp_path)
    seeded = seed.seed(engine, n_svms=3, listed_per_svm=4, unlisted_per_svm=2, jobs_per_svm=1)
    engine.dispose()
    app = create_app(Settings(data_dir=tmp_path), announce=lambda _: None)
    with client(app, auth=("admin", PASSWORD)) as http:
        listed = http.get(IPSEC, params={"svm.name": "svm0001", "return_records": "false"})
        assert listed.json()["num_records"] == 4
        svm, cert = seeded.unlisted[0]
        posted = http.post(IPSEC, json={"certificate": {"uuid": cert}, "svm": {"name": svm}})
        assert posted.status_code == 201, posted.text
        assert http.delete(f"{IPSEC}/{cert}").status_code == 200
        one = http.get(f"/api/security/certificates/{seeded.listed[0][1]}?fields=*").json()
        assert one["type"] == "root_ca"
        assert one["public_certificate"].startswith("-----BEGIN CERTIFICATE-----")
    app.ctx.store.dispose()


def test_report_table_marks_missed_targets() -> None:
    result = {
        "startup": {"ours_s": 0.9, "floor_s": 0.3, "ratio": 3.0},
    }
    text = table(result)
    assert "| start-up |" in text
    assert "| 3.00 | <= 1.5x | **no** |" in text


def test_wrk_report_is_the_summary_line_with_the_errors_recorded_before_it() -> None:
    stdout = (
        "Running 1s test @ https://127.0.0.1:1/\n"
        "WRKERROR 409 POST /x: already listed\n"
        'WRKJSON {"requests":300,"duration_us":1500000,"bytes":60000,'
        '"errors":{"connect":0,"read":1,"write":0,"status":2,"timeout":0},'
        '"p50_us":1250,"p90_us":2000,"p99_us":4500,"mean_us":1300.5,"max_us":9000}\n'
        "WRKERROR 500 DELETE /y: boom\n"
    )
    raw = parse_report(stdout)
    assert raw is not None
    assert raw["first_errors"] == ["409 POST /x: already listed", "500 DELETE /y: boom"]
    got = figures(raw, conns=16, threads=1)
    assert got == {
        "rps": 200.0,
        "bytes_per_s": 40000.0,
        "p50_ms": 1.25,
        "p99_ms": 4.5,
        "requests": 300,
        "errors": 3,
        "error_detail": {"connect": 0, "read": 1, "write": 0, "status": 2, "timeout": 0},
        "first_errors": ["409 POST /x: already listed", "500 DELETE /y: boom"],
        "conns": 16,
        "threads": 1,
        "seconds": 1.5,
    }
    assert parse_report("unable to connect to 127.0.0.1:1 Connection refused\n") is None


def test_best_keeps_the_fastest_run_of_each_key_and_every_figure() -> None:
    kept = Best("rps")
    for key, rps in (("ours", 10.04), ("floor", 50.0), ("ours", 30.06), ("ours", 20.0)):
        kept.add(key, {"rps": rps})
    assert kept.best == {"ours": {"rps": 30.06}, "floor": {"rps": 50.0}}
    assert kept.runs == {"ours": [10.0, 30.1, 20.0], "floor": [50.0]}


def test_report_rows_render_reads_as_bytes_per_second_for_1000_records() -> None:
    run = {"rps": 10.0, "bytes_per_s": 3 * 2**20, "p50_ms": 400.0, "p99_ms": 800.0}
    floor = {"rps": 600.0, "bytes_per_s": 150 * 2**20, "p50_ms": 1.0, "p99_ms": 2.0}
    entry = {
        "ours": run,
        "floor_uvicorn": floor,
        "floor_granian": floor,
        "body_bytes": 322123,
        "floor_server": "uvicorn",
        "ratio_rps": 10 / 600,
        "ratio_bytes": 0.02,
    }
    text = table({"reads": {"plain": {"collection1000": entry}}})
    assert text.splitlines()[2] == (
        "| reads | collection GET `fields=*`, 1,000 records (322,123 B), TLS off — bytes/s "
        "| 3.0 MiB/s (10 req/s, p50 400.00 ms, p99 800.00 ms) | 150.0 MiB/s (uvicorn) "
        "| 0.02 | >= 0.6x | **no** |"
    )


def test_readme_results_are_replaced_between_the_markers_only() -> None:
    text = "# B\n\nprose\n<!-- results -->\nold table\n<!-- /results -->\nafter\n"
    assert with_results(text, "new\n") == (
        "# B\n\nprose\n<!-- results -->\nnew\n<!-- /results -->\nafter\n"
    )
    assert with_results("# B\n", "new\n") == "# B\n\n<!-- results -->\nnew\n<!-- /results -->\n"


def test_server_commands_take_tls_files_and_factory_by_server() -> None:
    uv = server_cmd(kind="uvicorn", app="ours", port=8443, data_dir=Path("/d"), tls=True)
    assert uv[-5:] == ["--factory", "--ssl-certfile", "/d/tls/server.crt", "--ssl-keyfile",
                       "/d/tls/server.key"]  # fmt: skip
    gr = server_cmd(kind="granian", app="floor", port=80, data_dir=Path("/d"), tls=False, workers=2)
    assert gr[-3:] == ["--http", "1", "bench_apps:floor"]
    assert gr[gr.index("--workers") + 1] == "2"
    cli = server_cmd(kind="cli", app="ours", port=80, data_dir=Path("/d"), tls=False, workers=2)
    assert cli[1:] == ["serve", "--port", "80", "--workers", "2", "--no-tls"]
    uncached = server_cmd(
        kind="cli", app="ours", port=80, data_dir=Path("/d"), tls=True, extra=["--cache-mib", "0"]
    )
    assert uncached[1:] == ["serve", "--port", "80", "--workers", "1", "--cache-mib", "0"]


def test_memory_is_summed_over_a_process_and_its_children() -> None:
    import subprocess

    alone = memory_mib(os.getpid())
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        time.sleep(0.3)
        with_child = memory_mib(os.getpid())
        with PeakMemory(os.getpid(), every=0.05) as sampler:
            time.sleep(0.2)
    finally:
        child.kill()
        child.wait()
    assert alone["processes"] >= 1
    assert with_child["processes"] == alone["processes"] + 1
    assert with_child["Pss"] > 0 and with_child["VmHWM"] >= with_child["VmRSS"] > 0
    assert sampler.result_at_exit["samples"] >= 2
    assert sampler.result_at_exit["Pss_peak"] >= sampler.result_at_exit["Pss"] * 0.9


def test_report_says_why_the_strongswan_rows_were_skipped() -> None:
    text = table({"strongswan": {"skipped": "needs root (charon in namespaces of its own)"}})
    assert "| strongswan |" in text
    assert "skipped: needs root (charon in namespaces of its own)" in text


def test_strongswan_rows_judge_their_targets() -> None:
    figures = {"changes": 200, "listed": 0, "p50_ms": 8.0, "p90_ms": 12.0, "p99_ms": 61.0,
               "max_ms": 90.0, "entries": 1000, "full_ms": 432.0, "resync_ms": 18.7,
               "unload_ms": 136.0}  # fmt: skip
    text = table({"strongswan": figures})
    assert "p99 61.0 ms (max 90.0 ms) |  |  | p99 < 50 ms | **no** |" in text
    assert "| 432 ms |  |  | < 1 s | yes |" in text
