"""Job failure rules: matched by method, path, test id, the Nth call or a probability;
once, N times or until removed; a failed job changes nothing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ontap_ipsec.rest.test_id import HEADER

SVMS = "/api/svm/svms"
RULES = "/_ontap-ipsec/jobs/rules"
MESSAGE = "Failed to create the SVM: the root volume could not be created."


def add_rule(client: httpx.Client, **rule: Any) -> dict[str, Any]:
    answer = client.post(RULES, json={"message": MESSAGE, "code": 13434890, **rule})
    assert answer.status_code == 201, answer.text
    assert answer.headers["location"] == f"{RULES}/{answer.json()['id']}"
    return dict(answer.json())


def outcome(client: httpx.Client, name: str, **headers: str) -> str:
    answer = client.post(SVMS, json={"name": name}, headers=headers)
    assert answer.status_code == 202, answer.text
    job = client.get(answer.json()["job"]["_links"]["self"]["href"], params={"fields": "*"})
    record = job.json()
    if record["state"] == "failure":
        assert (record["message"], record["code"]) == (MESSAGE, 13434890)
    return str(record["state"])


def names(client: httpx.Client) -> list[str]:
    return sorted(r["name"] for r in client.get(SVMS).json()["records"])


def test_a_rule_fails_the_matching_job_once_and_the_change_is_not_made(
    ontap_client: httpx.Client,
) -> None:
    rule = add_rule(ontap_client, method="POST", path="/api/svm/svms", times=1)
    assert rule == {
        "id": rule["id"],
        "method": "POST",
        "path": "/api/svm/svms",
        "remaining": 1,
        "fired": 0,
        "matched": 0,
        "message": MESSAGE,
        "code": 13434890,
    }
    assert outcome(ontap_client, "vs1") == "failure"
    assert names(ontap_client) == []
    assert ontap_client.get(RULES).json() == {"records": [], "num_records": 0}  # spent
    assert outcome(ontap_client, "vs1") == "success"


def test_return_timeout_answers_a_failed_job_with_202(ontap_client: httpx.Client) -> None:
    add_rule(ontap_client, path="/api/svm/svms")
    answer = ontap_client.post(SVMS, params={"return_timeout": 30}, json={"name": "vs1"})
    assert answer.status_code == 202
    assert "job" in answer.json()


def test_the_nth_matching_call_and_n_times(ontap_client: httpx.Client) -> None:
    add_rule(ontap_client, path="/api/svm/svms", nth=2, times=2)
    states = [outcome(ontap_client, f"vs{i}") for i in range(1, 6)]
    assert states == ["success", "failure", "failure", "success", "success"]
    assert names(ontap_client) == ["vs1", "vs4", "vs5"]


def test_once_by_default(ontap_client: httpx.Client) -> None:
    add_rule(ontap_client, path="/api/svm/svms")
    assert [outcome(ontap_client, n) for n in ("a", "b")] == ["failure", "success"]


def test_until_removed(ontap_client: httpx.Client) -> None:
    rule = add_rule(ontap_client, method="*", path="/api/svm/svms*", times=None)
    assert [outcome(ontap_client, n) for n in ("a", "b")] == ["failure", "failure"]
    listed = ontap_client.get(f"{RULES}/{rule['id']}").json()
    assert (listed["matched"], listed["fired"], listed["remaining"]) == (2, 2, None)
    assert ontap_client.delete(f"{RULES}/{rule['id']}").status_code == 200
    assert ontap_client.get(f"{RULES}/{rule['id']}").status_code == 404
    assert outcome(ontap_client, "c") == "success"


def test_method_and_path_select_the_jobs(ontap_client: httpx.Client) -> None:
    vs1 = ontap_client.post(SVMS, json={"name": "vs1"}).headers["location"]
    add_rule(ontap_client, method="DELETE", path="/api/svm/svms/*")
    assert outcome(ontap_client, "vs2") == "success"
    patched = ontap_client.patch(vs1, json={"comment": "x"}).json()["job"]["uuid"]
    assert ontap_client.get(f"/api/cluster/jobs/{patched}").json()["state"] == "success"
    deleted = ontap_client.delete(vs1).json()["job"]["uuid"]
    assert ontap_client.get(f"/api/cluster/jobs/{deleted}").json()["state"] == "failure"
    assert names(ontap_client) == ["vs1", "vs2"]  # the delete failed: vs1 and all it owns stay


def test_a_rule_with_a_test_id_is_seen_by_that_test_only(ontap_client: httpx.Client) -> None:
    add_rule(ontap_client, path="/api/svm/svms", test_id="test-a", times=None)
    assert outcome(ontap_client, "vs1") == "success"
    assert outcome(ontap_client, "vs2", **{HEADER: "test-b"}) == "success"
    assert outcome(ontap_client, "vs3", **{HEADER: "test-a"}) == "failure"


@pytest.mark.parametrize(("probability", "expected"), [(0, "success"), (1, "failure")])
def test_probability(ontap_client: httpx.Client, probability: float, expected: str) -> None:
    add_rule(ontap_client, path="/api/svm/svms", probability=probability, times=None)
    assert {outcome(ontap_client, f"vs{i}") for i in range(5)} == {expected}


def test_a_failure_under_polls_progression_shows_every_state(ontap_client: httpx.Client) -> None:
    ontap_client.put("/_ontap-ipsec/jobs/progression", json={"mode": "polls"})
    add_rule(ontap_client, path="/api/svm/svms")
    job = ontap_client.post(SVMS, json={"name": "vs1"}).json()["job"]["uuid"]
    states = [ontap_client.get(f"/api/cluster/jobs/{job}").json()["state"] for _ in range(3)]
    assert states == ["queued", "running", "failure"]
    assert names(ontap_client) == []


def test_clear_all_rules(ontap_client: httpx.Client) -> None:
    add_rule(ontap_client, path="/a")
    add_rule(ontap_client, path="/b")
    assert ontap_client.get(RULES).json()["num_records"] == 2
    assert ontap_client.delete(RULES).status_code == 200
    assert ontap_client.get(RULES).json()["num_records"] == 0


@pytest.mark.parametrize(
    "body",
    [
        {"path": "/api/svm/svms"},  # no message
        {"path": "api/svm/svms", "message": "m"},
        {"path": "/x", "message": "m", "probability": 2},
        {"path": "/x", "message": "m", "nth": 0},
        {"path": "/x", "message": "m", "times": "once"},
        {"path": "/x", "message": "m", "code": "E1"},
        {"path": "/x", "message": "m", "method": "P OST"},
        {"path": "/x", "message": "m", "status": 500},
    ],
)
def test_a_bad_rule_is_refused_with_the_envelope(ontap_client: httpx.Client, body: Any) -> None:
    answer = ontap_client.post(RULES, json=body)
    assert answer.status_code == 400, answer.text
    assert set(answer.json()["error"]) >= {"message", "code"}
    assert ontap_client.get(RULES).json()["num_records"] == 0


def test_bad_json_and_unknown_rule_ids(ontap_client: httpx.Client) -> None:
    answer = ontap_client.post(RULES, content=b"{nope")
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "262199"
    assert ontap_client.get(f"{RULES}/abc").status_code == 404
    assert ontap_client.delete(f"{RULES}/99").status_code == 404
