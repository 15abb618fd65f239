"""Isolation as a user's suite sees it: between tests (reset), and between xdist workers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.plugin.conftest import PLUGIN_ARGS
from tests.requirements import require

BETWEEN_TESTS = """
import httpx

def names(server):
    with server.client() as c:
        return sorted(s["name"] for s in c.get("/api/svm/svms").json()["records"])

def test_1_creates_state(ontap_server):
    ontap_server.seed({
        "svms": ["vs1"],
        "certificates": [{"name": "ca", "svm": "vs1", "type": "server_ca", "generate": True}],
        "ipsec_ca_certificates": [{"certificate": "ca", "svm": "vs1"}],
    })
    assert names(ontap_server) == ["vs1"]

def test_2_next_test_starts_empty(ontap_server, ontap_client):
    assert names(ontap_server) == []
    for path in ("/api/security/certificates", "/api/security/ipsec/ca-certificates",
                 "/api/cluster/jobs"):
        assert ontap_client.get(path).json()["num_records"] == 0, path

def test_3_session_variant_keeps_state(ontap_server_session, ontap_client):
    ontap_client.post("/api/svm/svms", json={"name": "kept"})

def test_4_session_variant_still_sees_it(ontap_server_session):
    assert names(ontap_server_session) == ["kept"]

def test_5_cluster_and_account_survive_a_reset(ontap_server, ontap_inprocess):
    with ontap_server.client() as c:
        first = c.get("/api/cluster").json()["uuid"]
    ontap_inprocess.reset()
    with ontap_server.client() as c:
        assert c.get("/api/cluster").json()["uuid"] == first
"""


def test_state_of_one_test_is_gone_in_the_next(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_between=BETWEEN_TESTS)

    result = pytester.runpytest("-p", "no:cacheprovider", *PLUGIN_ARGS)

    result.assert_outcomes(passed=5)


PER_WORKER = """
import json, os, time
from pathlib import Path

OUT = Path(os.environ["ONTAP_TEST_OUT"])
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")

def test_1_create_my_svm(ontap_server_session):
    ontap_server_session.seed({"svms": [f"vs_{WORKER}"]})
    (OUT / f"{WORKER}.created").write_text("")

def test_2_see_only_mine(ontap_server_session):
    deadline = time.monotonic() + 60
    while len(list(OUT.glob("*.created"))) < 2:  # both workers have created theirs
        assert time.monotonic() < deadline, "the other worker never created its SVM"
        time.sleep(0.05)
    with ontap_server_session.client() as c:
        seen = sorted(s["name"] for s in c.get("/api/svm/svms").json()["records"])
    (OUT / f"{WORKER}.json").write_text(json.dumps({
        "port": ontap_server_session.port,
        "data_dir": str(ontap_server_session.data_dir),
        "seen": seen,
    }))
"""


def test_xdist_workers_get_their_own_server_and_state(
    pytester: pytest.Pytester, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require("xdist", "pytest-xdist is in the test extra")
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.setenv("ONTAP_TEST_OUT", str(out))
    pytester.makepyfile(test_workers=PER_WORKER)

    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-n", "2", "--dist", "each", *PLUGIN_ARGS, timeout=300
    )

    result.assert_outcomes(passed=4)
    reports = {p.stem: json.loads(p.read_text()) for p in out.glob("*.json")}
    assert sorted(reports) == ["gw0", "gw1"]
    assert reports["gw0"]["port"] != reports["gw1"]["port"]
    assert reports["gw0"]["data_dir"] != reports["gw1"]["data_dir"]
    assert reports["gw0"]["seen"] == ["vs_gw0"]
    assert reports["gw1"]["seen"] == ["vs_gw1"]
