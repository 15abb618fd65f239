"""The telemetry pieces on their own: the recorder and its flush, the shared directory, the
scrubbing of log lines, the JSON lines, route names, and the settings behind them."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, Histogram, generate_latest

from ontap_ipsec.cli import admin
from ontap_ipsec.config import Settings
from ontap_ipsec.resources import all_resources
from ontap_ipsec.rest.router import Router
from ontap_ipsec.telemetry import logs, metrics, shared_dir
from ontap_ipsec.telemetry.recorder import LATENCY_BUCKETS, Recorder
from ontap_ipsec.telemetry.routes import RouteNames
from tests.certs import key_pem, make_ca


def test_a_snapshot_holds_what_changed_since_the_last_one() -> None:
    recorder = Recorder()
    recorder.request("GET", "/api/cluster", 200, 0.0001)
    recorder.request("GET", "/api/cluster", 200, 0.02)
    recorder.request("BREW", "/api/cluster", 405, 0.0001)
    recorder.transaction(0.001, True)
    recorder.cache_hits += 2
    recorder.in_flight = 1
    first = recorder.snapshot()
    counts = {key: sum(series[:-1]) for key, series in first.requests}
    assert counts == {("GET", "/api/cluster", 200): 2, ("other", "/api/cluster", 405): 1}
    assert (first.cache_hits, first.cache_misses, first.in_flight) == (2, 0, 1)
    assert [(committed, sum(s[:-1])) for committed, s in first.transactions] == [(True, 1)]
    nothing = recorder.snapshot()
    assert (nothing.requests, nothing.transactions, nothing.cache_hits) == ([], [], 0)
    assert nothing.in_flight is None
    recorder.request("GET", "/api/cluster", 200, 3.0)
    (key, delta), = recorder.snapshot().requests
    assert key == ("GET", "/api/cluster", 200)
    assert sum(delta[:-1]) == 1 and delta[-1] == pytest.approx(3.0)


def test_added_snapshots_read_as_the_same_values_observed_one_by_one() -> None:
    """The sink adds bucket counts to prometheus_client's histogram children at once (its
    internals): the exposition must be the one of observe() called for each value."""
    durations = [0.0001, 0.0005, 0.0007, 0.003, 0.2, 0.2, 7.0, 11.0, 0.0005]
    recorder = Recorder()
    for d in durations[:4]:
        recorder.request("GET", "/r", 200, d)
    sink = metrics.Sink(CollectorRegistry())
    sink.add(recorder.snapshot())
    for d in durations[4:]:
        recorder.request("GET", "/r", 200, d)
    sink.add(recorder.snapshot())
    reference = CollectorRegistry()
    one_by_one = Histogram(
        "ontap_ipsec_http_request_duration_seconds",
        "Seconds from a request's arrival in the app to the end of its response.",
        ["method", "route"],
        buckets=LATENCY_BUCKETS,
        registry=reference,
    )
    for d in durations:
        one_by_one.labels("GET", "/r").observe(d)

    def lines(registry: CollectorRegistry) -> list[str]:
        text = generate_latest(registry).decode()
        return [
            line
            for line in text.splitlines()
            if line.startswith("ontap_ipsec_http_request_duration_seconds_")
            and "_created" not in line
        ]

    assert lines(sink.registry) == lines(reference)  # type: ignore[arg-type]
    assert f'ontap_ipsec_http_requests_total{{method="GET",route="/r",status="200"}} ' \
        f"{float(len(durations))}" in generate_latest(sink.registry).decode()  # type: ignore[arg-type]


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_the_live_gauges_of_dead_workers_are_marked_and_their_counters_kept(
    tmp_path: Path,
) -> None:
    dead, living = _dead_pid(), os.getpid()
    for name in (f"gauge_livesum_{dead}.db", f"gauge_livesum_{living}.db", f"counter_{dead}.db"):
        (tmp_path / name).write_bytes(b"")
    assert metrics.mark_dead_workers(tmp_path) == [dead]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        f"counter_{dead}.db",
        f"gauge_livesum_{living}.db",
    ]


def test_the_shared_directory_is_emptied_at_start_and_others_of_dead_servers_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(shared_dir.ENV, "restored after the test")
    base = shared_dir.root(tmp_path)
    dead, living = _dead_pid(), os.getppid()
    for pid in (dead, living, 4242424):
        (base / f"server-{pid}").mkdir(parents=True)
        (base / f"server-{pid}" / "counter_1.db").write_bytes(b"old")
    (base / "server-4242424").rename(base / f"server-{os.getpid()}")  # ours, from before
    mine = shared_dir.prepare(tmp_path)
    assert mine == base / f"server-{os.getpid()}" and list(mine.iterdir()) == []
    assert os.environ[shared_dir.ENV] == str(mine)
    assert not (base / f"server-{dead}").exists()
    assert (base / f"server-{living}" / "counter_1.db").exists()  # another server's, running


_KEY = key_pem(make_ca(cn="scrub")[1])


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        (f"error with {_KEY} in it", _KEY.splitlines()[1]),
        (f"cut short: {_KEY[:200]}", _KEY.splitlines()[1][:40]),
        ("header Authorization: Basic YWRtaW46c2VjcmV0 sent", "YWRtaW46c2VjcmV0"),
        ("{'authorization': 'Basic YWRtaW46c2VjcmV0'}", "YWRtaW46c2VjcmV0"),
        ("token Bearer abc.def.ghi", "abc.def.ghi"),
        ('body {"name": "p1", "secret_key": "psk-of-the-test"}', "psk-of-the-test"),
        ("{'password': 'pw-of-the-test', 'x': 1}", "pw-of-the-test"),
        ("ONTAP_IPSEC_ADMIN_PASSWORD=pw-of-the-test", "pw-of-the-test"),
        ('"private_key": "not really a pem"', "not really a pem"),
        ('{"ppk": {"secret": "0xabababab"}}', "0xabababab"),
        ("{'ppk': {'identity': 'i', 'shared_key': '0xcdcdcdcd'}}", "0xcdcdcdcd"),
    ],
    ids=["pem", "pem-cut", "header", "header-repr", "bearer", "secret_key", "password-repr",
         "variable", "private_key", "ppk-secret", "ppk-shared_key"],
)
def test_scrub_takes_out_keys_credentials_and_secret_fields(line: str, secret: str) -> None:
    scrubbed = logs.scrub(line)
    assert secret not in scrubbed
    assert logs.REDACTED in scrubbed


def test_scrub_leaves_ordinary_lines_alone() -> None:
    for line in (
        "GET /api/cluster 200 0.120ms id=abc account=admin",
        "strongSwan scope 'vs1' is attached to scope key 1234",
        "worker 12 stopped: database closed",
    ):
        assert logs.scrub(line) == line


def _record(message: str, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("ontap_ipsec.access", logging.INFO, __file__, 1, message, None, None)
    record.__dict__.update(extra)
    return record


def test_a_json_line_has_its_fields_and_no_secret() -> None:
    formatter = logs.JsonFormatter()
    line = json.loads(
        formatter.format(
            _record("GET /x 200", request_id="r1", account="admin", method="GET", path="/x",
                    status=200, duration_ms=0.5)
        )
    )
    assert line["logger"] == "ontap_ipsec.access" and line["level"] == "info"
    assert line["time"].endswith("Z") and "T" in line["time"]
    assert (line["request_id"], line["account"], line["status"], line["duration_ms"]) == (
        "r1", "admin", 200, 0.5
    )
    try:
        raise ValueError(f"bad key {_KEY}")
    except ValueError:
        record = _record("failed")
        record.exc_info = sys.exc_info()
    failed = json.loads(formatter.format(record))
    assert "ValueError" in failed["exception"] and "PRIVATE KEY" not in failed["exception"]
    assert "\n" not in formatter.format(record)


def test_route_names_are_templates_and_bounded() -> None:
    names = RouteNames(Router(all_resources()), lambda p: not p.startswith(("/api", "/_")))
    assert names("/api/svm/svms/1234") == "/api/svm/svms/{uuid}"
    assert names("/api/svm/svms/") == "/api/svm/svms"
    assert names("/api/cluster") == "/api/cluster"
    assert names("/api/cluster/extra") == "unmatched"
    assert names("/api/nothing") == "unmatched"
    assert names("/_ontap-ipsec/reset") == "/_ontap-ipsec/reset"
    assert names("/_ontap-ipsec/faults/abc").endswith("/faults/{id}")
    assert names("/svms/vs1") == "console"
    assert names("/metrics") == "/metrics"
    for n in range(5000):
        names(f"/api/svm/svms/{n}")
    assert len(names._known) <= 4096


def test_the_new_flags_and_their_variables() -> None:
    args = admin.build_parser().parse_args(
        ["serve", "--log-format", "json", "--metrics-public", "--shutdown-timeout", "2.5",
         "--sync", "full"]
    )
    settings = admin.settings_from_args(args)
    assert (settings.log_format, settings.metrics_public, settings.shutdown_timeout) == (
        "json", True, 2.5
    )
    assert settings.sync == "full"
    # a worker gets them through the environment
    again = Settings.from_env(settings.to_env())
    assert (again.log_format, again.metrics_public, again.shutdown_timeout, again.sync) == (
        "json", True, 2.5, "full"
    )
    defaults = Settings.from_env({})
    assert (defaults.log_format, defaults.metrics_public) == ("text", False)
    assert defaults.sync == "normal"
    assert defaults.shutdown_timeout == 30.0
    env = {"ONTAP_IPSEC_LOG_FORMAT": "JSON", "ONTAP_IPSEC_SYNC": "Full",
           "ONTAP_IPSEC_METRICS_PUBLIC": "yes", "ONTAP_IPSEC_SHUTDOWN_TIMEOUT": "7"}
    from_env = Settings.from_env(env)
    assert (from_env.log_format, from_env.sync, from_env.metrics_public) == ("json", "full", True)
    assert from_env.shutdown_timeout == 7.0


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ONTAP_IPSEC_LOG_FORMAT": "xml"}, "log-format"),
        ({"ONTAP_IPSEC_SYNC": "off"}, "sync"),
        ({"ONTAP_IPSEC_SHUTDOWN_TIMEOUT": "0"}, "shutdown-timeout"),
        ({"ONTAP_IPSEC_SHUTDOWN_TIMEOUT": "soon"}, "SHUTDOWN_TIMEOUT"),
    ],
)
def test_bad_values_are_refused_naming_the_setting(env: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Settings.from_env(env)


_LAZY = """
import json, sys
from ontap_ipsec.app import create_app
from ontap_ipsec.config import Settings
from ontap_ipsec.inprocess import client
app = create_app(Settings(data_dir=sys.argv[1], admin_password="pw"), announce=lambda _m: None)
loaded = lambda: "prometheus_client" in sys.modules
with client(app, auth=("admin", "pw")) as api:
    api.get("/api/cluster")
    before = loaded()
    api.get("/metrics")
print(json.dumps([before, loaded()]))
"""


def test_prometheus_client_is_imported_by_the_first_scrape_not_at_start(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _LAZY, str(tmp_path / "data")],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == [False, True]
