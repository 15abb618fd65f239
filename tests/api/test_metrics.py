"""GET /metrics in-process: who may scrape, what is counted, and the state read at a scrape.

(Through the real server, with several workers: tests/server/test_metrics.py.)
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import httpx

from ontap_ipsec import auth
from ontap_ipsec.app import OntapApp
from ontap_ipsec.inprocess import client as inprocess_client
from ontap_ipsec.ipsec import status_file
from ontap_ipsec.store import gauges
from tests.api.helpers import CLUSTER, SVMS, make_svms
from tests.conftest import AUTH, app_on
from tests.ipsec.conftest import CERTS, IPSEC, add, install_ca
from tests.metrics_text import parse, series, value

METRICS = "/metrics"
REQUESTS = "ontap_ipsec_http_requests_total"
NOW = datetime.now(UTC).replace(microsecond=0)


def scrape(api: httpx.Client) -> dict:  # type: ignore[type-arg]
    response = api.get(METRICS)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    return parse(response.text)


def test_a_scrape_needs_any_accounts_credentials(
    app: OntapApp, api: httpx.Client, anon: httpx.Client
) -> None:
    refused = anon.get(METRICS)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "6"
    assert refused.headers["www-authenticate"].startswith("Basic")
    with inprocess_client(app, auth=("admin", "wrong")) as wrong:
        assert wrong.get(METRICS).status_code == 401
    with app.ctx.store.write() as conn:
        auth.set_password(conn, "viewer", "viewer-pw", role="readonly")
    with inprocess_client(app, auth=("viewer", "viewer-pw")) as viewer:
        assert viewer.get(METRICS).status_code == 200
    assert api.get(METRICS).status_code == 200
    assert api.post(METRICS).status_code == 405


def test_metrics_public_answers_without_credentials(tmp_path: Path) -> None:
    with app_on(tmp_path / "data", metrics_public=True) as app, inprocess_client(app) as anon:
        answered = anon.get(METRICS)
        assert answered.status_code == 200
        assert value(parse(answered.text), "ontap_ipsec_database_up") == 1


def test_requests_are_counted_by_method_route_template_and_status(api: httpx.Client) -> None:
    uuid = make_svms(api, ["vs1"])["vs1"]
    assert api.get(f"{SVMS}/{uuid}").status_code == 200
    assert api.get(f"{SVMS}/{uuid}/").status_code == 200
    assert api.get(f"{SVMS}/00000000-0000-0000-0000-000000000000").status_code == 404
    assert api.get("/api/no/such/thing").status_code == 404
    assert api.request("BREW", CLUSTER).status_code == 405
    samples = scrape(api)
    instance = "/api/svm/svms/{uuid}"
    assert value(samples, REQUESTS, method="POST", route=SVMS, status="202") == 1
    assert value(samples, REQUESTS, method="GET", route=instance, status="200") == 2
    assert value(samples, REQUESTS, method="GET", route=instance, status="404") == 1
    assert value(samples, REQUESTS, method="GET", route="unmatched", status="404") == 1
    assert value(samples, REQUESTS, method="other", route=CLUSTER, status="405") == 1
    histogram = "ontap_ipsec_http_request_duration_seconds_count"
    assert value(samples, histogram, method="GET", route=instance) == 3
    for labels in series(samples, REQUESTS):
        assert uuid not in dict(labels)["route"]
        assert "0000" not in dict(labels)["route"]


def test_action_and_ipsec_routes_are_named_as_netapps_openapi(api: httpx.Client) -> None:
    cert = install_ca(api, "ca1")
    add(api, cert)
    assert api.get(f"{IPSEC}/{cert}").status_code == 200
    assert api.post(f"{CERTS}/{cert}/sign", json={}).status_code in (400, 404, 409)
    routes = {dict(labels)["route"] for labels in series(scrape(api), REQUESTS)}
    assert "/api/security/ipsec/ca-certificates/{certificate.uuid}" in routes
    signs = [r for r in routes if r.startswith(CERTS + "/{") and r.endswith("}/sign")]
    assert signs, routes


def test_response_cache_hits_and_misses(api: httpx.Client) -> None:
    cache = "ontap_ipsec_response_cache_requests_total"
    before = scrape(api)
    api.get(CLUSTER)  # a miss: kept
    api.get(CLUSTER)  # a hit
    api.get(CLUSTER)  # a hit
    make_svms(api, ["vs1"])  # a commit: what was kept retires
    api.get(CLUSTER)  # a miss
    after = scrape(api)
    hits = (value(after, cache, result="hit") or 0) - (value(before, cache, result="hit") or 0)
    misses = (value(after, cache, result="miss") or 0) - (value(before, cache, result="miss") or 0)
    assert (hits, misses) == (2, 2)


def test_write_transactions_are_timed_by_outcome(api: httpx.Client) -> None:
    make_svms(api, ["vs1"])
    samples = scrape(api)
    count = "ontap_ipsec_db_transaction_duration_seconds_count"
    assert (value(samples, count, outcome="commit") or 0) >= 1
    total = value(samples, "ontap_ipsec_db_transaction_duration_seconds_sum", outcome="commit")
    assert total is not None and 0 < total < 10


def test_a_scrape_is_counted_but_not_in_flight(api: httpx.Client) -> None:
    assert value(scrape(api), "ontap_ipsec_http_requests_in_flight") == 0
    counted = value(scrape(api), REQUESTS, method="GET", route=METRICS, status="200")
    assert counted is not None and counted >= 1


def test_ipsec_ca_entries_and_earliest_expiries_per_scope(app: OntapApp, api: httpx.Client) -> None:
    make_svms(api, ["vs1", "vs2"])
    listed = install_ca(api, "listed")
    add(api, listed)
    install_ca(api, "vs1 only", svm="vs1")
    app.ctx.now = lambda: NOW  # the clock of the scrape
    samples = scrape(api)
    entries = series(samples, "ontap_ipsec_ipsec_ca_entries")
    assert entries == {
        frozenset({("scope", "cluster1")}): 1,
        frozenset({("scope", "vs1")}): 0,
        frozenset({("scope", "vs2")}): 0,
    }

    def seconds_left(uuid: str) -> float:
        expiry = api.get(f"{CERTS}/{uuid}", params={"fields": "expiry_time"}).json()
        return (datetime.fromisoformat(expiry["expiry_time"]) - NOW).total_seconds()

    vs1_cert = api.get(CERTS, params={"svm.name": "vs1", "fields": "uuid"}).json()["records"][0]
    listed_left = value(samples, "ontap_ipsec_ipsec_ca_expiry_seconds", scope="cluster1")
    assert listed_left == seconds_left(listed) and listed_left > 0
    assert series(samples, "ontap_ipsec_ipsec_ca_expiry_seconds").keys() == {
        frozenset({("scope", "cluster1")})
    }
    installed = "ontap_ipsec_certificate_expiry_seconds"
    assert value(samples, installed, scope="vs1") == seconds_left(vs1_cert["uuid"])
    assert value(samples, installed, scope="vs2") is None  # no certificate there
    app.ctx.now = lambda: NOW.replace(year=2300)  # past every expiry: negative
    later = value(scrape(api), "ontap_ipsec_ipsec_ca_expiry_seconds", scope="cluster1")
    assert later is not None and later < 0


def test_strongswan_daemons_reachable_and_in_sync_from_the_agents_status(tmp_path: Path) -> None:
    data = tmp_path / "data"
    daemons = ("cluster1=unix:///run/a/charon.vici", "vs1=unix:///run/b/charon.vici")
    with app_on(data, strongswan=daemons) as app, inprocess_client(app, auth=AUTH) as api:
        make_svms(api, ["vs1"])
        before = parse(api.get(METRICS).text)
        assert value(before, "ontap_ipsec_strongswan_agent_running") == 0  # no status yet
        assert value(before, "ontap_ipsec_strongswan_daemon_reachable", scope="vs1") == 0
        document = {
            "pid": os.getpid(),
            "started": "2026-06-01T12:00:00Z",
            "daemons": [
                {"scope": "cluster1", "reachable": True, "in_sync": True},
                {"scope": "vs1", "reachable": True, "in_sync": False},
            ],
        }
        status_file.path_in(data).write_text(json.dumps(document))
        samples = parse(api.get(METRICS).text)
    assert value(samples, "ontap_ipsec_strongswan_agent_running") == 1
    reachable = "ontap_ipsec_strongswan_daemon_reachable"
    in_sync = "ontap_ipsec_strongswan_daemon_in_sync"
    assert value(samples, reachable, scope="cluster1") == 1
    assert value(samples, reachable, scope="vs1") == 1
    assert value(samples, in_sync, scope="cluster1") == 1
    assert value(samples, in_sync, scope="vs1") == 0


def test_no_strongswan_series_without_the_flag(api: httpx.Client) -> None:
    assert not [name for name, _ in scrape(api) if "strongswan" in name]


def _synchronous(app: OntapApp) -> tuple[int, int]:
    read = app.ctx.store.rows(gauges.SYNCHRONOUS, {})[0][0]
    with app.ctx.store.transaction() as tx:
        written = tx.rows(gauges.SYNCHRONOUS, {})[0][0]
    return int(read), int(written)


def test_sync_full_is_what_every_connection_runs_and_normal_the_default(tmp_path: Path) -> None:
    with app_on(tmp_path / "normal") as app:
        assert _synchronous(app) == (1, 1)
    with app_on(tmp_path / "full", sync="full") as app, inprocess_client(app, auth=AUTH) as api:
        assert _synchronous(app) == (2, 2)
        info = series(scrape(api), "ontap_ipsec_info")
    assert [dict(labels)["synchronous"] for labels in info] == ["full"]

