"""Replays of the exact exchanges of real clients (reference sections C.2, D.1, D.2).

Each replay sends what the client sends, byte for byte where it matters, and
reads the answers the way the client reads them (the parsing rules are
restated here from the clients' code), so a change that breaks Ansible's
`na_ontap_security_ipsec_ca_certificate` or `netapp_ontap.IpsecCaCertificate`
fails here.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.ipsec.conftest import IPSEC, install_ca, make_svm

ORIGIN = "http://ontap.local"
ANSIBLE_HEADERS = {"X-Dot-Client-App": "na_ontap_security_ipsec_ca_certificate/23.6.0"}
WHEEL_HEADERS = {"X-Dot-Client-App": "netapp-ontap-python-9.19.1.0"}


# ---------------------------------------------------------------------------
# Ansible (module_utils/netapp.py::OntapRestAPI.send_request, rest_generic.get_one_record)


class AnsibleError(Exception):
    pass


def ansible_send(
    api: httpx.Client,
    method: str,
    api_path: str,
    params: dict[str, str] | None = None,
    body: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], Any]:
    """(json, error) as OntapRestAPI._send_request returns them."""
    response = api.request(
        method,
        f"/api/{api_path}",
        params=params,
        json=body,
        headers=ANSIBLE_HEADERS,
    )
    try:
        message = response.json() if response.content.strip() else {}
    except ValueError:
        message = {}
    if response.status_code >= 400:
        if isinstance(message, dict) and "error" in message:
            return message, message["error"]
        return message, f"{response.status_code} Client Error"
    if isinstance(message, dict) and "error" in message:  # a 2xx with an error is an error
        return message, message["error"]
    return message, None


def ansible_get_one_record(
    api: httpx.Client, api_path: str, params: dict[str, str] | None = None
) -> tuple[dict[str, Any] | None, str | None]:
    """rest_generic.get_one_record + check_for_0_or_1_records."""
    message, error = ansible_send(api, "GET", api_path, params)
    if error:
        return None, f"calling: {api_path}: got {error}."
    if message == {}:
        return None, f"calling: {api_path}: no response {message}."
    if "records" in message:
        count = message.get("num_records", len(message["records"]))
    else:
        count = message.get("num_records", 1)
    if count == 0:
        return None, None
    if count > 1:
        return None, f"calling: {api_path}: unexpected response {message}. for query: {params}"
    return (message["records"][0] if "records" in message else message), None


def ansible_version(api: httpx.Client) -> tuple[int, int, int]:
    message, error = ansible_send(api, "GET", "cluster", {"fields": "version"})
    assert error is None
    version = message["version"]
    assert {"full", "generation", "major", "minor"} <= set(version)
    return version["generation"], version["major"], version["minor"]


def ansible_run(api: httpx.Client, name: str, svm: str | None, state: str) -> dict[str, Any]:
    """One run of na_ontap_security_ipsec_ca_certificate; returns {"changed": bool}."""
    generation, major, minor = ansible_version(api)
    if (generation, major, minor) < (9, 10, 1):
        raise AnsibleError("requires ONTAP 9.10.1 or later")
    query = {"name": name, "fields": "uuid"}
    if svm:
        query["svm.name"] = svm
    else:
        query["scope"] = "cluster"
    message, error = ansible_send(api, "GET", "security/certificates", query)
    if error:
        raise AnsibleError(f"Error fetching uuid for certificate {name}: {error}")
    records = message["records"]  # read directly: `records` is required
    if not records:
        if state == "absent":
            return {"changed": False}
        raise AnsibleError(f"Error: certificate {name} is not installed in {svm or 'cluster'}")
    uuid = records[0]["uuid"]
    record, err = ansible_get_one_record(api, f"security/ipsec/ca-certificates/{uuid}")
    if err and "entry doesn't exist" not in err:
        raise AnsibleError(f"Error fetching security IPsec CA certificate {name}: {err}")
    present = record is not None
    if state == "present" and not present:
        body = {"certificate.uuid": uuid}
        if svm:
            body["svm.name"] = svm
        message, error = ansible_send(
            api, "POST", "security/ipsec/ca-certificates", {"return_timeout": "30"}, body
        )
        if error:
            raise AnsibleError(f"Error adding security IPsec CA certificate {name}: {error}")
        assert "job" not in message and "jobs" not in message, message
        return {"changed": True}
    if state == "absent" and present:
        message, error = ansible_send(
            api, "DELETE", f"security/ipsec/ca-certificates/{uuid}", {"return_timeout": "30"}
        )
        if error:
            raise AnsibleError(f"Error deleting security IPsec CA certificate {name}: {error}")
        assert "job" not in message and "jobs" not in message, message
        return {"changed": True}
    return {"changed": False}


@pytest.fixture
def ansible_world(api: httpx.Client) -> dict[str, str]:
    make_svm(api, "svm4")
    return {"cert1": install_ca(api, "cert1", "svm4"), "cert2": install_ca(api, "cert2")}


def test_ansible_exchange_of_an_svm_certificate_step_by_step(
    api: httpx.Client, ansible_world: dict[str, str]
) -> None:
    uuid = ansible_world["cert1"]
    cluster = api.get("/api/cluster?fields=version")
    assert cluster.status_code == 200
    assert set(cluster.json()["version"]) >= {"full", "generation", "major", "minor"}
    assert cluster.json()["version"]["full"].startswith("NetApp Release ")

    lookup = api.get("/api/security/certificates?name=cert1&svm.name=svm4&fields=uuid")
    assert lookup.status_code == 200
    assert [r["uuid"] for r in lookup.json()["records"]] == [uuid]

    absent = api.get(f"{IPSEC}/{uuid}")
    assert absent.status_code == 404
    assert "entry doesn't exist" in str(absent.json()["error"])

    added = api.post(
        f"{IPSEC}?return_timeout=30", json={"certificate.uuid": uuid, "svm.name": "svm4"}
    )
    assert added.status_code == 201
    assert "error" not in added.json()

    present = api.get(f"{IPSEC}/{uuid}")
    assert present.status_code == 200
    assert present.json()["certificate"]["uuid"] == uuid
    assert present.json()["svm"]["name"] == "svm4"

    removed = api.delete(f"{IPSEC}/{uuid}?return_timeout=30")
    assert removed.status_code == 200
    assert removed.json() == {}

    again = api.get(f"{IPSEC}/{uuid}")
    assert again.status_code == 404
    assert "entry doesn't exist" in str(again.json()["error"])


@pytest.mark.parametrize(("name", "svm"), [("cert1", "svm4"), ("cert2", None)])
def test_ansible_present_absent_and_their_reruns(
    api: httpx.Client, ansible_world: dict[str, str], name: str, svm: str | None
) -> None:
    uuid = ansible_world[name]
    assert ansible_run(api, name, svm, "present") == {"changed": True}
    entry = api.get(f"{IPSEC}/{uuid}?fields=*").json()
    assert entry["scope"] == ("svm" if svm else "cluster")
    assert ansible_run(api, name, svm, "present") == {"changed": False}  # idempotent
    assert ansible_run(api, name, svm, "absent") == {"changed": True}
    assert api.get(f"{IPSEC}/{uuid}").status_code == 404
    assert ansible_run(api, name, svm, "absent") == {"changed": False}  # idempotent


def test_ansible_reports_a_certificate_that_is_not_installed(
    api: httpx.Client, ansible_world: dict[str, str]
) -> None:
    with pytest.raises(AnsibleError, match="certificate nocert is not installed in svm4"):
        ansible_run(api, "nocert", "svm4", "present")
    assert ansible_run(api, "nocert", "svm4", "absent") == {"changed": False}


def test_ansible_cluster_lookup_does_not_find_the_svm_certificate(
    api: httpx.Client, ansible_world: dict[str, str]
) -> None:
    with pytest.raises(AnsibleError, match="certificate cert1 is not installed in cluster"):
        ansible_run(api, "cert1", None, "present")


def test_ansible_get_one_record_reads_the_404_as_absent(
    api: httpx.Client, ansible_world: dict[str, str]
) -> None:
    record, err = ansible_get_one_record(
        api, f"security/ipsec/ca-certificates/{ansible_world['cert2']}"
    )
    assert record is None
    assert err is not None and "entry doesn't exist" in err


# ---------------------------------------------------------------------------
# netapp_ontap (resource.py, utils.py): IpsecCaCertificate


class NetAppRestError(Exception):
    pass


def wheel_request(api: httpx.Client, method: str, url: str, **kwargs: Any) -> httpx.Response:
    headers = {**WHEEL_HEADERS, **kwargs.pop("headers", {})}
    response = api.request(method, url, headers=headers, **kwargs)
    if response.status_code >= 400:
        raise NetAppRestError(
            f"Caused by HTTPError('{response.status_code}'): {response.json()['error']['message']}"
        )
    return response


def wheel_keys_from_location(location: str) -> str:
    """resource._set_keys_from_location: the last path segment is certificate.uuid."""
    path = urlsplit(location).path
    rest = path.replace(IPSEC, "").lstrip("/")
    assert rest, f"Location without the key: {location}"
    return rest.split("/")[-1]


def wheel_poll(response: httpx.Response) -> None:
    """utils.poll: a non-202 answer without a job is done; a 202 needs a job link."""
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code == 202:
        assert "job" in body, "The API response does not have a valid job link"


def wheel_hydrate(body: dict[str, Any]) -> dict[str, Any]:
    """resource.get: a bare object, {"record": x}, or one of records."""
    if "records" in body:
        if body.get("num_records", len(body["records"])) != 1:
            raise NetAppRestError("Received no records in the response IpsecCaCertificate.")
        return body["records"][0]  # type: ignore[no-any-return]
    assert body, "an instance GET must never be {}"
    return body.get("record", body)  # type: ignore[no-any-return]


@pytest.fixture
def wheel_world(api: httpx.Client) -> dict[str, str]:
    make_svm(api, "vs0")
    return {
        "vs0_a": install_ca(api, "vs0_a", "vs0"),
        "vs0_b": install_ca(api, "vs0_b", "vs0"),
        "cl_a": install_ca(api, "cl_a"),
    }


def wheel_post(api: httpx.Client, body: dict[str, Any]) -> str:
    response = wheel_request(
        api,
        "POST",
        IPSEC,
        content=httpx.Request("POST", ORIGIN, json=body).content,
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 201
    assert "location" in response.headers
    wheel_poll(response)
    return wheel_keys_from_location(response.headers["location"])


def test_wheel_post_with_hydrate_then_get_collection_count_find_and_delete(
    api: httpx.Client, wheel_world: dict[str, str]
) -> None:
    # IpsecCaCertificate(certificate={"uuid": U}, svm={"name": "vs0"}).post(hydrate=True)
    a = wheel_post(api, {"certificate": {"uuid": wheel_world["vs0_a"]}, "svm": {"name": "vs0"}})
    assert a == wheel_world["vs0_a"]
    hydrated = wheel_hydrate(wheel_request(api, "GET", f"{IPSEC}/{a}?fields=%2A").json())
    assert hydrated["certificate"]["uuid"] == a
    assert hydrated["scope"] == "svm"
    assert hydrated["svm"]["name"] == "vs0"
    # scope="cluster" is sent when the user sets it
    c = wheel_post(api, {"certificate": {"uuid": wheel_world["cl_a"]}, "scope": "cluster"})
    assert wheel_hydrate(wheel_request(api, "GET", f"{IPSEC}/{c}").json())["scope"] == "cluster"

    # get_collection(max_records=1): follow next as origin + href, no params re-added
    seen: list[str] = []
    body = wheel_request(api, "GET", f"{IPSEC}?max_records=1").json()
    while True:
        seen += [r["certificate"]["uuid"] for r in body.get("records", [])]
        href = body.get("_links", {}).get("next", {}).get("href")
        if not href:
            break
        assert href.startswith("/api/")
        body = wheel_request(api, "GET", ORIGIN + href).json()
        assert len(seen) < 10
    assert sorted(seen) == sorted([a, c])

    # count_collection()
    count = wheel_request(api, "GET", f"{IPSEC}?return_records=false").json()
    assert count.get("num_records", -1) == 2

    # find(**{"svm.name": "vs0"})
    found = wheel_request(api, "GET", f"{IPSEC}?svm.name=vs0&fields=%2A").json()
    assert found["num_records"] == 1
    assert found["records"][0] == hydrated

    # delete(): JSON body {} with Content-Type
    deleted = wheel_request(
        api, "DELETE", f"{IPSEC}/{a}", content=b"{}", headers={"Content-Type": "application/json"}
    )
    assert deleted.status_code == 200
    wheel_poll(deleted)
    with pytest.raises(NetAppRestError, match="entry doesn't exist"):
        wheel_request(api, "GET", f"{IPSEC}/{a}")
    # find() now finds none
    assert wheel_request(api, "GET", f"{IPSEC}?svm.name=vs0&fields=%2A").json()["records"] == []


def test_wheel_get_collection_without_parameters_returns_records(
    api: httpx.Client, wheel_world: dict[str, str]
) -> None:
    body = wheel_request(api, "GET", IPSEC).json()
    assert body["records"] == []
    assert body["num_records"] == 0
    assert "next" not in body["_links"]


def test_wheel_error_message_is_read_from_the_envelope(
    api: httpx.Client, wheel_world: dict[str, str]
) -> None:
    with pytest.raises(NetAppRestError, match=r"CA certificate is not installed\.$"):
        wheel_post(api, {"certificate": {"uuid": wheel_world["vs0_b"]}})


def test_wheel_paging_over_many_entries_follows_complete_hrefs(
    api: httpx.Client, wheel_world: dict[str, str]
) -> None:
    uuids = [wheel_world["vs0_a"], wheel_world["vs0_b"]]
    for i in range(5):
        uuids.append(install_ca(api, f"more{i}", "vs0"))
    for u in uuids:
        wheel_post(api, {"certificate": {"uuid": u}, "svm": {"name": "vs0"}})
    seen: list[str] = []
    body = wheel_request(api, "GET", f"{IPSEC}?max_records=1&fields=%2A&svm.name=vs0").json()
    pages = 1
    while "next" in body.get("_links", {}):
        seen += [r["certificate"]["uuid"] for r in body["records"]]
        body = wheel_request(api, "GET", ORIGIN + body["_links"]["next"]["href"]).json()
        pages += 1
        assert pages <= 20
    seen += [r["certificate"]["uuid"] for r in body["records"]]
    assert sorted(seen) == sorted(uuids)
    assert len(seen) == len(set(seen))
