"""Snapshots and job progression on both databases."""

from __future__ import annotations

import httpx
import yaml

from ontap_ipsec.app import OntapApp
from tests.state.conftest import PASSPHRASE, PSK, populate

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


def test_ipsec_policies_and_config_travel_with_their_keys_sealed(
    any_app: OntapApp, any_api: httpx.Client
) -> None:
    populate(any_app, any_api)
    plain = any_api.get(STATE).text
    document = yaml.safe_load(plain)
    assert document["ipsec_config"] == {
        "enabled": True,
        "replay_window": 64,
        "offload_enabled": False,
    }
    assert sorted(p["name"] for p in document["ipsec_policies"]) == ["pki-1", "psk-1"]
    assert PSK not in plain and all("secret_key" not in p for p in document["ipsec_policies"])
    sealed = any_api.post(f"{STATE}/export", json={"passphrase": PASSPHRASE}).text
    assert PSK not in sealed
    # a state with a PKI policy is replaced (its certificate is deleted after the policy)
    assert (
        any_api.put(STATE, json={"document": sealed, "passphrase": PASSPHRASE}).status_code == 200
    )
    vs1 = any_api.get("/api/svm/svms", params={"name": "vs1"}).json()["records"][0]["uuid"]
    specs = {c.name: c for c in any_app.ctx.backends.ipsec_policies.connections_of(vs1)}
    assert specs["psk-1"].secret_key == PSK
    assert specs["pki-1"].private_key_pem and "PRIVATE KEY" in specs["pki-1"].private_key_pem
    # without the passphrase the keys are left out: the PSK policy comes back keyless
    assert any_api.put(STATE, content=plain.encode()).status_code == 200
    specs = {c.name: c for c in any_app.ctx.backends.ipsec_policies.connections_of(vs1)}
    assert specs["psk-1"].secret_key is None
    # an older document without the sections: no policies, a new cluster's configuration
    older = yaml.safe_load(plain)
    del older["ipsec_policies"], older["ipsec_config"]
    assert any_api.put(STATE, content=yaml.safe_dump(older).encode()).status_code == 200
    assert any_api.get("/api/security/ipsec/policies").json()["num_records"] == 0
    assert any_api.get("/api/security/ipsec").json()["enabled"] is False
