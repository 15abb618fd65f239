"""Snapshots and job progression on both databases."""

from __future__ import annotations

import httpx
import yaml

from ontap_ipsec.app import OntapApp
from tests.state.conftest import PASSPHRASE, populate

STATE = "/_ontap-ipsec/state"


def test_an_import_of_an_export_is_the_same_document(
    any_app: OntapApp, any_api: httpx.Client
) -> None:
    populate(any_app, any_api)
    text = any_api.get(STATE).text
    any_api.post("/api/svm/svms", json={"name": "vs_later"})
    assert any_api.put(STATE, content=text.encode()).status_code == 200
    assert any_api.get(STATE).text == text
    sealed = any_api.post(f"{STATE}/export", json={"passphrase": PASSPHRASE}).text
    again = any_api.put(STATE, json={"document": sealed, "passphrase": PASSPHRASE})
    assert again.status_code == 200, again.text
    assert any_api.post(f"{STATE}/export", json={"passphrase": PASSPHRASE}).text == sealed


def test_a_refused_record_names_its_line_and_changes_nothing(
    any_app: OntapApp, any_api: httpx.Client
) -> None:
    populate(any_app, any_api)
    text = any_api.get(STATE).text
    svms = yaml.safe_load(text)["svms"]
    bad = text.replace(f"  name: {svms[1]['name']}\n", f"  name: {svms[0]['name']}\n", 1)
    answer = any_api.put(STATE, content=bad.encode())
    assert answer.status_code == 400
    line = next(
        n
        for n, text_line in enumerate(bad.splitlines(), 1)
        if f"- uuid: {svms[1]['uuid']}" in text_line
    )
    assert answer.json()["error"]["message"].startswith(f"line {line}: svms: ")
    assert any_api.get(STATE).text == text


def test_polls_progression(any_api: httpx.Client) -> None:
    any_api.put("/_ontap-ipsec/jobs/progression", json={"mode": "polls", "queued": 1, "running": 1})
    job = any_api.post("/api/svm/svms", json={"name": "vs1"}).json()["job"]["uuid"]
    states = [any_api.get(f"/api/cluster/jobs/{job}").json()["state"] for _ in range(3)]
    assert states == ["queued", "running", "success"]
    assert any_api.get("/api/svm/svms").json()["num_records"] == 1
