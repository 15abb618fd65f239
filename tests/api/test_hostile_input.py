"""Input that used to reach a 500, a traceback or the wrong account: each is ONTAP's
envelope with a 4xx now, in-process and through both HTTP servers."""

from __future__ import annotations

import base64
import os
import socket
import ssl
import stat
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ontap_ipsec.app import OntapApp
from ontap_ipsec.inprocess import client as inprocess_client
from tests.conftest import ADMIN_PASSWORD, AUTH, app_on
from tests.server.process import Server, run_server


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_non_ascii_bytes_in_authorization_are_401_not_500(app: OntapApp) -> None:
    with inprocess_client(app) as anonymous:
        response = anonymous.get("/api/cluster", headers={"authorization": b"Basic \xe9\xe9=="})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "6"


def test_a_password_with_a_nul_after_it_is_not_the_password(app: OntapApp) -> None:
    with inprocess_client(app) as anonymous:
        right = anonymous.get("/api/cluster", headers={"authorization": basic(*AUTH)})
        nul = anonymous.get(
            "/api/cluster", headers={"authorization": basic("admin", ADMIN_PASSWORD + "\0")}
        )
    assert (right.status_code, nul.status_code) == (200, 401)


def test_two_authorization_headers_authenticate_nobody(app: OntapApp) -> None:
    good = basic(*AUTH)
    with inprocess_client(app) as anonymous:
        anonymous.get("/api/cluster", headers={"authorization": good})  # remembered now
        response = anonymous.get(
            "/api/cluster", headers=[("authorization", good), ("authorization", good)]
        )
    assert response.status_code == 401


def test_a_lone_surrogate_in_a_json_string_is_400(api: httpx.Client) -> None:
    response = api.post("/api/svm/svms", content=b'{"name": "vs\\ud800"}')
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "262199"
    paired = api.post("/api/svm/svms", content=b'{"name": "vs\\ud83d\\ude00"}')
    assert paired.json()["error"]["code"] == "262185"  # a real character, a bad SVM name
    assert api.get("/api/svm/svms").json()["num_records"] == 0


@pytest.mark.parametrize(
    "query",
    [
        "max_records=99999999999999999999",
        "key_size=99999999999999999999",
        "key_size=<-99999999999999999999",
    ],
)
def test_integers_past_64_bits_are_400(api: httpx.Client, query: str) -> None:
    response = api.get(f"/api/security/certificates?{query}")
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "262197"


def test_an_integer_past_64_bits_in_a_body_is_400(api: httpx.Client) -> None:
    response = api.post(
        "/api/security/certificates",
        json={"type": "root_ca", "common_name": "big", "key_size": 2**70},
    )
    assert response.status_code == 400
    assert response.json()["error"]["target"] == "key_size"


def test_thousands_of_alternatives_are_the_clients_400_not_a_retryable_503(
    api: httpx.Client,
) -> None:
    alternatives = "|".join(str(i) for i in range(3000))
    for path in (
        f"/api/svm/svms?name={alternatives}",
        f"/api/security/certificates?key_size={alternatives}",
    ):
        response = api.get(path)
        assert response.status_code == 400, response.text
        assert "fewer alternatives" in response.json()["error"]["message"]


def test_the_database_files_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere" / "state.db"
    outside.parent.mkdir()
    with (
        app_on(tmp_path / "data", f"sqlite:///{outside}") as application,
        inprocess_client(application, auth=AUTH) as api,
    ):
        api.post("/api/svm/svms", json={"name": "vs1"})
        api.get("/_ontap-ipsec/ready")
    files = [outside, *outside.parent.glob("state.db-*")]
    assert len(files) >= 2
    for path in files:
        assert stat.S_IMODE(os.stat(path).st_mode) & 0o077 == 0, path


# -- the wire ---------------------------------------------------------------------------


@pytest.fixture(scope="module", params=["granian", "uvicorn"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    data = tmp_path_factory.mktemp(f"hostile-{request.param}") / "data"
    with run_server(
        data, admin_password=ADMIN_PASSWORD, extra_args=("--server", request.param)
    ) as s:
        yield s


def raw(server: Server, request: bytes) -> bytes:
    """Send `request` as written (bytes no HTTP client would send); read to the close."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    chunks = []
    with (
        socket.create_connection(("127.0.0.1", server.port), timeout=10) as plain,
        context.wrap_socket(plain, server_hostname="127.0.0.1") as tls,
    ):
        tls.sendall(request)
        while chunk := tls.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_non_ascii_authorization_on_the_wire(server: Server) -> None:
    answer = raw(
        server,
        b"GET /api/cluster HTTP/1.1\r\nHost: x\r\nAuthorization: Basic \xe9\xe9==\r\n"
        b"Connection: close\r\n\r\n",
    )
    assert answer.startswith(b"HTTP/1.1 401"), answer[:200]
    assert b'"code":"6"' in answer


def test_a_lone_surrogate_on_the_wire(server: Server) -> None:
    body = b'{"name": "vs\\ud800"}'
    auth = basic("admin", ADMIN_PASSWORD).encode()
    answer = raw(
        server,
        b"POST /api/svm/svms HTTP/1.1\r\nHost: x\r\nAuthorization: " + auth + b"\r\n"
        b"Content-Type: application/json\r\nContent-Length: "
        + str(len(body)).encode()
        + b"\r\nConnection: close\r\n\r\n"
        + body,
    )
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
    assert b'"code":"262199"' in answer
