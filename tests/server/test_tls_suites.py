"""What a TLS client can negotiate with the served server, under uvicorn and granian alike:
TLS 1.2 and 1.3 only, and under TLS 1.2 ECDHE with AES-GCM or ChaCha20-Poly1305 only.

Each suite the client's OpenSSL knows is offered alone. The same client is first shown to
negotiate the refused suites and TLS 1.1 with a plain Python TLS server holding the same
certificate, so a refusal by ontap-ipsec is ontap-ipsec's, not the client's.
"""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.server.process import Server, run_server

# TLS 1.0 and 1.1 are deprecated in Python's ssl: offering them is the point here.
pytestmark = pytest.mark.filterwarnings("ignore:ssl.TLSVersion:DeprecationWarning")
PASSWORD = "tls-suites-pw"
AEAD = {
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-CHACHA20-POLY1305",
}
CBC = ("ECDHE-ECDSA-AES128-SHA256", "ECDHE-ECDSA-AES256-SHA384", "ECDHE-ECDSA-AES128-SHA")


def _client(cipher: str | None = None, version: ssl.TLSVersion | None = None) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
    ctx.maximum_version = version or ssl.TLSVersion.TLSv1_2
    if version is not None:
        ctx.minimum_version = version
    ctx.set_ciphers(f"{cipher or 'ALL'}:@SECLEVEL=0")
    return ctx


def _negotiates(port: int, ctx: ssl.SSLContext) -> tuple[str, str] | None:
    """(cipher, version) the handshake agreed on, or None when it was refused."""
    try:
        with (
            socket.create_connection(("127.0.0.1", port), timeout=5) as raw,
            ctx.wrap_socket(raw) as tls,
        ):
            cipher, version = tls.cipher(), tls.version()
            assert cipher is not None and version is not None
            return cipher[0], version
    except (ssl.SSLError, ConnectionError):
        return None


def _tls12_suites() -> list[str]:
    return sorted(
        {c["name"] for c in _client().get_ciphers() if c["protocol"] != "TLSv1.3"}
    )


@pytest.fixture(scope="module")
def permissive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A Python TLS server offering everything (TLS 1.0 up, every suite), with a
    certificate like ontap-ipsec's: the control."""
    from ontap_ipsec.tls import ensure_self_signed

    cert, key = ensure_self_signed(tmp_path_factory.mktemp("permissive"))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    ctx.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
    ctx.set_ciphers("ALL:@SECLEVEL=0")
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            conn.settimeout(5)
            try:
                with ctx.wrap_socket(conn, server_side=True):
                    pass
            except (ssl.SSLError, OSError):
                conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join(5)
    listener.close()


@pytest.fixture(scope="module", params=["uvicorn", "granian"])
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[
    Server
]:
    data_dir: Path = tmp_path_factory.mktemp(f"tls-{request.param}") / "data"
    workers = "2" if request.param == "uvicorn" else "1"  # uvicorn's workers: a pickled context
    with run_server(
        data_dir, admin_password=PASSWORD, extra_args=("--server", request.param,
                                                       "--workers", workers)
    ) as server:
        yield server


def test_the_control_server_shows_the_client_can_offer_cbc_and_tls11(permissive: int) -> None:
    for name in CBC:
        assert _negotiates(permissive, _client(name)) == (name, "TLSv1.2")
    tls11 = _negotiates(permissive, _client(version=ssl.TLSVersion.TLSv1_1))
    assert tls11 is not None and tls11[1] == "TLSv1.1"


def test_tls12_offers_ecdhe_with_aead_suites_only(served: Server, permissive: int) -> None:
    accepted = set()
    for name in _tls12_suites():
        got = _negotiates(served.port, _client(name))
        if got is not None:
            assert got == (name, "TLSv1.2")
            accepted.add(name)
    print(f"\nTLS 1.2 suites accepted: {sorted(accepted)}")
    assert accepted == AEAD
    assert _negotiates(permissive, _client(CBC[0])) is not None  # the client still offers it


def test_tls13_is_negotiated_by_default(served: Server) -> None:
    ctx = _client(version=None)
    ctx.maximum_version = ssl.TLSVersion.MAXIMUM_SUPPORTED
    got = _negotiates(served.port, ctx)
    assert got is not None and got[1] == "TLSv1.3"
    assert got[0] in {"TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256",
                      "TLS_CHACHA20_POLY1305_SHA256"}


@pytest.mark.parametrize(
    "version", [ssl.TLSVersion.TLSv1_1, ssl.TLSVersion.TLSv1], ids=["tls1.1", "tls1.0"]
)
def test_versions_below_tls12_are_refused(served: Server, version: ssl.TLSVersion) -> None:
    assert _negotiates(served.port, _client(version=version)) is None
