"""The server's own TLS: its certificate (made once, self-signed, kept in the data dir) and
the protocol versions and suites both HTTP servers offer."""

from __future__ import annotations

import ipaddress
import os
import socket
import ssl
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

#: TLS 1.2's suites: an ECDHE key exchange and an AEAD cipher only (AES-GCM, ChaCha20-Poly1305),
#: the ones rustls offers under granian; TLS 1.3's own suites are all AEAD. No CBC, no RSA key
#: exchange, no DHE: both servers offer the same, from TLS 1.2 up, as ONTAP does.
TLS12_CIPHERS = "ECDHE+AESGCM:ECDHE+CHACHA20"
MINIMUM_VERSION = ssl.TLSVersion.TLSv1_2


def harden(context: ssl.SSLContext) -> ssl.SSLContext:
    """`context` limited to TLS 1.2 and up and to the suites above."""
    context.minimum_version = MINIMUM_VERSION
    context.set_ciphers(TLS12_CIPHERS)
    return context


def uvicorn_context(config: object, default: Callable[[], ssl.SSLContext]) -> ssl.SSLContext:
    """uvicorn's `ssl_context_factory`: its context (the certificate and key), hardened,
    asking for a client certificate (certificate login: ontap_ipsec.client_certs)."""
    from ontap_ipsec.client_certs import request_client_certificates

    return request_client_certificates(harden(default()))


def ensure_self_signed(directory: Path) -> tuple[Path, Path]:
    """Return (cert, key) paths, creating a self-signed pair on first use."""
    cert_path = directory / "server.crt"
    key_path = directory / "server.key"
    if cert_path.exists() and key_path.exists():
        return cert_path, key_path  # the usual start: cryptography is not even imported
    directory.mkdir(parents=True, exist_ok=True)
    _generate(cert_path, key_path)
    return cert_path, key_path


def _generate(cert_path: Path, key_path: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    host = socket.gethostname()
    names: list[x509.GeneralName] = [
        x509.DNSName("localhost"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        x509.IPAddress(ipaddress.ip_address("::1")),
    ]
    if host and host != "localhost":
        names.append(x509.DNSName(host))
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host or "localhost")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=825))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    key_bytes = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    _write_private(key_path, key_bytes)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def _write_private(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)
