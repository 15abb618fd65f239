"""The certificate traffic of real clients, replayed request by request with httpx.

Reference: /work/shared/reference/ontap-resources-and-clients.md D.3 (Ansible
``na_ontap_security_certificates``) and D.4 (netapp_ontap ``SecurityCertificate``).
Requests carry the clients' exact paths, query strings (as they encode them) and
JSON key order; the answers are checked for what each client reads.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests import certs
from tests.certificates.conftest import (
    CERTS,
    created_uuid,
    default_name,
    expected_record,
    fresh_ca,
    installed,
    make_svm,
    p256_ca,
)

ANSIBLE_HEADERS = {"X-Dot-Client-App": "na_ontap_security_certificates/23.6.0"}
WHEEL_HEADERS = {"Content-Type": "application/json"}


def _ansible(api: httpx.Client, method: str, target: str, body: Any = None) -> httpx.Response:
    """As requests.request(method, url, params=..., json=body) sends it."""
    content = json.dumps(body).encode() if body is not None else None
    headers = dict(ANSIBLE_HEADERS)
    if content is not None:
        headers["Content-Type"] = "application/json"
    return api.request(method, target, content=content, headers=headers)


def _ok_json(response: httpx.Response, status: int = 200) -> Any:
    """Ansible's rule: the status, and no top-level "error" key in a 2xx body."""
    assert response.status_code == status, response.text
    body = response.json() if response.content else {}
    assert "error" not in body
    return body


def _version_check(api: httpx.Client) -> None:
    for _ in range(2):
        body = _ok_json(_ansible(api, "GET", "/api/cluster?fields=version"))
        version = body["version"]
        assert (version["generation"], version["major"]) == (9, 18)
        assert version["full"].startswith("NetApp Release 9.18.1")


@pytest.mark.parametrize("svm", ["svm4", None], ids=["svm", "cluster"])
def test_ansible_installs_looks_up_and_deletes_a_ca_certificate(
    api: httpx.Client, svm: str | None
) -> None:
    cert = p256_ca()[0]
    svm_uuid = make_svm(api, "svm4")
    scope_query = "&svm.name=svm4" if svm else "&scope=cluster"
    lookup = f"{CERTS}?fields=uuid&name=cert1{scope_query}"

    _version_check(api)
    if svm:
        svms = _ok_json(_ansible(api, "GET", "/api/svm/svms?name=svm4&fields=uuid"))
        assert svms["num_records"] == 1
        assert svms["records"][0]["uuid"] == svm_uuid

    before = _ok_json(_ansible(api, "GET", lookup))
    assert before == {"records": [], "num_records": 0, "_links": {"self": {"href": lookup}}}

    body: dict[str, Any] = {}
    if svm:
        body["svm"] = {"name": "svm4"}
    body |= {
        "type": "server_ca",
        "common_name": "myca",
        "public_certificate": certs.pem(cert),
        "hash_function": "sha256",
        "name": "cert1",
    }
    response = _ansible(api, "POST", f"{CERTS}?return_records=true", body)
    created = _ok_json(response, 201)
    uuid = created_uuid(response)
    assert created == {
        "num_records": 1,
        "records": [
            expected_record(
                cert,
                uuid=uuid,
                name="cert1",
                cert_type="server_ca",
                svm=("svm4", svm_uuid) if svm else None,
            )
        ],
    }
    # common_name "myca" was sent, the certificate's own is shown.
    assert created["records"][0]["common_name"] == "Suite Root P-256"

    after = _ok_json(_ansible(api, "GET", lookup))
    assert after["num_records"] == 1
    assert [r["uuid"] for r in after["records"]] == [uuid]

    deleted = _ansible(api, "DELETE", f"{CERTS}/{uuid}")
    assert _ok_json(deleted) == {}
    assert _ok_json(_ansible(api, "GET", lookup))["num_records"] == 0


def test_ansible_lookup_in_one_scope_does_not_see_the_other(api: httpx.Client) -> None:
    make_svm(api, "svm4")
    installed(api, p256_ca()[0], "server_ca", name="cert1", svm="svm4")
    cluster = _ok_json(_ansible(api, "GET", f"{CERTS}?fields=uuid&name=cert1&scope=cluster"))
    assert cluster["num_records"] == 0 and cluster["records"] == []
    other = _ok_json(_ansible(api, "GET", f"{CERTS}?fields=uuid&name=cert1&svm.name=nosuch"))
    assert other["num_records"] == 0 and other["records"] == []


