"""What a certificate's details page shows, read from the PEM the API returned."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes


@dataclass
class CertificateDetails:
    subject: str
    issuer: str
    not_before: datetime
    not_after: datetime
    serial: str
    sha256: str
    sha1: str
    sans: list[tuple[str, str]] = field(default_factory=list)  # (kind, value)
    is_ca: bool | None = None
    self_signed: bool = False


def _colons(data: bytes) -> str:
    return ":".join(f"{b:02X}" for b in data)


def details(pem: str) -> CertificateDetails | None:
    """The details of the first certificate in `pem`, or None if it cannot be read."""
    try:
        cert = x509.load_pem_x509_certificate(pem.encode("ascii", "replace"))
    except ValueError:
        return None
    sans: list[tuple[str, str]] = []
    with contextlib.suppress(x509.ExtensionNotFound, ValueError):
        ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        sans = [_san(name) for name in ext]
    is_ca: bool | None = None
    with contextlib.suppress(x509.ExtensionNotFound, ValueError):
        is_ca = cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    return CertificateDetails(
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        serial=f"{cert.serial_number:X}",
        sha256=_colons(cert.fingerprint(hashes.SHA256())),
        sha1=_colons(cert.fingerprint(hashes.SHA1())),  # noqa: S303 - shown, as ONTAP does
        sans=sans,
        is_ca=is_ca,
        self_signed=cert.subject == cert.issuer,
    )


def _san(name: x509.GeneralName) -> tuple[str, str]:
    if isinstance(name, x509.DNSName):
        return "DNS", name.value
    if isinstance(name, x509.IPAddress):
        return "IP", str(name.value)
    if isinstance(name, x509.RFC822Name):
        return "Email", name.value
    if isinstance(name, x509.UniformResourceIdentifier):
        return "URI", name.value
    return type(name).__name__, str(getattr(name, "value", name))


def parse_time(value: str | None) -> datetime | None:
    """An API date-time (ISO 8601, with or without its zone) as an aware UTC datetime."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
