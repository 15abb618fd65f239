"""The plugin's ontap_faults and ontap_journal, as a user's test would use them."""

from __future__ import annotations

import httpx

from ontap_ipsec.testing_toolkit import Faults, Journal


def test_the_journal_says_what_the_code_sent(
    ontap_client: httpx.Client, ontap_journal: Journal
) -> None:
    ontap_client.post("/api/svm/svms", json={"name": "vs1"})
    ontap_client.get("/api/svm/svms")
    entry = ontap_journal.assert_once("POST", "/api/svm/svms")
    assert entry["status"] == 202
    assert ontap_journal.count("GET") == 1
    assert ontap_journal.har()["log"]["version"] == "1.2"


def test_a_fault_fails_the_code_once(ontap_client: httpx.Client, ontap_faults: Faults) -> None:
    ontap_faults.error("/api/svm/svms", 400, "13434908", "Duplicate SVM name.", method="POST")
    first = ontap_client.post("/api/svm/svms", json={"name": "vs1"})
    again = ontap_client.post("/api/svm/svms", json={"name": "vs1"})
    assert first.json()["error"]["code"] == "13434908"
    assert again.status_code == 202
    assert [(r["matched"], r["fired"]) for r in ontap_faults.listed()] == [(2, 1)]


def test_nothing_is_left_from_the_tests_before(
    ontap_client: httpx.Client, ontap_faults: Faults, ontap_journal: Journal
) -> None:
    assert ontap_faults.listed() == []
    assert ontap_journal.entries() == []
    assert ontap_client.post("/api/svm/svms", json={"name": "vs1"}).status_code == 202
