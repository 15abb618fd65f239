"""Faults and the journal through the real server (granian, 2 workers: a rule added
through one worker is applied by both), with the real netapp_ontap client."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.requirements import require
from tests.server.process import Server, run_server

PASSWORD = "toolkit-pw"
FAULTS = "/_ontap-ipsec/faults"
JOURNAL = "/_ontap-ipsec/journal"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("toolkit") / "data"
    with run_server(data, admin_password=PASSWORD, extra_args=("--journal",)) as running:
        yield running


@pytest.fixture
def api(server: Server) -> Iterator[httpx.Client]:
    with server.client(server.auth) as client:
        client.delete(FAULTS)
        client.delete(JOURNAL)
        yield client
        client.delete(FAULTS)


def add_fault(api: httpx.Client, **rule: Any) -> dict[str, Any]:
    response = api.post(FAULTS, json=rule)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_netapp_ontap_retries_through_503s_and_gives_up_after_its_limit(
    api: httpx.Client, server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    require("netapp_ontap", "pip install netapp-ontap; it is in the test extra")
    from netapp_ontap import HostConnection, config
    from netapp_ontap.error import NetAppRestError
    from netapp_ontap.resources import Cluster

    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)  # it would override verify=False
    monkeypatch.setattr(config, "RETRY_API_ON_ERROR", True)
    monkeypatch.setattr(config, "RETRY_API_ATTEMPTS", 3)
    monkeypatch.setattr(config, "RETRY_API_BACKOFF_FACTOR", 0.01)
    effect = {"type": "status", "status": 503, "retry_after": 0}
    add_fault(api, method="GET", path="/api/cluster", times=2, effect=effect)

    def connection() -> HostConnection:
        return HostConnection(
            "127.0.0.1", port=server.port, username="admin", password=PASSWORD, verify=False
        )

    with connection():
        cluster = Cluster()
        cluster.get()  # two 503s, then the answer
    assert cluster.name == "cluster1"
    statuses = [
        r["status"] for r in api.get(JOURNAL, params={"path": "/api/cluster"}).json()["records"]
    ]
    assert statuses == [503, 503, 200]

    api.delete(FAULTS)
    api.delete(JOURNAL)
    add_fault(api, method="GET", path="/api/cluster", times=None, effect=effect)
    with connection(), pytest.raises(NetAppRestError):
        Cluster().get()
    statuses = [
        r["status"] for r in api.get(JOURNAL, params={"path": "/api/cluster"}).json()["records"]
    ]
    assert statuses == [503] * 4  # the first call and its three retries


def test_an_error_effect_is_onaps_envelope_and_nothing_runs_behind_it(api: httpx.Client) -> None:
    effect = {"type": "error", "status": 409, "code": "13434908", "message": "Duplicate SVM name."}
    add_fault(api, method="POST", path="/api/svm/svms", effect=effect)
    response = api.post("/api/svm/svms", json={"name": f"vs{uuid.uuid4().hex[:6]}"})
    assert response.status_code == 409
    assert response.json() == {"error": {"message": "Duplicate SVM name.", "code": "13434908"}}
    assert response.headers["server"] == "libzapid-httpd"
    name = f"vs{uuid.uuid4().hex[:6]}"
    assert api.post("/api/svm/svms", json={"name": name}).status_code == 202  # once, by default
    assert api.get("/api/svm/svms", params={"name": name}).json()["num_records"] == 1


def test_the_nth_call_fires_and_the_counts_are_listed(api: httpx.Client) -> None:
    rule = add_fault(
        api, path="/api/cluster", nth=3, times=1, effect={"type": "status", "status": 429}
    )
    statuses = [api.get("/api/cluster").status_code for _ in range(5)]
    assert statuses == [200, 200, 429, 200, 200]
    listed = api.get(f"{FAULTS}/{rule['id']}").json()
    assert (listed["matched"], listed["fired"]) == (5, 1)


def test_a_fault_for_one_test_id_is_not_seen_by_another(api: httpx.Client) -> None:
    add_fault(
        api,
        path="/api/cluster",
        test_id="test-a",
        times=None,
        effect={"type": "error", "status": 500, "code": "1", "message": "boom"},
    )
    mine = api.get("/api/cluster", headers={"X-Ontap-Ipsec-Test-Id": "test-a"})
    theirs = api.get("/api/cluster", headers={"X-Ontap-Ipsec-Test-Id": "test-b"})
    untagged = api.get("/api/cluster")
    assert (mine.status_code, theirs.status_code, untagged.status_code) == (500, 200, 200)
    records = api.get(JOURNAL, params={"test_id": "test-b"}).json()["records"]
    assert [(r["test_id"], r["status"]) for r in records] == [("test-b", 200)]


def test_a_delay_holds_the_answer(api: httpx.Client) -> None:
    add_fault(api, path="/api/cluster", effect={"type": "delay", "seconds": 0.4})
    response = api.get("/api/cluster")
    assert response.status_code == 200
    assert response.elapsed.total_seconds() >= 0.4
    entry = api.get(JOURNAL, params={"path": "/api/cluster"}).json()["records"][-1]
    assert entry["duration_ms"] >= 400


def test_a_dropped_connection_and_a_truncated_body(api: httpx.Client, server: Server) -> None:
    add_fault(api, path="/api/cluster", effect={"type": "drop"})
    with server.client(server.auth) as other, pytest.raises(httpx.TransportError):
        other.get("/api/cluster")
    add_fault(api, path="/api/svm/svms", effect={"type": "truncate"})
    with server.client(server.auth) as other, pytest.raises(httpx.TransportError):
        other.get("/api/svm/svms")
    assert api.get("/api/cluster").status_code == 200  # each fired once


def test_the_journal_redacts_secrets_and_its_har_opens_in_a_har_parser(
    api: httpx.Client, tmp_path: Path
) -> None:
    haralyzer = require("haralyzer", "pip install haralyzer; it is in the test extra")
    from tests.certs import key_pem, make_ca, pem

    cert, key = make_ca(cn="journal CA")
    body = {"type": "root_ca", "public_certificate": pem(cert), "private_key": key_pem(key)}
    api.post("/api/security/certificates", json=body)
    text = api.get(JOURNAL).text
    assert PASSWORD not in text and "PRIVATE KEY" not in text
    assert key_pem(key).splitlines()[1] not in text
    har_doc = api.get(JOURNAL, params={"format": "har"}).json()
    path = tmp_path / "journal.har"
    path.write_text(json.dumps(har_doc))
    parsed = haralyzer.HarParser.from_file(str(path))
    entries = [e for page in parsed.pages for e in page.entries] or parsed.har_data["entries"]
    methods = [e["request"]["method"] for e in parsed.har_data["entries"]]
    assert "POST" in methods and len(entries) >= 1
    posted = [e for e in har_doc["log"]["entries"] if e["request"]["method"] == "POST"][0]
    assert posted["response"]["status"] == 201
    assert {"name": "authorization", "value": "REDACTED"} in posted["request"]["headers"]


def test_bad_rules_are_refused_in_the_envelope(api: httpx.Client) -> None:
    cases = [
        ({"path": "/api/x", "effect": {"type": "nope"}}, "262185"),
        ({"path": "/api/x", "effect": {"type": "status", "status": 500}}, "262185"),
        ({"path": "api/x", "effect": {"type": "drop"}}, "262185"),
        ({"effect": {"type": "drop"}}, "262212"),
        ({"path": "/api/x", "effect": {"type": "drop"}, "colour": 1}, "262179"),
        ({"path": "/api/x", "effect": {"type": "delay", "seconds": 61}}, "262185"),
        ({"path": "/api/x", "probability": 0, "effect": {"type": "drop"}}, "262185"),
    ]
    for rule, code in cases:
        response = api.post(FAULTS, json=rule)
        assert response.status_code == 400, (rule, response.text)
        assert response.json()["error"]["code"] == code, rule
    assert api.get(FAULTS).json()["num_records"] == 0


def test_drop_and_truncate_under_uvicorn_too(tmp_path: Path) -> None:
    with (
        run_server(
            tmp_path / "data", admin_password=PASSWORD, extra_args=("--server", "uvicorn")
        ) as running,
        running.client(running.auth) as api,
    ):
        add_fault(api, path="/api/cluster", effect={"type": "drop"})
        add_fault(api, path="/api/svm/svms", effect={"type": "truncate"})
        for path in ("/api/cluster", "/api/svm/svms"):
            with running.client(running.auth) as other, pytest.raises(httpx.TransportError):
                other.get(path)
        assert api.get("/api/cluster").status_code == 200
