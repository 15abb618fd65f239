"""POST /api/security/certificate-signing-request: a CSR and its key, nothing stored."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.certificates.conftest import CERTS, count, created_uuid

CSR = "/api/security/certificate-signing-request"


def generated(response: httpx.Response) -> tuple[x509.CertificateSigningRequest, Any]:
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"csr", "generated_private_key"}
    csr = x509.load_pem_x509_csr(body["csr"].encode())
    key = serialization.load_pem_private_key(body["generated_private_key"].encode(), None)
    assert csr.is_signature_valid
    assert csr.public_key().public_numbers() == key.public_key().public_numbers()  # type: ignore[union-attr]
    return csr, key


def test_defaults_rsa_2048_sha256_with_the_subject_as_given(api: httpx.Client) -> None:
    csr, key = generated(api.post(CSR, json={"subject_name": "C=US,O=NTAP,CN=test.domain.com"}))
    assert isinstance(key, rsa.RSAPrivateKey) and key.key_size == 2048
    assert csr.signature_hash_algorithm is not None
    assert csr.signature_hash_algorithm.name == "sha256"
    assert [(a.oid, a.value) for a in csr.subject] == [
        (NameOID.COUNTRY_NAME, "US"),
        (NameOID.ORGANIZATION_NAME, "NTAP"),
        (NameOID.COMMON_NAME, "test.domain.com"),
    ]
    assert count(api) == 0  # nothing is stored


def test_every_documented_field(api: httpx.Client) -> None:
    body = {
        "algorithm": "ec",
        "extended_key_usages": ["serverauth", "clientauth"],
        "hash_function": "sha384",
        "key_usages": ["digitalsignature", "keyagreement"],
        "security_strength": "192",
        "subject_alternatives": {
            "dns": ["*.example.com", "*.example1.com"],
            "email": ["abc@example.com"],
            "ip": ["10.225.34.223"],
            "uri": ["http://example.com"],
        },
        "subject_name": "CN=ec.example.com",
    }
    csr, key = generated(api.post(CSR, json=body))
    assert isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name == "secp384r1"
    names = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["*.example.com", "*.example1.com"]
    usage = csr.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.key_agreement and not usage.key_cert_sign
    extended = csr.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(extended) == [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]


def test_subject_alternatives_alone_are_enough(api: httpx.Client) -> None:
    csr, _ = generated(api.post(CSR, json={"subject_alternatives": {"dns": ["only.example.com"]}}))
    assert list(csr.subject) == []


def test_a_generated_csr_is_signed_by_a_root_ca_here(api: httpx.Client) -> None:
    csr, _ = generated(api.post(CSR, json={"subject_name": "CN=leaf.example.com"}))
    ca = created_uuid(api.post(CERTS, json={"type": "root_ca", "common_name": "csr-ca"}))
    signing_request = csr.public_bytes(serialization.Encoding.PEM).decode()
    response = api.post(f"{CERTS}/{ca}/sign", json={"signing_request": signing_request})
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("body", "code", "target"),
    [
        ({}, "262212", "subject_name"),
        ({"subject_name": "CN=x", "algorithm": "dsa"}, "262185", "algorithm"),
        ({"subject_name": "CN=x", "hash_function": "md5"}, "262185", "hash_function"),
        ({"subject_name": "CN=x", "security_strength": 100}, "262185", "security_strength"),
        ({"subject_name": "CN=x", "security_strength": "lots"}, "262185", "security_strength"),
        ({"subject_name": "nonsense"}, "262185", "subject_name"),
        ({"subject_name": "C=USA,CN=x"}, "262185", "subject_name"),
        ({"subject_name": "CN=x", "key_usages": ["everything"]}, "262185", "key_usages"),
        ({"subject_name": "CN=x", "extended_key_usages": ["x"]}, "262185", "extended_key_usages"),
        ({"subject_alternatives": {"ip": ["not-an-ip"]}}, "262185", "subject_alternatives.ip"),
        ({"subject_name": "CN=x", "csr": "x"}, "262196", "csr"),
        ({"subject_name": "CN=x", "svm": {"name": "vs1"}}, "262179", None),
    ],
)
def test_refusals(api: httpx.Client, body: dict[str, Any], code: str, target: str | None) -> None:
    response = api.post(CSR, json=body)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == code
    assert response.json()["error"].get("target") == target


def test_only_post_is_served(api: httpx.Client) -> None:
    response = api.get(CSR)
    assert response.status_code == 405
    assert response.headers["allow"] == "POST, OPTIONS"