def test_ansible_lookup_by_common_name_and_type_when_no_name_is_given(api: httpx.Client) -> None:
    cert = fresh_ca("lookupca")[0]
    uuid = installed(api, cert, "server_ca")
    target = f"{CERTS}?fields=uuid&common_name=lookupca&scope=cluster&type=server_ca"
    body = _ok_json(_ansible(api, "GET", target))
    assert [r["uuid"] for r in body["records"]] == [uuid]
    assert body["records"][0]["common_name"] == "lookupca"
    none = _ok_json(_ansible(api, "GET", target.replace("server_ca", "client_ca")))
    assert none["records"] == []


def test_ansible_reinstall_of_the_same_certificate_is_a_duplicate_error_dict(
    api: httpx.Client,
) -> None:
    cert = p256_ca()[0]
    body = {
        "type": "server_ca",
        "common_name": "myca",
        "public_certificate": certs.pem(cert),
        "hash_function": "sha256",
        "name": "cert1",
    }
    assert _ansible(api, "POST", f"{CERTS}?return_records=true", body).status_code == 201
    again = _ansible(api, "POST", f"{CERTS}?return_records=true", body | {"name": "cert2"})
    assert again.status_code == 409
    error = again.json()["error"]
    assert isinstance(error, dict)
    assert (error.get("message"), error.get("target")) == ("duplicate entry", "uuid")


def test_ansible_lookup_of_a_name_with_a_space_as_requests_encodes_it(api: httpx.Client) -> None:
    """requests (Ansible) sends a space in a query value as '+', form-encoding style."""
    uuid = installed(api, p256_ca()[0], "server_ca", name="my cert")
    body = _ok_json(_ansible(api, "GET", f"{CERTS}?fields=uuid&name=my+cert&scope=cluster"))
    assert [r["uuid"] for r in body["records"]] == [uuid]


def test_netapp_ontap_posts_a_ca_then_hydrates_and_finds_it(api: httpx.Client) -> None:
    cert = p256_ca()[0]
    svm_uuid = make_svm(api, "svm4")
    body = {
        "name": "ca1",
        "public_certificate": certs.pem(cert),
        "svm": {"name": "svm4"},
        "type": "server_ca",
    }
    response = api.post(CERTS, content=json.dumps(body).encode(), headers=WHEEL_HEADERS)
    assert response.status_code == 201, response.text
    assert response.json() == {}  # no job: netapp_ontap's poll is satisfied
    uuid = created_uuid(response)
    # _set_keys_from_location: the last path segment is the key.
    assert response.headers["location"].rsplit("/", 1)[1] == uuid
    expected = expected_record(
        cert, uuid=uuid, name="ca1", cert_type="server_ca", svm=("svm4", svm_uuid)
    )

    hydrated = api.get(f"{CERTS}/{uuid}?fields=%2A")
    assert hydrated.status_code == 200, hydrated.text
    assert hydrated.json() == expected

    found = api.get(f"{CERTS}?name=ca1&svm.name=svm4&fields=%2A")
    assert found.status_code == 200, found.text
    page = found.json()
    assert page["num_records"] == 1
    assert page["records"] == [expected]
    assert page["_links"] == {"self": {"href": f"{CERTS}?name=ca1&svm.name=svm4&fields=%2A"}}

    gone = api.request("DELETE", f"{CERTS}/{uuid}", content=b"{}", headers=WHEEL_HEADERS)
    assert gone.status_code == 200, gone.text
    assert api.get(f"{CERTS}?name=ca1&svm.name=svm4&fields=%2A").json()["num_records"] == 0


def test_netapp_ontap_find_of_a_missing_certificate_is_zero_records(api: httpx.Client) -> None:
    make_svm(api, "svm4")
    found = api.get(f"{CERTS}?name=ca1&svm.name=svm4&fields=%2A")
    assert found.status_code == 200, found.text
    assert found.json()["num_records"] == 0


def test_netapp_ontap_count_collection(api: httpx.Client) -> None:
    installed(api, p256_ca()[0], "server_ca")
    response = api.get(f"{CERTS}?return_records=false")
    assert response.status_code == 200, response.text
    assert response.json()["num_records"] == 1
    assert "records" not in response.json()


def test_netapp_ontap_get_of_a_generated_name(api: httpx.Client) -> None:
    cert = p256_ca()[0]
    uuid = installed(api, cert, "server_ca")
    name = default_name(cert)
    found = api.get(f"{CERTS}?name={name.replace(' ', '%20')}&fields=%2A")
    assert [r["uuid"] for r in found.json()["records"]] == [uuid]
