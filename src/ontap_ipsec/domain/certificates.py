"""What may be installed or created as an ONTAP security certificate, and why not.

The result of :func:`prepare` is the certificate as it will be stored: the
facts ONTAP reads from the PEM, plus the private key (still in clear; the
caller encrypts it before it reaches the database).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ontap_ipsec.domain import pki, x509
from ontap_ipsec.domain.certificate_types import (
    CA_TYPES,
    DEFAULT_EXPIRY,
    DEFAULT_HASH,
    DEFAULT_KEY_SIZE,
    KEYED_TYPES,
    TYPES,
)
from ontap_ipsec.domain.clock import naive_utc as naive_utc
from ontap_ipsec.domain.errors import DomainError

NOT_A_CA = "2"  # no ONTAP code is documented for this; see docs/fidelity.md


@dataclass(frozen=True)
class Prepared:
    info: x509.CertificateInfo
    private_key: str | None
    intermediates: list[str]

    @property
    def issuer_serial(self) -> str:
        """Issuer and serial together identify one certificate."""
        digest = hashlib.sha256(self.info.issuer_der).hexdigest()
        return f"{digest}:{self.info.serial_number}"


def prepare(body: dict[str, Any], *, now: datetime) -> Prepared:
    """Validate a POST body: install the given PEM, or create a self-signed certificate."""
    cert_type = body["type"]
    if cert_type not in TYPES:
        raise DomainError("3735622", "The certificate type is not supported.", target="type")
    if body.get("public_certificate") is not None:
        return _install(body, cert_type, now)
    return _create(body, cert_type, now)


def _install(body: dict[str, Any], cert_type: str, now: datetime) -> Prepared:
    info = x509.parse_certificate(body["public_certificate"], now=now)
    if cert_type in CA_TYPES and not info.is_ca:
        raise DomainError(
            NOT_A_CA,
            f"The certificate is not a CA certificate (its basicConstraints do not say CA:TRUE), "
            f"so it cannot be installed as type {cert_type}.",
            target="type",
        )
    key_pem = body.get("private_key")
    if cert_type in ("client_ca", "server_ca") and key_pem:
        raise DomainError(
            "3735618", "Cannot accept private key for server_ca or client_ca.", target="private_key"
        )
    if cert_type in KEYED_TYPES and not key_pem:
        raise DomainError(
            "3735693",
            "The certificate installation failed as private key was empty.",
            target="private_key",
        )
    key = x509.check_key_matches(info, key_pem) if key_pem else None
    chain = body.get("intermediate_certificates") or []
    if chain and cert_type in ("client_ca", "server_ca"):
        raise DomainError(
            "3735696",
            "Intermediate certificates are not supported with client_ca and server_ca type "
            "certificates.",
            target="intermediate_certificates",
        )
    try:
        intermediates = [c.pem for c in x509.parse_intermediates(chain, now=now)]
    except DomainError as exc:
        raise DomainError(exc.code, exc.message, target="intermediate_certificates") from None
    return Prepared(info, key, intermediates)


def _create(body: dict[str, Any], cert_type: str, now: datetime) -> Prepared:
    common_name = body.get("common_name")
    if not common_name:
        raise DomainError(
            "262212", 'Request is missing required value: "common_name".', target="common_name"
        )
    if body.get("private_key") or body.get("intermediate_certificates"):
        field = "private_key" if body.get("private_key") else "intermediate_certificates"
        raise DomainError(
            "262186", f'Field "{field}" can only be given with "public_certificate".', target=field
        )
    key_size = _given(body, "key_size", DEFAULT_KEY_SIZE)
    hash_function = _given(body, "hash_function", DEFAULT_HASH)
    not_after = x509.parse_expiry(_given(body, "expiry_time", DEFAULT_EXPIRY), now=now)
    cert_pem, key_pem = pki.create_self_signed(
        common_name=common_name,
        key_size=key_size,
        hash_function=hash_function,
        not_after=not_after,
        now=now,
        is_ca=cert_type in CA_TYPES,
        sans=subject_alternatives(body),
    )
    return Prepared(x509.parse_certificate(cert_pem, now=now), key_pem, [])


def subject_alternatives(body: dict[str, Any]) -> dict[str, list[str]]:
    """The body's `subject_alternatives.<kind>` lists, by kind."""
    prefix = "subject_alternatives."
    return {k[len(prefix) :]: v for k, v in body.items() if k.startswith(prefix) and v}


def _given(body: dict[str, Any], field: str, default: Any) -> Any:
    """The value sent, even a falsy one (which the rules then judge); else the default."""
    value = body.get(field)
    return default if value is None else value


def default_name(info: x509.CertificateInfo) -> str:
    """ONTAP names an unnamed certificate `<common name>_<serial>`."""
    return f"{info.common_name or 'certificate'}_{info.serial_number}"
