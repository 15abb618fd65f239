"""What POST /api/security/certificates/{ca.uuid}/sign copies from a CSR (docs/fidelity.md,
"Signing a CSR"): always an end-entity, our key usage, sane names only, a subject required.

Every CSR is built with ``cryptography`` here, as a client would build it, and every signed
certificate is read back with ``cryptography``.
"""

from __future__ import annotations

import ipaddress

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

from tests import certs
from tests.certificates.conftest import CERTS, created_uuid

IPSEC_IKE = ObjectIdentifier("1.3.6.1.5.5.7.3.17")


@pytest.fixture
def signer(api: httpx.Client) -> str:
    return created_uuid(api.post(CERTS, json={"type": "root_ca", "common_name": "policy-ca"}))


def _csr(
    key: str = "p256",
    subject: x509.Name | None = None,
    extensions: list[tuple[x509.ExtensionType, bool]] = (),  # type: ignore[assignment]
) -> str:
    builder = x509.CertificateSigningRequestBuilder().subject_name(
        certs.name("host.example.com") if subject is None else subject
    )
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    own = certs.cached_key(key, 3)  # type: ignore[arg-type]
    return certs.csr_pem(builder.sign(own, hashes.SHA256()))


def _sign(api: httpx.Client, signer: str, csr: str) -> httpx.Response:
    return api.post(f"{CERTS}/{signer}/sign", json={"signing_request": csr})


def _signed(response: httpx.Response) -> x509.Certificate:
    assert response.status_code == 200, response.text
    return x509.load_pem_x509_certificate(response.json()["public_certificate"].encode())


def _refused(response: httpx.Response, words: str) -> None:
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "262185"
    assert error["target"] == "signing_request"
    assert error["message"].startswith('Invalid value for field "signing_request" (')
    assert words in error["message"]


def _san(names: list[x509.GeneralName]) -> tuple[x509.ExtensionType, bool]:
    return x509.SubjectAlternativeName(names), False


# --- always an end-entity --------------------------------------------------------------


def test_a_csr_asking_for_a_ca_is_refused(api: httpx.Client, signer: str) -> None:
    csr = _csr(extensions=[(x509.BasicConstraints(ca=True, path_length=None), True)])
    _refused(_sign(api, signer, csr), "CA:TRUE")


@pytest.mark.parametrize("asked", [None, False], ids=["nothing-asked", "ca-false-asked"])
def test_the_signed_certificate_is_an_end_entity_with_critical_constraints(
    api: httpx.Client, signer: str, asked: bool | None
) -> None:
    wanted = [] if asked is None else [(x509.BasicConstraints(ca=False, path_length=None), False)]
    cert = _signed(_sign(api, signer, _csr(extensions=wanted)))
    constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.value.ca is False
    assert constraints.critical is True


@pytest.mark.parametrize(
    ("key", "enciphers"), [("p256", False), ("rsa2048", True)], ids=["ec", "rsa"]
)
def test_key_usage_is_ours_whatever_the_csr_asks(
    api: httpx.Client, signer: str, key: str, enciphers: bool
) -> None:
    greedy = x509.KeyUsage(
        digital_signature=True, content_commitment=True, key_encipherment=True,
        data_encipherment=True, key_agreement=False, key_cert_sign=True, crl_sign=True,
        encipher_only=False, decipher_only=False,
    )
    cert = _signed(_sign(api, signer, _csr(key, extensions=[(greedy, True)])))
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical is True
    assert usage.value.digital_signature is True
    assert usage.value.key_encipherment is enciphers
    assert usage.value.key_cert_sign is False
    assert usage.value.crl_sign is False
    assert usage.value.content_commitment is False


def test_extensions_the_csr_asks_for_beyond_names_and_purposes_are_not_copied(
    api: httpx.Client, signer: str
) -> None:
    constraints = x509.NameConstraints(
        permitted_subtrees=[x509.DNSName("example.com")], excluded_subtrees=None
    )
    cert = _signed(_sign(api, signer, _csr(extensions=[(constraints, True)])))
    kinds = {type(e.value) for e in cert.extensions}
    assert kinds == {
        x509.BasicConstraints, x509.KeyUsage, x509.SubjectKeyIdentifier,
        x509.AuthorityKeyIdentifier,
    }


