"""The served server's bounds on a request, under uvicorn and granian: credentials before a
body, a body's deadline (--body-timeout), the header phase's (--header-timeout), and the
connections served at once (--max-connections).

Raw TLS sockets, so that a test can send exactly the bytes, and as slowly, as it wants.
"""

from __future__ import annotations

import base64
import json
import socket
import ssl
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ontap_ipsec.config import Settings
from tests.server.process import Server, run_server

PASSWORD = "limits-pw"
TIMEOUT = 1.0  # --body-timeout and --header-timeout of the servers here
GOOD = base64.b64encode(f"admin:{PASSWORD}".encode()).decode()
BAD = base64.b64encode(b"admin:wrong").decode()
_CTX = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
_CTX.check_hostname = False
_CTX.verify_mode = ssl.CERT_NONE


def connect(server: Server) -> ssl.SSLSocket:
    raw = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    return _CTX.wrap_socket(raw)


def answer(sock: ssl.SSLSocket, wait: float = 10.0) -> tuple[bytes, bool, float]:
    """Everything the server sends within `wait` seconds, whether it then closed, and when
    (seconds from the call) the last byte or the close came."""
    sock.settimeout(wait)
    start, data = time.monotonic(), b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except TimeoutError:
        return data, False, time.monotonic() - start
    except (ConnectionError, ssl.SSLError):
        pass
    return data, True, time.monotonic() - start


def one_response(sock: ssl.SSLSocket) -> bytes:
    """One whole response (by its Content-Length) of a keep-alive connection."""
    sock.settimeout(5)
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    top, _, body = data.partition(b"\r\n\r\n")
    length = next(int(line.split(b":")[1]) for line in top.lower().split(b"\r\n")
                  if line.startswith(b"content-length:"))
    while len(body) < length:
        body += sock.recv(65536)
    return top + b"\r\n\r\n" + body


def status_and_error(data: bytes) -> tuple[int, dict[str, str]]:
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)["error"]


def _kind(server: Server) -> str:
    return "granian" if "limits-granian" in str(server.data_dir) else "uvicorn"


def head(method: str, path: str, auth: str | None, *extra: str) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    if auth is not None:
        lines.append(f"Authorization: Basic {auth}")
    lines += extra
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


@pytest.fixture(scope="module", params=["uvicorn", "granian"])
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[
    Server
]:
    data_dir: Path = tmp_path_factory.mktemp(f"limits-{request.param}") / "data"
    args = ("--server", request.param, "--workers", "1", "--body-timeout", str(TIMEOUT),
            "--header-timeout", str(TIMEOUT), "--max-connections", "8")
    with run_server(data_dir, admin_password=PASSWORD, extra_args=args) as server:
        yield server


def test_bad_credentials_are_answered_401_before_any_body_byte(served: Server) -> None:
    with connect(served) as sock:
        sock.sendall(head("POST", "/api/svm/svms", BAD, "Content-Type: application/json",
                          "Content-Length: 1000000"))  # and never a byte of it
        data, closed, took = answer(sock)
    status, error = status_and_error(data)
    assert (status, error["code"]) == (401, "6")
    assert closed and took < TIMEOUT  # not the body's deadline: nothing of it was awaited
    assert b"connection: close" in data.lower()


def test_no_credentials_with_expect_100_continue_get_401_and_no_100(served: Server) -> None:
    with connect(served) as sock:
        sock.sendall(head("POST", "/api/svm/svms", None, "Content-Length: 64",
                          "Expect: 100-continue"))
        data, closed, _ = answer(sock)
    assert data.startswith(b"HTTP/1.1 401"), data[:80]
    assert b"100 Continue" not in data


