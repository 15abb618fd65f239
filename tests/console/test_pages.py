"""The pages in-process: what each shows, each change through /api, errors in words."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from ontap_ipsec.app import OntapApp
from tests.certs import make_ca, make_csr, pem
from tests.console.conftest import browser, sign_in

CERTS = "/api/security/certificates"
IPSEC = "/api/security/ipsec/ca-certificates"


def _uuid(page: httpx.Response, name: str) -> str:
    found = re.search(rf'href="/certificates/([0-9a-f-]{{36}})">{re.escape(name)}<', page.text)
    assert found, f"{name} is not listed"
    return found.group(1)


def _svm(client: httpx.Client, csrf: str, name: str) -> None:
    assert client.post("/svms", data={"csrf": csrf, "name": name}).status_code == 303


def _install(client: httpx.Client, csrf: str, name: str, scope: str, text: str) -> httpx.Response:
    return client.post(
        "/certificates/install",
        data={"csrf": csrf, "scope": scope, "type": "server_ca", "name": name},
        files={"pem_file": (f"{name}.pem", text.encode(), "application/x-pem-file")},
    )


def test_overview_shows_the_cluster_and_counts(admin: tuple[httpx.Client, str]) -> None:
    client, csrf = admin
    _svm(client, csrf, "vs1")
    page = client.get("/")
    assert page.status_code == 200
    assert "cluster1" in page.text
    assert "NetApp Release" in page.text
    assert re.search(r'<span class="n">1</span> SVMs', page.text)


def test_overview_shows_strongswan_to_admins_only(
    admin: tuple[httpx.Client, str],
    as_account: Callable[[str, str], tuple[httpx.Client, str]],
) -> None:
    client, _ = admin
    assert "strongSwan daemons" in client.get("/").text  # GET /_ontap-ipsec/strongswan
    viewer, _ = as_account("viewer", "readonly")  # for which that endpoint answers 403
    assert "strongSwan daemons" not in viewer.get("/").text


def test_svms_create_list_delete_and_a_duplicate_in_words(admin: tuple[httpx.Client, str]) -> None:
    client, csrf = admin
    _svm(client, csrf, "vs1")
    assert "The SVM was created." in client.get("/svms?done=svm-created").text
    again = client.post("/svms", data={"csrf": csrf, "name": "vs1"})
    assert again.status_code >= 400
    assert "ONTAP error code" in again.text
    uuid = re.search(r"<code>([0-9a-f-]{36})</code>", client.get("/svms").text)
    assert uuid
    assert client.post(f"/svms/{uuid.group(1)}/delete", data={"csrf": csrf}).status_code == 303
    assert "There are no SVMs yet." in client.get("/svms").text


def test_install_by_upload_and_by_paste_then_the_details(admin: tuple[httpx.Client, str]) -> None:
    client, csrf = admin
    _svm(client, csrf, "vs1")
    cert, _key = make_ca("p256", "Upload CA", san={"dns": ["ca.example.com"]})
    assert _install(client, csrf, "up-ca", "vs1", pem(cert)).status_code == 303
    pasted, _ = make_ca("p256", "Pasted CA", slot=1)
    response = client.post(
        "/certificates/install",
        data={"csrf": csrf, "scope": "cluster1", "type": "server_ca", "pem": pem(pasted)},
    )
    assert response.status_code == 303
    listing = client.get("/certificates")
    uuid = _uuid(listing, "up-ca")
    details = client.get(f"/certificates/{uuid}").text
    assert "CN=Upload CA" in details  # subject and issuer
    assert f"{cert.serial_number:X}" in details
    assert "DNS: ca.example.com" in details
    assert "SHA-256 fingerprint" in details and "SHA-1 fingerprint" in details
    assert "-----BEGIN CERTIFICATE-----" in details
    download = client.get(f"/certificates/{uuid}/pem")
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.text.strip() == pem(cert).strip()


def test_a_bad_pem_is_refused_in_words_with_its_code(admin: tuple[httpx.Client, str]) -> None:
    client, csrf = admin
    response = _install(client, csrf, "bad", "cluster1", "-----BEGIN CERTIFICATE-----\nxx\n")
    assert response.status_code == 400
    assert "incorrect formatting" in response.text
    assert re.search(r"ONTAP error code \d+", response.text)


def test_the_private_key_is_never_shown_back(admin: tuple[httpx.Client, str]) -> None:
    client, csrf = admin
    secret = "-----BEGIN PRIVATE KEY-----\nTOPSECRETKEYMATERIAL\n-----END PRIVATE KEY-----"
    response = client.post(
        "/certificates/install",
        data={
            "csrf": csrf,
            "scope": "cluster1",
            "type": "server",
            "pem": "x",
            "private_key": secret,
        },
    )
    assert response.status_code >= 400
    assert "TOPSECRETKEYMATERIAL" not in response.text


def test_filters_and_expiring_soon(admin: tuple[httpx.Client, str]) -> None:
    client, csrf = admin
    _svm(client, csrf, "vs1")
    soon, _ = make_ca("p256", "Soon CA", not_after=datetime.now(UTC) + timedelta(days=10))
    later, _ = make_ca("p256", "Later CA", slot=1)
    assert _install(client, csrf, "soon-ca", "vs1", pem(soon)).status_code == 303
    assert _install(client, csrf, "later-ca", "cluster1", pem(later)).status_code == 303
    everything = client.get("/certificates").text
    assert re.search(r'<tr class="soon">\s*<th scope="row"><a [^>]*>soon-ca<', everything)
    assert "expires in" in everything
    only_soon = client.get("/certificates?expiry=soon").text
    assert "soon-ca" in only_soon and "later-ca" not in only_soon
    only_vs1 = client.get("/certificates?scope=vs1").text
    assert "soon-ca" in only_vs1 and "later-ca" not in only_vs1
    only_cluster = client.get("/certificates?scope=cluster1&type=server_ca").text
    assert "later-ca" in only_cluster and "soon-ca" not in only_cluster
    assert "No certificate matches." in client.get("/certificates?type=client").text


def test_ipsec_add_in_use_delete_refused_remove_delete(admin: tuple[httpx.Client, str]) -> None:
    client, csrf = admin
    _svm(client, csrf, "vs1")
    cert, _ = make_ca("p256", "IPsec CA")
    assert _install(client, csrf, "ipsec-ca", "vs1", pem(cert)).status_code == 303
    uuid = _uuid(client.get("/certificates"), "ipsec-ca")
    assert "ipsec-ca" not in client.get("/ipsec").text  # the cluster's list has none of vs1's
    added = client.post("/ipsec/add", data={"csrf": csrf, "scope": "vs1", "certificate": uuid})
    assert added.headers["location"] == "/ipsec?scope=vs1&done=ipsec-added"
    listed = client.get(added.headers["location"]).text
    assert f'action="/ipsec/{uuid}/remove"' in listed
    assert '<span class="badge">in use</span>' in client.get("/certificates").text
    refused = client.post(f"/certificates/{uuid}/delete", data={"csrf": csrf})
    assert refused.status_code == 400
    assert "being in use by one or more subsystems" in refused.text
    assert "ONTAP error code 52560272" in refused.text
    again = client.post("/ipsec/add", data={"csrf": csrf, "scope": "vs1", "certificate": uuid})
    assert again.status_code >= 400 and "ONTAP error code" in again.text
    removed = client.post(f"/ipsec/{uuid}/remove", data={"csrf": csrf, "scope": "vs1"})
    assert removed.status_code == 303
    assert client.post(f"/certificates/{uuid}/delete", data={"csrf": csrf}).status_code == 303
    assert "ipsec-ca" not in client.get("/certificates").text


def test_create_a_root_ca_and_sign_a_csr_for_download(admin: tuple[httpx.Client, str]) -> None:
    client, csrf = admin
    created = client.post(
        "/certificates/create",
        data={
            "csrf": csrf,
            "scope": "cluster1",
            "common_name": "lab-root",
            "name": "lab-root",
            "days": "30",
            "key_size": "2048",
            "hash_function": "sha256",
        },
    )
    assert created.status_code == 303, created.text
    uuid = _uuid(client.get("/certificates"), "lab-root")
    csr = make_csr("p256", "host.example.com")
    from tests.certs import csr_pem

    signed = client.post(
        f"/certificates/{uuid}/sign",
        data={"csrf": csrf, "days": "10", "hash_function": "sha256"},
        files={"csr_file": ("host.csr", csr_pem(csr).encode(), "application/pkcs10")},
    )
    assert signed.status_code == 200, signed.text
    assert "attachment" in signed.headers["content-disposition"]
    assert signed.text.startswith("-----BEGIN CERTIFICATE-----")
    bad = client.post(f"/certificates/{uuid}/sign", data={"csrf": csrf, "csr": "nonsense"})
    assert bad.status_code == 400 and "ONTAP error code" in bad.text


@pytest.mark.parametrize("page", ["/", "/svms", "/certificates", "/ipsec?scope=vs1", "CERT"])
def test_a_readonly_account_sees_no_change_control(
    admin: tuple[httpx.Client, str],
    as_account: Callable[[str, str], tuple[httpx.Client, str]],
    page: str,
) -> None:
    client, csrf = admin
    _svm(client, csrf, "vs1")
    cert, _ = make_ca("p256", "RO CA")
    assert _install(client, csrf, "ro-ca", "vs1", pem(cert)).status_code == 303
    viewer, _ = as_account("viewer", "readonly")
    if page == "CERT":
        page = f"/certificates/{_uuid(viewer.get('/certificates'), 'ro-ca')}"
    text = viewer.get(page).text
    assert text.count('method="post"') == 1  # signing out, and nothing else
    assert 'action="/logout"' in text
    assert "(readonly)" in text


def test_a_readonly_accounts_change_is_the_apis_403(
    as_account: Callable[[str, str], tuple[httpx.Client, str]],
) -> None:
    viewer, csrf = as_account("viewer", "readonly")
    response = viewer.post("/svms", data={"csrf": csrf, "name": "vs9"})
    assert response.status_code == 403
    assert "not allowed to make this change" in response.text
    assert "ONTAP error code 6" in response.text


def test_static_files_unknown_pages_and_methods(anon_browser: httpx.Client) -> None:
    css = anon_browser.get("/static/console.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert anon_browser.get("/static/../app.py").status_code == 404
    assert anon_browser.get("/static/nothing.css").status_code == 404
    assert anon_browser.get("/nothing").status_code == 404
    assert anon_browser.request("PUT", "/").status_code == 405


def test_pages_are_small_and_fast_on_a_populated_server(app: OntapApp) -> None:
    """400 certificates (20 listed for IPsec) in 20 SVMs: each page under 100 KB, 200 ms."""
    import time

    from ontap_ipsec.inprocess import client as api_client
    from tests.conftest import AUTH

    with api_client(app, auth=AUTH) as api:
        for n in range(20):
            assert api.post("/api/svm/svms", json={"name": f"vs{n:02d}"}).status_code == 202
        for n in range(400):
            cert, _ = make_ca("p256", f"CA {n}", slot=n % 4)
            body = {
                "type": "server_ca",
                "name": f"ca-{n:03d}",
                "public_certificate": pem(cert),
                "svm": {"name": f"vs{n % 20:02d}"},
            }
            response = api.post(CERTS, json=body)
            assert response.status_code == 201, response.text
            if n % 20 == 0:
                uuid = response.headers["location"].rsplit("/", 1)[1]
                entry = {"certificate": {"uuid": uuid}, "svm": {"name": f"vs{n % 20:02d}"}}
                assert api.post(IPSEC, json=entry).status_code == 201
    with browser(app) as client:
        sign_in(client)
        uuid = _uuid(client.get("/certificates"), "ca-000")
        for page in (
            "/",
            "/svms",
            "/certificates",
            "/certificates?expiry=soon",
            f"/certificates/{uuid}",
            "/ipsec?scope=vs00",
            "/ipsec",
        ):
            started = time.perf_counter()
            response = client.get(page)
            elapsed = time.perf_counter() - started
            assert response.status_code == 200
            assert len(response.content) < 100_000, (page, len(response.content))
            assert elapsed < 0.2, (page, elapsed)
        assert "Next page" in client.get("/certificates").text  # 100 a page
        second = client.get(
            re.search(r'href="([^"]+)">Next page', client.get("/certificates").text)
            .group(1)
            .replace("&amp;", "&")
        )
        assert "ca-100" in second.text and "ca-000" not in second.text
