"""Request targets as clients send them, through each HTTP server `serve` runs.

Repeated slashes (na_ontap_rest_info's next links) reach the app under both servers. Raw
`<`, `>` and `"` in a query (NetApp's docs write `time=>2018-...` unencoded, and curl sends it
so) are parsed as ONTAP's operators under uvicorn, the default; granian's HTTP parser (hyper,
whose URI rules are RFC 3986's) answers them itself with a bare 400 before the app sees the
request, which no setting of granian 2.8.9 changes: docs/fidelity.md says so, and this pins it.
What uvicorn's parser (httptools) refuses by itself is answered in ONTAP's envelope.
"""

from __future__ import annotations

import base64
import json
import socket
from collections.abc import Iterator

import pytest

from tests.server.process import Server, run_server

PASSWORD = "targets-pw"
AUTH = base64.b64encode(f"admin:{PASSWORD}".encode()).decode()


@pytest.fixture(scope="module", params=["granian", "uvicorn"])
def plain(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    data = tmp_path_factory.mktemp(request.param) / "data"
    args = ("--server", request.param, "--workers", "1")
    with run_server(data, admin_password=PASSWORD, tls=False, extra_args=args) as server:
        with server.client(server.auth) as api:
            for name in ("a", "b"):
                assert api.post("/api/svm/svms", json={"name": name}).status_code == 202
            made = api.post("/api/svm/svms", json={"name": "c", "comment": "café"})
            assert made.status_code == 202
        yield server


def raw_get(server: Server, target: str) -> tuple[int, dict[str, str], bytes]:
    """GET `target` byte for byte as given (no client re-encodes it; non-ASCII as UTF-8)."""
    request = (
        f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic {AUTH}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, body


def names(body: bytes) -> list[str]:
    return sorted(r["name"] for r in json.loads(body)["records"])


def server_name(plain: Server) -> str:
    return "granian" if "granian" in plain.data_dir.parent.name else "uvicorn"


@pytest.mark.parametrize("target", ["/api//svm/svms?fields=name", "/api/svm//svms?fields=name"])
def test_repeated_slashes_reach_the_collection(plain: Server, target: str) -> None:
    status, headers, body = raw_get(plain, target)
    assert status == 200, body
    assert names(body) == ["a", "b", "c"]
    assert headers["server"] == "libzapid-httpd"


@pytest.mark.parametrize(
    ("encoded", "expected"),
    [("name=%3Cb", ["a"]), ("name=%3E%3Da", ["a", "b", "c"]), ("name=%22a%22", ["a"])],
)
def test_encoded_operators_are_filters_under_both(
    plain: Server, encoded: str, expected: list[str]
) -> None:
    status, _, body = raw_get(plain, f"/api/svm/svms?{encoded}&fields=name")
    assert status == 200, body
    assert names(body) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [("name=<b", ["a"]), ("name=>=a", ["a", "b", "c"]), ('name="a"', ["a"])],
)
def test_raw_operators(plain: Server, query: str, expected: list[str]) -> None:
    status, headers, body = raw_get(plain, f"/api/svm/svms?{query}&fields=name")
    if server_name(plain) == "uvicorn":
        assert status == 200, body
        assert names(body) == expected
        return
    # granian: hyper refuses the request target itself; documented in docs/fidelity.md
    assert (status, body) == (400, b"")
    assert "server" not in headers


def test_raw_utf8_in_a_query(plain: Server) -> None:
    """curl sends a non-ASCII filter value unencoded: granian passes the UTF-8 on and it
    filters as its %C3%A9 form does; uvicorn's parser (httptools) refuses it by itself, in
    ONTAP's envelope."""
    status, headers, body = raw_get(plain, "/api/svm/svms?comment=café&fields=comment")
    if server_name(plain) == "granian":
        assert status == 200, body
        answer = json.loads(body)
        assert [r["comment"] for r in answer["records"]] == ["café"]
        assert answer["_links"]["self"]["href"] == "/api/svm/svms?comment=caf%C3%A9&fields=comment"
        return
    assert_envelope_refusal(status, headers, body)


def assert_envelope_refusal(status: int, headers: dict[str, str], body: bytes) -> None:
    assert status == 400, body
    assert headers["server"] == "libzapid-httpd"
    assert headers["content-type"] == "application/hal+json"
    assert headers["connection"] == "close"
    assert json.loads(body) == {
        "error": {"message": "Invalid HTTP request received.", "code": "2"}
    }


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"BREW /api/cluster HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
        b"POST /api/svm/svms HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        b"Content-Length: ten\r\n\r\n",
        b"GET /api/cluster HTTP/1.1\r\nHo st: 127.0.0.1\r\nConnection: close\r\n\r\n",
    ],
    ids=["unknown-method", "bad-content-length", "bad-header-name"],
)
def test_malformed_http_under_uvicorn_gets_the_envelope(
    plain: Server, request_bytes: bytes
) -> None:
    with socket.create_connection(("127.0.0.1", plain.port), timeout=10) as sock:
        sock.sendall(request_bytes)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v for k, v in (h.split(": ", 1) for h in lines[1:] if ": " in h)}
    status = int(lines[0].split()[1])
    if server_name(plain) == "granian":  # its own answers, outside the envelope (fidelity.md)
        assert 400 <= status < 500, answer
        return
    assert_envelope_refusal(status, headers, body)