def test_good_credentials_and_a_whole_body_are_served(served: Server) -> None:
    body = b'{"name": "limits-vs"}'
    with connect(served) as sock:
        sock.sendall(head("POST", "/api/svm/svms?return_timeout=10", GOOD,
                          "Content-Type: application/json", f"Content-Length: {len(body)}"))
        sock.sendall(body)
        data, _, _ = answer(sock, wait=3)
    assert data.split()[1] in (b"201", b"202"), data[:200]


def test_a_body_not_whole_within_its_deadline_is_408_and_closed(served: Server) -> None:
    with served.client(auth=("admin", PASSWORD)) as client:
        before = client.get("/api/svm/svms").json()["num_records"]
    with connect(served) as sock:
        sock.sendall(head("POST", "/api/svm/svms", GOOD, "Content-Type: application/json",
                          "Content-Length: 100") + b'{"na')
        data, closed, took = answer(sock)
    status, error = status_and_error(data)
    assert status == 408 and error["code"] == "2"
    assert "not received within" in error["message"]
    assert closed and TIMEOUT * 0.9 <= took < TIMEOUT + 3
    with served.client(auth=("admin", PASSWORD)) as client:  # nothing was made of it
        assert client.get("/api/svm/svms").json()["num_records"] == before


def test_an_idle_connection_is_closed_after_the_header_timeout(served: Server) -> None:
    with connect(served) as sock:
        data, closed, took = answer(sock)
    assert data == b"" and closed and took < TIMEOUT + 3


def test_headers_trickled_in_are_cut_at_the_header_timeout(served: Server) -> None:
    with connect(served) as sock:
        sock.sendall(b"GET /api/cluster HTTP/1.1\r\nHo")
        data, closed, took = answer(sock)
    assert closed and TIMEOUT * 0.9 <= took < TIMEOUT + 3
    if data:  # uvicorn answers what it cut; granian closes without a word
        assert status_and_error(data) == (
            408, {"message": "The request's headers were not received in time.", "code": "2"}
        )


def test_a_keep_alive_connection_serves_again_within_the_timeout(served: Server) -> None:
    with connect(served) as sock:
        for _ in range(3):
            sock.sendall(head("GET", "/api/cluster", GOOD))
            assert one_response(sock).startswith(b"HTTP/1.1 200")
            time.sleep(TIMEOUT / 3)


def test_connections_past_the_cap_get_503_in_the_envelope(served: Server) -> None:
    idle = [connect(served) for _ in range(8)]
    try:
        with connect(served) as sock:
            sock.sendall(head("GET", "/api/cluster", GOOD))
            data, _, _ = answer(sock, wait=TIMEOUT / 2)
    finally:
        for s in idle:
            s.close()
    if _kind(served) == "granian":
        # granian's backpressure makes requests past its share wait, never refused
        assert data.startswith(b"HTTP/1.1 200") or data == b""
        return
    status, error = status_and_error(data)
    assert status == 503 and error["code"] == "262160"
    assert b"retry-after: 1" in data.lower()
    time.sleep(0.2)
    with served.client(auth=("admin", PASSWORD)) as client:  # and served again below it
        assert client.get("/api/cluster").status_code == 200


@pytest.mark.parametrize(
    ("name", "value"),
    [("body_timeout", 0), ("header_timeout", -1), ("body_timeout", float("nan")),
     ("header_timeout", float("inf")), ("max_connections", 0)],
)
def test_settings_refuse_bounds_that_bound_nothing(name: str, value: float) -> None:
    with pytest.raises(ValueError, match=name.replace("_", "-")):
        Settings(**{name: value})  # type: ignore[arg-type]


def test_bounds_come_from_the_environment() -> None:
    settings = Settings.from_env(
        {"ONTAP_IPSEC_BODY_TIMEOUT": "2.5", "ONTAP_IPSEC_HEADER_TIMEOUT": "3",
         "ONTAP_IPSEC_MAX_CONNECTIONS": "100"}
    )
    assert (settings.body_timeout, settings.header_timeout, settings.max_connections) == (
        2.5, 3.0, 100
    )
