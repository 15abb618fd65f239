"""The real server over sockets: TLS by default, its certificate, limits, first start."""

from __future__ import annotations

import ipaddress
import re
import ssl
import stat
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from tests.server.conftest import HTTPS_PASSWORD, ServerFactory
from tests.server.process import Server

AUTH = ("admin", HTTPS_PASSWORD)
GENERATED = re.compile(r"created account 'admin' with the generated password (\S+)")
MIB = 1024 * 1024


def test_tls_is_on_by_default_and_plain_http_fails(https_server: Server) -> None:
    assert https_server.base_url.startswith("https://")
    with pytest.raises(httpx.TransportError), httpx.Client(timeout=5.0) as plain:
        plain.get(f"http://127.0.0.1:{https_server.port}/api/cluster")


def test_self_signed_certificate_names_localhost_and_loopback(https_server: Server) -> None:
    pem = (https_server.data_dir / "tls" / "server.crt").read_bytes()
    cert = x509.load_pem_x509_certificate(pem)
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in san.get_values_for_type(x509.DNSName)
    assert ipaddress.ip_address("127.0.0.1") in san.get_values_for_type(x509.IPAddress)
    assert cert.issuer == cert.subject


def test_the_served_certificate_is_the_one_in_the_data_dir(https_server: Server) -> None:
    served = ssl.get_server_certificate(("127.0.0.1", https_server.port), timeout=10)
    on_disk = x509.load_pem_x509_certificate(
        (https_server.data_dir / "tls" / "server.crt").read_bytes()
    )
    assert x509.load_pem_x509_certificate(served.encode()).public_bytes(
        serialization.Encoding.DER
    ) == on_disk.public_bytes(serialization.Encoding.DER)


def test_private_key_and_data_dir_are_private(https_server: Server) -> None:
    key = https_server.data_dir / "tls" / "server.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(https_server.data_dir.stat().st_mode) == 0o700


def test_get_cluster_over_https(https_server: Server) -> None:
    with https_server.client(auth=AUTH) as c:
        response = c.get("/api/cluster?fields=version")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/hal+json"
    assert response.json()["version"]["generation"] == 9
    assert response.json()["_links"] == {"self": {"href": "/api/cluster"}}
    assert response.headers.get_list("server") == ["libzapid-httpd"]  # ONTAP's, not granian's


def test_unauthenticated_over_https_is_401(https_server: Server) -> None:
    with https_server.client() as c:
        response = c.get("/api/cluster")
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Basic ")
    assert response.json()["error"]["code"] == "6"


def test_body_over_1_mib_gets_the_413_envelope_over_https(https_server: Server) -> None:
    body = b'{"name": "big"}' + b" " * MIB
    with https_server.client(auth=AUTH) as c:
        response = c.post("/api/svm/svms", content=body)
        assert response.status_code == 413
        assert response.json() == {
            "error": {"message": f"The request body exceeds {MIB} bytes.", "code": "2"}
        }
        assert response.headers["cache-control"] == "no-cache,no-store,must-revalidate"
        # The connection is still usable, and nothing was created.
        assert c.get("/api/svm/svms?name=big").json()["num_records"] == 0


def test_query_of_20_kib_gets_the_414_envelope_over_https(https_server: Server) -> None:
    with https_server.client(auth=AUTH) as c:
        response = c.get("/api/svm/svms?name=" + "x" * (20 * 1024))
    assert response.status_code == 414
    assert response.json() == {
        "error": {"message": "The query string exceeds 16384 bytes.", "code": "2"}
    }


def test_generated_admin_password_is_printed_once_and_works(
    start_server: ServerFactory, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    first = start_server(data_dir, admin_password=None)
    printed = GENERATED.findall(first.output())
    assert len(printed) == 1, first.output()
    password = printed[0]
    with first.client(auth=("admin", password)) as c:
        assert c.get("/api/cluster").status_code == 200
    first.stop()

    second = start_server(data_dir, admin_password=None)
    assert "generated password" not in second.output()
    assert password not in second.output()
    with second.client(auth=("admin", password)) as c:
        assert c.get("/api/cluster").status_code == 200


def test_no_tls_serves_plain_http(start_server: ServerFactory, tmp_path: Path) -> None:
    server = start_server(tmp_path / "data", admin_password="pw", tls=False)
    assert server.base_url.startswith("http://")
    with server.client(auth=("admin", "pw")) as c:
        response = c.get("/api/cluster")
    assert response.status_code == 200
    assert response.json()["name"] == "cluster1"
    with pytest.raises(httpx.TransportError), httpx.Client(verify=False, timeout=5.0) as tls:
        tls.get(f"https://127.0.0.1:{server.port}/api/cluster")
