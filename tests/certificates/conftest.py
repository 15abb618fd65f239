"""Fixtures and helpers of the /api/security/certificates tests.

Every certificate here is real: built with ``cryptography`` in the test session
(keys cached by tests/certs.py, so RSA 4096 is generated once), installed
through the API, and every field the service returns is compared with what
``cryptography`` itself reads from the same certificate.

``any_app`` / ``any_client`` run a test on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import functools
import types
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ontap_ipsec.app import OntapApp
from ontap_ipsec.domain import pki
from ontap_ipsec.inprocess import client as inprocess_client
from tests import certs
from tests.conftest import AUTH

CERTS = "/api/security/certificates"
SVMS = "/api/svm/svms"
IPSEC = "/api/security/ipsec/ca-certificates"

# --- apps (`any_app` is tests/conftest.py's) ---------------------------------------


@pytest.fixture
def any_client(any_app: OntapApp) -> Iterator[httpx.Client]:
    with inprocess_client(any_app, auth=AUTH) as c:
        yield c


@pytest.fixture
def reuse_rsa_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """The service's RSA key generation answers from the session's key cache.

    For tests about what a created certificate says, not about its key being new:
    RSA generation is most of their cost. The sizes asked for are honoured.
    """

    def generate_private_key(public_exponent: int, key_size: int) -> certs.PrivateKey:
        assert public_exponent == 65537
        return certs.cached_key(f"rsa{key_size}")  # type: ignore[arg-type]

    shim = types.SimpleNamespace(
        generate_private_key=generate_private_key,
        RSAPublicKey=rsa.RSAPublicKey,
        RSAPrivateKey=rsa.RSAPrivateKey,
    )
    monkeypatch.setattr(pki, "rsa", shim)


# --- requests -----------------------------------------------------------------


def make_svm(api: httpx.Client, name: str) -> str:
    """Create an SVM through the API; its uuid."""
    response = api.post(SVMS, json={"name": name})
    assert response.status_code == 202, response.text
    return response.headers["location"].rsplit("/", 1)[1]


def install(
    api: httpx.Client,
    cert: x509.Certificate,
    cert_type: str,
    *,
    key: certs.PrivateKey | None = None,
    svm: str | None = None,
    name: str | None = None,
    query: str = "",
    **extra: Any,
) -> httpx.Response:
    """POST the PEM of ``cert`` (with its key, SVM and name when given)."""
    body: dict[str, Any] = {"type": cert_type, "public_certificate": certs.pem(cert)}
    if key is not None:
        body["private_key"] = certs.key_pem(key)
    if svm is not None:
        body["svm"] = {"name": svm}
    if name is not None:
        body["name"] = name
    body.update(extra)
    return api.post(CERTS + query, json=body)


def created_uuid(response: httpx.Response) -> str:
    """The uuid of a 201 answer, from its Location header."""
    assert response.status_code == 201, response.text
    location = response.headers["location"]
    prefix = CERTS + "/"
    assert location.startswith(prefix), location
    return location[len(prefix) :]


def installed(api: httpx.Client, cert: x509.Certificate, cert_type: str, **kw: Any) -> str:
    return created_uuid(install(api, cert, cert_type, **kw))


def count(api: httpx.Client) -> int:
    """How many certificates the service holds (all scopes)."""
    response = api.get(CERTS, params={"return_records": "false"})
    assert response.status_code == 200, response.text
    return int(response.json()["num_records"])


def uuids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [r["uuid"] for r in response.json()["records"]]


def error_body(code: str, message: str, target: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"message": message, "code": code}
    if target is not None:
        error["target"] = target
    return {"error": error}


def assert_error(
    response: httpx.Response, status: int, code: str, message: str, target: str | None = None
) -> None:
    """The exact ONTAP error envelope, with its status."""
    assert response.status_code == status, response.text
    assert response.json() == error_body(code, message, target)


# --- what cryptography reads from a certificate ---------------------------------


def hex_colon(data: bytes) -> str:
    return ":".join(f"{b:02X}" for b in data)


def _extension(cert: x509.Certificate, kind: type[x509.ExtensionType]) -> Any:
    try:
        return cert.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None


def cn_of(name: x509.Name) -> str | None:
    attrs = name.get_attributes_for_oid(x509.oid.NameOID.COMMON_NAME)
    return str(attrs[0].value) if attrs else None


def expected_record(
    cert: x509.Certificate,
    *,
    uuid: str,
    name: str,
    cert_type: str,
    svm: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """The full record (`fields=*`) the service must show for ``cert``, read by cryptography."""
    record: dict[str, Any] = {"uuid": uuid, "name": name}
    if svm is not None:
        svm_name, svm_uuid = svm
        record["svm"] = {
            "name": svm_name,
            "uuid": svm_uuid,
            "_links": {"self": {"href": f"{SVMS}/{svm_uuid}"}},
        }
    record["scope"] = "svm" if svm is not None else "cluster"
    record["type"] = cert_type
    common_name = cn_of(cert.subject)
    if common_name is not None:
        record["common_name"] = common_name
    record["serial_number"] = format(cert.serial_number, "X")
    record["ca"] = cn_of(cert.issuer)
    record["expiry_time"] = cert.not_valid_after_utc.isoformat()
    hash_algorithm = cert.signature_hash_algorithm
    if hash_algorithm is not None:
        record["hash_function"] = hash_algorithm.name
    record["key_size"] = cert.public_key().key_size  # type: ignore[union-attr]
    ski = _extension(cert, x509.SubjectKeyIdentifier)
    if ski is not None:
        record["subject_key_identifier"] = hex_colon(ski.digest)
    aki = _extension(cert, x509.AuthorityKeyIdentifier)
    if aki is not None and aki.key_identifier is not None:
        record["authority_key_identifier"] = hex_colon(aki.key_identifier)
    san = _extension(cert, x509.SubjectAlternativeName)
    if san is not None:
        found = {
            "dns": san.get_values_for_type(x509.DNSName),
            "email": san.get_values_for_type(x509.RFC822Name),
            "ip": [str(v) for v in san.get_values_for_type(x509.IPAddress)],
            "uri": san.get_values_for_type(x509.UniformResourceIdentifier),
        }
        record["subject_alternatives"] = {k: v for k, v in found.items() if v}
    record["public_certificate"] = cert.public_bytes(serialization.Encoding.PEM).decode()
    record["_links"] = {"self": {"href": f"{CERTS}/{uuid}"}}
    return record


def default_name(cert: x509.Certificate) -> str:
    return f"{cn_of(cert.subject)}_{cert.serial_number:X}"


# --- the certificates of the suite (built once per session) ----------------------

Pair = tuple[x509.Certificate, certs.PrivateKey]
FULL_SAN = {
    "dns": ["ca.example.com", "*.ca.example.com"],
    "email": ["pki@example.com"],
    "ip": ["192.0.2.7", "2001:db8::7"],
    "uri": ["https://pki.example.com/ca", "urn:example:ca"],
}


@functools.cache
def rsa2048_ca() -> Pair:
    return certs.make_ca("rsa2048", "Suite Root RSA2048", san=FULL_SAN)


@functools.cache
def rsa4096_ca() -> Pair:
    return certs.make_ca("rsa4096", "Suite Root RSA4096", hash_name="sha512")


@functools.cache
def p256_ca() -> Pair:
    return certs.make_ca("p256", "Suite Root P-256", slot=3)


@functools.cache
def p384_ca() -> Pair:
    return certs.make_ca("p384", "Suite Root P-384", hash_name="sha384")


@functools.cache
def intermediate() -> Pair:
    """A CA signed by the RSA 2048 root (AKI is the root's SKI)."""
    return certs.make_ca("p256", "Suite Intermediate", slot=4, issuer=rsa2048_ca())


@functools.cache
def leaf() -> Pair:
    """A server certificate signed by the intermediate."""
    return certs.make_leaf(
        intermediate(),
        "server.example.com",
        san={"dns": ["server.example.com", "www.example.com"], "ip": ["10.1.2.3"]},
    )


@functools.cache
def no_key_ids_ca() -> Pair:
    """A CA without SKI/AKI nor SAN: those fields are absent from its record."""
    return certs.make_ca("p256", "Suite Bare CA", slot=5, key_ids=False)


@functools.cache
def expired_ca() -> Pair:
    now = datetime.now(UTC)
    return certs.make_ca(
        "p256",
        "Suite Expired CA",
        slot=6,
        not_before=now - timedelta(days=30),
        not_after=now - timedelta(days=1),
    )


@functools.cache
def future_ca() -> Pair:
    now = datetime.now(UTC)
    return certs.make_ca(
        "p256",
        "Suite Future CA",
        slot=7,
        not_before=now + timedelta(days=2),
        not_after=now + timedelta(days=30),
    )


@functools.cache
def ed25519_ca() -> Pair:
    return certs.make_ca("ed25519", "Suite Ed25519 CA")


@functools.cache
def dsa_ca() -> Pair:
    return certs.make_ca("dsa", "Suite DSA CA")


def fresh_ca(cn: str, *, slot: int = 8) -> Pair:
    """A new CA certificate (new serial) on a cached P-256 key."""
    return certs.make_ca("p256", cn, slot=slot)