# --- extended key usage -----------------------------------------------------------------


def test_sane_purposes_are_copied(api: httpx.Client, signer: str) -> None:
    purposes = [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH, IPSEC_IKE]
    cert = _signed(
        _sign(api, signer, _csr(extensions=[(x509.ExtendedKeyUsage(purposes), False)]))
    )
    assert list(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value) == purposes


@pytest.mark.parametrize(
    "purpose",
    [
        ExtendedKeyUsageOID.OCSP_SIGNING,
        ExtendedKeyUsageOID.CODE_SIGNING,
        ExtendedKeyUsageOID.TIME_STAMPING,
        ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE,
    ],
    ids=["ocsp", "code", "time", "any"],
)
def test_purposes_beyond_an_end_entitys_are_refused(
    api: httpx.Client, signer: str, purpose: ObjectIdentifier
) -> None:
    usage = x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, purpose])
    _refused(_sign(api, signer, _csr(extensions=[(usage, False)])), "extended key usage")


# --- subject alternative names ------------------------------------------------------------


def test_well_formed_names_of_every_kind_are_copied(api: httpx.Client, signer: str) -> None:
    names: list[x509.GeneralName] = [
        x509.DNSName("host.example.com"),
        x509.DNSName("*.svc.example.com"),
        x509.IPAddress(ipaddress.ip_address("10.0.0.7")),
        x509.IPAddress(ipaddress.ip_address("fd00::7")),
        x509.RFC822Name("ops@example.com"),
        x509.UniformResourceIdentifier("https://host.example.com/ipsec"),
    ]
    cert = _signed(_sign(api, signer, _csr(extensions=[_san(names)])))
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    assert list(san.value) == names
    assert san.critical is False


@pytest.mark.parametrize(
    "bad",
    [
        x509.DNSName("*"),
        x509.DNSName("*.com"),
        x509.DNSName("host..example.com"),
        x509.DNSName("-host.example.com"),
        x509.DNSName("host example.com"),
        x509.DNSName("a.*.example.com"),
        x509.IPAddress(ipaddress.ip_network("0.0.0.0/0")),
        x509.IPAddress(ipaddress.ip_network("10.0.0.0/8")),
        x509.IPAddress(ipaddress.ip_address("0.0.0.0")),
        x509.IPAddress(ipaddress.ip_address("::")),
        x509.RFC822Name("nobody"),
        x509.RFC822Name("@example.com"),
        x509.UniformResourceIdentifier("no-scheme"),
        x509.UniformResourceIdentifier("https://"),
        x509.RegisteredID(ObjectIdentifier("1.2.3.4")),
    ],
    ids=[
        "star", "star-tld", "empty-label", "hyphen", "space", "inner-star", "any-network",
        "network", "v4-unspecified", "v6-unspecified", "mail-no-at", "mail-no-local",
        "uri-no-scheme", "uri-no-host", "registered-id",
    ],
)
def test_names_no_end_entity_should_carry_are_refused(
    api: httpx.Client, signer: str, bad: x509.GeneralName
) -> None:
    csr = _csr(extensions=[_san([x509.DNSName("host.example.com"), bad])])
    response = _sign(api, signer, csr)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "262185"
    assert response.json()["error"]["target"] == "signing_request"


# --- the subject ----------------------------------------------------------------------------


@pytest.mark.parametrize("with_san", [False, True], ids=["no-san", "with-san"])
def test_an_empty_subject_is_refused(api: httpx.Client, signer: str, with_san: bool) -> None:
    wanted = [_san([x509.DNSName("host.example.com")])] if with_san else []
    _refused(_sign(api, signer, _csr(subject=x509.Name([]), extensions=wanted)), "subject")


def test_a_subject_without_common_name_is_signed_as_it_is(
    api: httpx.Client, signer: str
) -> None:
    subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Lab")])
    cert = _signed(_sign(api, signer, _csr(subject=subject)))
    assert cert.subject == subject
