"""The plugin's ontap_state and load_state, as a user's test would use them."""

from __future__ import annotations

from pathlib import Path

import httpx

from ontap_ipsec.testing import InProcess, OntapServer, export_state, load_state
from ontap_ipsec.testing_state import State


def test_a_snapshot_loaded_from_a_file(
    ontap_client: httpx.Client, ontap_state: State, tmp_path: Path
) -> None:
    ontap_client.post("/api/svm/svms", json={"name": "vs_saved"})
    snapshot = tmp_path / "lab.yaml"
    snapshot.write_text(ontap_state.export())
    ontap_client.post("/_ontap-ipsec/reset")
    loaded = ontap_state.load(snapshot)
    assert loaded["svms"] == 1
    # the plugin's account was kept: the same client goes on
    names = [r["name"] for r in ontap_client.get("/api/svm/svms").json()["records"]]
    assert names == ["vs_saved"]


def test_load_state_on_the_https_server(
    ontap_server: OntapServer, ontap_inprocess: InProcess
) -> None:
    with ontap_server.client() as client:
        client.post("/api/svm/svms", json={"name": "vs_https"})
    text = export_state(ontap_server)
    ontap_inprocess.reset()
    load_state(ontap_server, text)
    with ontap_server.client() as client:
        assert client.get("/api/svm/svms", params={"name": "vs_https"}).json()["num_records"] == 1


def test_nothing_is_left_from_the_tests_before(ontap_client: httpx.Client) -> None:
    assert ontap_client.get("/api/svm/svms").json()["num_records"] == 0
