"""Certificates and keys refused before any costly or unsafe use of them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from ontap_ipsec.domain.errors import DomainError
from ontap_ipsec.domain.x509 import load_private_key, parse_certificate
from tests.certs import make_ca, pem

NOW = datetime.now(UTC)


def self_signed(key: object, cn: str = "refused") -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())  # type: ignore[attr-defined]
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
    )
    return builder.sign(key, hashes.SHA256())  # type: ignore[arg-type]


def test_a_self_signed_certificate_whose_signature_does_not_verify_is_refused() -> None:
    cert, _key = make_ca(cn="tampered")
    der = bytearray(cert.public_bytes(serialization.Encoding.DER))
    der[-5] ^= 0xFF  # inside the signature
    tampered = x509.load_der_x509_certificate(bytes(der))
    with pytest.raises(DomainError) as exc:
        parse_certificate(tampered.public_bytes(serialization.Encoding.PEM).decode(), now=NOW)
    assert exc.value.code == "52559975"
    assert "signature does not verify" in exc.value.message
    assert parse_certificate(pem(cert), now=NOW).is_self_signed  # the untouched one is fine


def test_a_p192_key_is_refused() -> None:
    cert = self_signed(ec.generate_private_key(ec.SECP192R1()))
    with pytest.raises(DomainError) as exc:
        parse_certificate(pem(cert), now=NOW)
    assert exc.value.code == "52363366" and "secp192r1" in exc.value.message


def test_a_nul_in_the_subject_is_refused_on_every_database() -> None:
    cert = self_signed(ec.generate_private_key(ec.SECP256R1()), cn="evil\x00.example.com")
    with pytest.raises(DomainError) as exc:
        parse_certificate(pem(cert), now=NOW)
    assert exc.value.code == "52559975"


def test_an_rsa_key_past_8192_bits_is_refused_before_it_is_validated() -> None:
    big = rsa.generate_private_key(65537, 8448)
    text = big.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    with pytest.raises(DomainError) as exc:
        load_private_key(text)
    assert exc.value.code == "52363366" and "8192" in exc.value.message
    assert exc.value.target == "private_key"
    with pytest.raises(DomainError) as cert_exc:
        parse_certificate(pem(self_signed(big)), now=NOW)
    assert cert_exc.value.code == "52363366"
