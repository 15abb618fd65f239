"""A bad snapshot is refused with ONTAP's envelope, a message naming its line, and the
state left as it was."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import yaml

from tests.state.conftest import populate

STATE = "/_ontap-ipsec/state"


@pytest.fixture
def document(ontap_client: httpx.Client, ontap_app: Any) -> str:
    populate(ontap_app, ontap_client)
    return ontap_client.get(STATE).text


def line_of(text: str, needle: str, nth: int = 1) -> int:
    count = 0
    for number, line in enumerate(text.splitlines(), 1):
        if needle in line:
            count += 1
            if count == nth:
                return number
    raise AssertionError(f"{needle!r} not in the document")


def refused(client: httpx.Client, text: str, before: str) -> str:
    answer = client.put(STATE, content=text.encode())
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["code"] == "2" and error["target"] == "state"
    assert client.get(STATE).text == before  # all or nothing
    return str(error["message"])


def test_yaml_that_does_not_parse(ontap_client: httpx.Client, document: str) -> None:
    broken = document.replace("svms:\n", "svms: [\n", 1)
    message = refused(ontap_client, broken, document)
    assert message.startswith("line ") and "not YAML" in message


@pytest.mark.parametrize(
    ("change", "needle", "expected"),
    [
        (("format: ontap-ipsec-state", "format: other"), "format:", '"format" must be'),
        (("version: 1", "version: 2"), "version:", "version 2 is not supported"),
        (
            ("  language: c.utf_8", "  language: c.utf_8\n  colour: blue"),
            "colour:",
            "unknown field",
        ),
        (("  state: running", "  state: null"), "state: null", '"state" cannot be null'),
        (("  key_size: 256", "  key_size: big"), "key_size: big", "must be a whole number"),
        (("  is_ca: true", "  is_ca: maybe"), "is_ca: maybe", "must be true or false"),
        (("jobs:", "extras: []\njobs:"), "extras:", 'unknown section "extras"'),
    ],
)
def test_a_bad_value_names_its_line(
    ontap_client: httpx.Client,
    document: str,
    change: tuple[str, str],
    needle: str,
    expected: str,
) -> None:
    bad = document.replace(change[0], change[1], 1)
    assert bad != document
    message = refused(ontap_client, bad, document)
    assert message.startswith(f"line {line_of(bad, needle)}: "), message
    assert expected in message


def test_a_record_the_database_refuses_names_its_line(
    ontap_client: httpx.Client, document: str
) -> None:
    loaded = yaml.safe_load(document)
    second = loaded["svms"][1]["name"]
    bad = document.replace(f"  name: {second}\n", f"  name: {loaded['svms'][0]['name']}\n", 1)
    message = refused(ontap_client, bad, document)
    svm_line = line_of(bad, f"- uuid: {loaded['svms'][1]['uuid']}")
    assert message.startswith(f"line {svm_line}: "), message
    assert "the database's rules refuse the record" in message


def test_an_ipsec_entry_of_a_missing_certificate(ontap_client: httpx.Client, document: str) -> None:
    loaded = yaml.safe_load(document)
    entry = loaded["ipsec_ca_certificates"][0]["certificate_uuid"]
    bad = document.replace(
        f"- certificate_uuid: {entry}", "- certificate_uuid: 00000000-0000-0000-0000-000000000000"
    )
    message = refused(ontap_client, bad, document)
    assert message.startswith(f"line {line_of(bad, '- certificate_uuid: 0000')}: "), message


def test_missing_sections_and_fields(ontap_client: httpx.Client, document: str) -> None:
    no_svms = document.replace("svms:\n", "svmz:\n", 1)
    assert "unknown section" in refused(ontap_client, no_svms, document)
    message = refused(ontap_client, "format: ontap-ipsec-state\nversion: 1\n", document)
    assert 'the section "cluster" is missing' in message
    assert "a mapping" in refused(ontap_client, "- 1\n- 2\n", document)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("  role: readonly", "  role: superuser"), '"role" must be one of admin, readonly'),
        (("  type: server_ca", "  type: wizard"), '"type" must be one of'),
        (("  state: failure", "  state: running"), '"state" must be one of success, failure'),
        (("password_hash: scrypt$16384$", "password_hash: scrypt$99999999$"), "not a scrypt"),
    ],
)
def test_values_the_rules_refuse(
    ontap_client: httpx.Client, document: str, change: tuple[str, str], expected: str
) -> None:
    bad = document.replace(change[0], change[1], 1)
    assert bad != document
    message = refused(ontap_client, bad, document)
    assert message.startswith("line ") and expected in message


def test_accounts_without_an_admin(ontap_client: httpx.Client, document: str) -> None:
    bad = document.replace("  role: admin", "  role: readonly")
    assert "at least one admin" in refused(ontap_client, bad, document)


def test_a_private_key_without_its_section(ontap_client: httpx.Client, document: str) -> None:
    bad = document.replace(
        "  intermediate_certificates: null",
        "  private_key: abc\n  intermediate_certificates: null",
        1,
    )
    message = refused(ontap_client, bad, document)
    assert "needs the private_keys section" in message


def test_a_bad_passphrase_leaves_nothing_changed(ontap_client: httpx.Client, document: str) -> None:
    sealed = ontap_client.post(f"{STATE}/export", json={"passphrase": "a good passphrase"}).text
    damaged = sealed.replace("  private_key: ", "  private_key: AAAA", 1)
    answer = ontap_client.put(STATE, json={"document": damaged, "passphrase": "a good passphrase"})
    assert answer.status_code == 400
    assert "does not open" in answer.json()["error"]["message"]
    assert ontap_client.get(STATE).text == document
