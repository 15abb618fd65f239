"""State snapshots over HTTP: a populated server's export, imported into a fresh one and
exported again, is the same document byte for byte; private keys only with a passphrase."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from ontap_ipsec.inprocess import client as inprocess_client
from ontap_ipsec.testing import OntapServer
from tests.conftest import app_on
from tests.state.conftest import PASSPHRASE, populate

STATE = "/_ontap-ipsec/state"


def test_a_round_trip_is_byte_identical(ontap_server: OntapServer, tmp_path: Path) -> None:
    with ontap_server.client() as client:  # over HTTPS
        populate(ontap_server.app, client)
        exported = client.get(STATE)
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("application/yaml")
    text = exported.text
    assert "PRIVATE KEY" not in text and "private_key" not in text
    with (
        app_on(tmp_path / "fresh") as fresh,
        inprocess_client(fresh, auth=("admin", "test-admin-pw")) as c,
    ):
        loaded = c.put(STATE, content=text.encode())
        assert loaded.status_code == 200, loaded.text
        assert loaded.json()["loaded"]["svms"] == 2
        # the accounts came with the document: the fresh server's admin has the old password
        with inprocess_client(fresh, auth=ontap_server.auth) as again:
            assert again.get(STATE).text == text
            svms = again.get("/api/svm/svms", params={"fields": "name"}).json()["records"]
            assert sorted(s["name"] for s in svms) == ["vs1", "vs2"]
            listed = again.get("/api/security/ipsec/ca-certificates").json()["num_records"]
            assert listed == 2
            failed = again.get("/api/cluster/jobs", params={"state": "failure"}).json()
            assert failed["num_records"] == 1
        with inprocess_client(fresh, auth=("viewer", "viewer-pw")) as viewer:
            assert viewer.get("/api/svm/svms").status_code == 200


def test_private_keys_round_trip_sealed_with_the_passphrase(
    ontap_client: httpx.Client, ontap_app: Any, tmp_path: Path
) -> None:
    populate(ontap_app, ontap_client)
    sealed = ontap_client.post(f"{STATE}/export", json={"passphrase": PASSPHRASE})
    assert sealed.status_code == 200, sealed.text
    text = sealed.text
    assert "private_key:" in text and "private_keys:" in text
    assert "PRIVATE KEY" not in text and PASSPHRASE not in text
    with (
        app_on(tmp_path / "fresh") as fresh,
        inprocess_client(fresh, auth=("admin", "test-admin-pw")) as c,
    ):
        wrong = c.put(STATE, json={"document": text, "passphrase": "not the passphrase"})
        assert wrong.status_code == 400
        assert "passphrase does not open" in wrong.json()["error"]["message"]
        assert "not the passphrase" not in wrong.text
        missing = c.put(STATE, content=text.encode())
        assert missing.status_code == 400
        assert "give the passphrase" in missing.json()["error"]["message"]
        ok = c.put(
            STATE, params={"accounts": "keep"}, json={"document": text, "passphrase": PASSPHRASE}
        )
        assert ok.status_code == 200, ok.text
        again = c.post(f"{STATE}/export", json={"passphrase": PASSPHRASE}).text
        assert _without_accounts(again) == _without_accounts(text)
        # the key opened and went back into the vault: the root CA signs a CSR
        root = c.get("/api/security/certificates", params={"name": "lab-root"}).json()
        uuid = root["records"][0]["uuid"]
        csr = c.post(
            "/api/security/certificate-signing-request",
            json={"subject_name": "CN=host1", "algorithm": "ec"},
        )
        assert csr.status_code == 201, csr.text
        signed = c.post(
            f"/api/security/certificates/{uuid}/sign",
            json={"signing_request": csr.json()["csr"]},
        )
        assert signed.status_code == 200, signed.text


def _without_accounts(text: str) -> str:
    start = text.index("\naccounts:")
    end = text.index("\nsvms:")
    return text[:start] + text[end:]


def test_an_import_replaces_what_was_there_and_tells_the_subscribers(
    ontap_client: httpx.Client, ontap_app: Any
) -> None:
    populate(ontap_app, ontap_client)
    text = ontap_client.get(STATE).text
    ontap_client.post("/api/svm/svms", json={"name": "vs_extra"})
    heard: list[tuple[str, str]] = []
    stop = ontap_app.events.subscribe(
        lambda e: heard.append((type(e).__name__, getattr(e, "cause", "")))
    )
    try:
        assert ontap_client.put(STATE, content=text.encode()).status_code == 200
    finally:
        stop()
    kinds = [k for k, _ in heard]
    assert kinds.index("IpsecCaRemoved") < kinds.index("SvmDeleted") < kinds.index("SvmCreated")
    assert kinds.count("SvmDeleted") == 3 and kinds.count("SvmCreated") == 2
    assert kinds.count("IpsecCaAdded") == 2
    assert {c for k, c in heard if k.endswith(("Removed", "Deleted"))} == {"import"}
    assert ontap_client.get(STATE).text == text


def test_the_export_has_no_password_and_no_key(ontap_client: httpx.Client, ontap_app: Any) -> None:
    populate(ontap_app, ontap_client)
    text = ontap_client.get(STATE).text
    assert "viewer-pw" not in text
    assert "password_hash: scrypt$" in text
    assert "BEGIN" in text and "PRIVATE" not in text


def test_export_with_keys_needs_a_passphrase(ontap_client: httpx.Client) -> None:
    for body in ({}, {"passphrase": ""}, {"passphrase": 12345678}):
        answer = ontap_client.post(f"{STATE}/export", json=body)
        assert answer.status_code == 400
        assert answer.json()["error"]["code"] == "262212"
    short = ontap_client.post(f"{STATE}/export", json={"passphrase": "short"})
    assert short.status_code == 400
    assert "short" not in short.json()["error"]["message"]
    assert ontap_client.put(STATE, params={"accounts": "drop"}, content=b"x").status_code == 400
