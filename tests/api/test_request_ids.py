"""X-Request-Id: the client's when acceptable, else one made; in every response and access line."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest

from ontap_ipsec.inprocess import client as inprocess_client
from tests.api.helpers import CLUSTER, SVMS
from tests.conftest import AUTH, app_on

ID = "X-Request-Id"


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", CLUSTER, 200),
        ("POST", SVMS, 202),
        ("GET", "/api/nothing/here", 404),
        ("GET", "/docs/api/openapi.json", 200),
        ("GET", "/healthz", 200),
        ("GET", "/metrics", 200),
        ("GET", "/login", 200),  # the web console
        ("GET", "/_ontap-ipsec/journal", 200),
    ],
)
def test_every_response_carries_the_clients_request_id(
    api: httpx.Client, method: str, path: str, status: int
) -> None:
    body = {"name": "vs1"} if method == "POST" else None
    response = api.request(method, path, json=body, headers={ID: "trace-0001 from:client"})
    assert response.status_code == status
    assert response.headers.get_list(ID) == ["trace-0001 from:client"]


def test_answers_from_the_response_cache_and_refusals_carry_it_too(
    api: httpx.Client, anon: httpx.Client
) -> None:
    api.get(CLUSTER)
    for n in range(3):  # kept, then answered from the cache
        assert api.get(CLUSTER, headers={ID: f"cached-{n}"}).headers[ID] == f"cached-{n}"
    refused = anon.get(CLUSTER, headers={ID: "no-credentials"})
    assert (refused.status_code, refused.headers[ID]) == (401, "no-credentials")


@pytest.mark.parametrize(
    "sent",
    [
        "x" * 129,  # too long
        "tab\there",
        "new\nline",
        "caf\u00e9",  # not ASCII
        " padded ",
        "",
    ],
)
def test_an_unacceptable_request_id_is_replaced_not_echoed(api: httpx.Client, sent: str) -> None:
    response = api.get(CLUSTER, headers=[(ID.encode(), sent.encode("utf-8"))])
    made = response.headers[ID]
    assert made != sent and (not sent or sent not in made)
    assert 0 < len(made) <= 128 and made.isprintable()


def test_made_ids_differ_and_a_128_character_id_is_kept(api: httpx.Client) -> None:
    made = {api.get(CLUSTER).headers[ID] for _ in range(20)}
    assert len(made) == 20
    longest = "a" * 128
    assert api.get(CLUSTER, headers={ID: longest}).headers[ID] == longest


def test_access_lines_name_the_request_the_account_and_the_outcome(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="ontap_ipsec.access")
    with app_on(tmp_path / "data", access_log=True) as app, inprocess_client(app, auth=AUTH) as api:
        api.get(CLUSTER, headers={ID: "first"})
        api.get(CLUSTER, headers={ID: "from-cache"})
        with inprocess_client(app) as anon:
            anon.get(SVMS, params={"fields": "name"}, headers={ID: "anonymous"})
    lines = {r.request_id: r for r in caplog.records if r.name == "ontap_ipsec.access"}
    assert lines["first"].account == "admin" and lines["first"].status == 200
    assert lines["from-cache"].account == "admin"  # answered by the cache, still known
    anonymous = lines["anonymous"]
    assert (anonymous.account, anonymous.status, anonymous.method) == (None, 401, "GET")
    assert anonymous.path == SVMS  # the path only: never the query string
    assert anonymous.duration_ms >= 0
    assert "GET /api/svm/svms 401" in anonymous.getMessage()


def test_no_access_lines_without_the_flag(
    api: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="ontap_ipsec.access")
    api.get(CLUSTER)
    assert not [r for r in caplog.records if r.name == "ontap_ipsec.access"]
