"""A policy's pre-shared key and post-quantum key: written once, sealed at rest, never shown
(responses, errors, events, reprs, logs, the request journal); a daemon gets them from
`connections_of`, decrypted."""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from ontap_ipsec.app import OntapApp
from tests.ipsec_policies.conftest import (
    POLICIES,
    create,
    listening,
    make_svm,
    psk_body,
    refused,
)

KEY = "S3cr3t-PSK-never-shown-0001"
PPK_KEY = "0s" + "cG9zdC1xdWFudHVtLXNoYXJlZC1rZXk="


def _everything(api: httpx.Client, uuid: str) -> str:
    answers = [
        api.get(POLICIES),
        api.get(POLICIES, params={"fields": "*"}),
        api.get(POLICIES, params={"fields": "**"}),
        api.get(f"{POLICIES}/{uuid}"),
        api.get(f"{POLICIES}/{uuid}", params={"fields": "*"}),
        api.get(POLICIES, params={"fields": "secret_key,ppk"}),
        api.get("/docs/api/openapi.json"),
    ]
    assert all(r.status_code == 200 for r in answers)
    return "\n".join(r.text for r in answers)


def test_keys_are_never_returned(app: OntapApp, api: httpx.Client) -> None:
    make_svm(api, "vs1")
    body = psk_body(svm="vs1", secret_key=KEY, ppk={"identity": "pq", "shared_key": PPK_KEY})
    posted = api.post(POLICIES + "?return_records=true", json=body)
    assert posted.status_code == 201
    uuid = posted.json()["records"][0]["uuid"]
    shown = posted.text + _everything(api, uuid)
    assert KEY not in shown and PPK_KEY not in shown
    assert "secret_key" not in posted.text
    document = api.get("/docs/api/openapi.json").json()
    schema = document["components"]["schemas"]["ipsec_policy"]["properties"]
    assert "secret_key" not in schema and "shared_key" not in schema["ppk"]["properties"]
    post = document["paths"][POLICIES]["post"]["requestBody"]["content"]["application/json"]
    written = post["schema"]["properties"]
    assert written["secret_key"]["writeOnly"] is True
    assert written["secret_key"]["format"] == "password"
    assert written["ppk"]["properties"]["shared_key"]["writeOnly"] is True


def test_keys_are_sealed_at_rest_and_opened_for_a_daemon(app: OntapApp, api: httpx.Client) -> None:
    svm = make_svm(api, "vs1")
    body = psk_body(svm="vs1", secret_key=KEY, ppk={"identity": "pq", "shared_key": PPK_KEY})
    uuid = create(api, body)
    with app.ctx.store.read() as conn:
        row = (
            conn.execute(sa.text("SELECT * FROM ipsec_policies WHERE uuid = :u"), {"u": uuid})
            .mappings()
            .one()
        )
    stored = json.dumps(dict(row), default=str)
    assert KEY not in stored and PPK_KEY not in stored
    assert row["secret_key"].startswith("v1:") and row["ppk_shared_key"].startswith("v1:")
    (spec,) = app.ctx.backends.ipsec_policies.connections_of(svm)
    assert (spec.secret_key, spec.ppk_identity, spec.ppk_secret) == (KEY, "pq", PPK_KEY)
    assert KEY not in repr(spec) and PPK_KEY not in repr(spec) and KEY not in str(spec)
    assert "pq" in repr(spec)  # an identity is not a secret


@pytest.mark.parametrize(
    "bad",
    [
        {"secret_key": KEY + "\u0000"},
        {"secret_key": KEY + "x" * 200},
        {"secret_key": {"value": KEY}},
        {"secret_key": [KEY]},
        {"secret_key": 12345678901234567890123},
        {"secret_key": "0x" + KEY},
        {"secret_key": "0s" + KEY},
        {"ppk": {"identity": "pq", "shared_key": KEY + "\u0000"}},
        {"ppk.identity": "pq", "ppk.shared_key": {"k": KEY}},
        {"ppk": {"identity": "pq", "shared_key": KEY[:10]}},
    ],
)
def test_an_error_never_shows_the_key(api: httpx.Client, bad: dict[str, Any]) -> None:
    body = psk_body(**bad)
    if "ppk" in json.dumps(bad):
        body["secret_key"] = "another-pre-shared-key"
    response = api.post(POLICIES, json=body)
    assert response.status_code == 400, response.text
    assert KEY not in response.text and KEY[:10] not in response.text
    assert "12345678901234567890123" not in response.text
    assert response.json()["error"]["target"] in ("secret_key", "ppk.shared_key")


def test_a_patch_of_the_key_is_refused_without_showing_it(api: httpx.Client) -> None:
    uuid = create(api, psk_body())
    error = refused(api.patch(f"{POLICIES}/{uuid}", json={"secret_key": KEY}), 400, "262196")
    assert KEY not in json.dumps(error)


def test_events_and_logs_never_carry_keys(
    app: OntapApp, api: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with listening(app) as heard:
        uuid = create(api, psk_body(secret_key=KEY, ppk={"identity": "pq", "shared_key": PPK_KEY}))
        api.patch(f"{POLICIES}/{uuid}", json={"enabled": False})
        api.post(POLICIES, json=psk_body("p2", secret_key=KEY + "\u0000"))
        api.delete(f"{POLICIES}/{uuid}")
        app.ctx.backends.reset()
    assert [type(e).__name__ for e in heard] == [
        "IpsecPolicyCreated",
        "IpsecPolicyModified",
        "IpsecPolicyDeleted",
    ]
    text = repr(heard) + caplog.text
    assert KEY not in text and PPK_KEY not in text


def test_the_request_journal_redacts_the_keys(api: httpx.Client) -> None:
    assert api.put("/_ontap-ipsec/journal", json={"enabled": True}).status_code == 200
    create(api, psk_body(secret_key=KEY, ppk={"identity": "pq", "shared_key": PPK_KEY}))
    create(api, psk_body("p2", **{"secret_key": KEY}))
    journal = api.get("/_ontap-ipsec/journal").text
    har = api.get("/_ontap-ipsec/journal?format=har").text
    assert "REDACTED" in journal
    assert KEY not in journal + har and PPK_KEY not in journal + har


def test_the_request_journal_redacts_a_dotted_post_quantum_key(api: httpx.Client) -> None:
    assert api.put("/_ontap-ipsec/journal", json={"enabled": True}).status_code == 200
    create(api, psk_body(**{"ppk.identity": "pq", "ppk.shared_key": PPK_KEY}))
    assert PPK_KEY not in api.get("/_ontap-ipsec/journal").text
