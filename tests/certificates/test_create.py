"""Creating self-signed certificates (POST without public_certificate).

The clock of the app is pinned to a whole second so that expiry times can be
checked exactly; every created certificate is parsed back with ``cryptography``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from ontap_ipsec.app import OntapApp
from ontap_ipsec.domain.x509 import add_months
from tests.certificates.conftest import (
    CERTS,
    assert_error,
    count,
    created_uuid,
    expected_record,
    make_svm,
)

NOW = datetime.now(UTC).replace(microsecond=0)
# a date-time expiry: midnight UTC two years on (always within the 1 day to 10 years allowed)
LATER = (NOW + timedelta(days=730)).replace(hour=0, minute=0, second=0)
SHORT_OF_TEN_YEARS = add_months(NOW, 120) - timedelta(days=1)


@pytest.fixture
def clocked_fresh_keys(app: OntapApp, api: httpx.Client) -> httpx.Client:
    """The app on a pinned clock, generating a new RSA key for each create."""
    app.ctx.now = lambda: NOW
    return api


@pytest.fixture
def clocked(clocked_fresh_keys: httpx.Client, reuse_rsa_keys: None) -> httpx.Client:
    """The app on a pinned clock, its RSA keys taken from the session's cache."""
    return clocked_fresh_keys


def create(api: httpx.Client, **body: Any) -> tuple[str, x509.Certificate, dict[str, Any]]:
    """POST a create; the uuid, the certificate as cryptography reads it, and its record."""
    response = api.post(CERTS, json=body)
    uuid = created_uuid(response)
    record = api.get(f"{CERTS}/{uuid}").json()
    cert = x509.load_pem_x509_certificate(record["public_certificate"].encode())
    return uuid, cert, record


def basic_constraints(cert: x509.Certificate) -> x509.BasicConstraints:
    return cert.extensions.get_extension_for_class(x509.BasicConstraints).value


def test_create_with_defaults_is_rsa2048_sha256_for_365_days(clocked: httpx.Client) -> None:
    uuid, cert, record = create(clocked, type="root_ca", common_name="made-here")
    key = cert.public_key()
    assert isinstance(key, rsa.RSAPublicKey) and key.key_size == 2048
    assert cert.signature_hash_algorithm is not None
    assert cert.signature_hash_algorithm.name == "sha256"
    assert cert.not_valid_after_utc == NOW + timedelta(days=365)
    assert cert.not_valid_before_utc <= NOW
    assert cert.subject == cert.issuer
    assert cert.subject.rfc4514_string() == "CN=made-here"
    cert.verify_directly_issued_by(cert)  # self-signed, and the signature holds
    assert record == expected_record(
        cert, uuid=uuid, name=f"made-here_{cert.serial_number:X}", cert_type="root_ca"
    )
    assert (record["key_size"], record["hash_function"]) == (2048, "sha256")
    assert record["expiry_time"] == (NOW + timedelta(days=365)).isoformat()


@pytest.mark.parametrize("cert_type", ["root_ca", "server_ca", "client_ca"])
def test_created_ca_types_are_ca_true(clocked: httpx.Client, cert_type: str) -> None:
    _, cert, _ = create(clocked, type=cert_type, common_name=f"made-{cert_type}")
    assert basic_constraints(cert).ca is True
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.key_cert_sign is True


@pytest.mark.parametrize("cert_type", ["server", "client"])
def test_created_server_and_client_are_ca_false_and_name_their_cn_in_the_san(
    clocked: httpx.Client, cert_type: str
) -> None:
    uuid, cert, record = create(clocked, type=cert_type, common_name="host.example.com")
    assert basic_constraints(cert).ca is False
    assert record["subject_alternatives"] == {"dns": ["host.example.com"]}
    assert record == expected_record(
        cert, uuid=uuid, name=f"host.example.com_{cert.serial_number:X}", cert_type=cert_type
    )


@pytest.mark.parametrize("key_size", [3072, 4096])
def test_create_with_a_larger_key_size(clocked: httpx.Client, key_size: int) -> None:
    _, cert, record = create(clocked, type="root_ca", common_name="big", key_size=key_size)
    assert cert.public_key().key_size == key_size  # type: ignore[union-attr]
    assert record["key_size"] == key_size


@pytest.mark.parametrize("key_size", [512, 1024, 1536, 8192])
def test_unsupported_key_size_is_400_3735700(clocked: httpx.Client, key_size: int) -> None:
    response = clocked.post(
        CERTS, json={"type": "root_ca", "common_name": "small", "key_size": key_size}
    )
    assert_error(response, 400, "3735700", "The specified key size is not supported.", "key_size")
    assert count(clocked) == 0


@pytest.mark.parametrize("hash_function", ["sha224", "sha384", "sha512"])
def test_create_with_a_hash_function(clocked: httpx.Client, hash_function: str) -> None:
    _, cert, record = create(
        clocked, type="root_ca", common_name="hashed", hash_function=hash_function
    )
    assert cert.signature_hash_algorithm is not None
    assert cert.signature_hash_algorithm.name == hash_function
    assert record["hash_function"] == hash_function


@pytest.mark.parametrize("hash_function", ["md5", "sha1"])
def test_weak_hash_function_is_400_52560173(clocked: httpx.Client, hash_function: str) -> None:
    response = clocked.post(
        CERTS, json={"type": "root_ca", "common_name": "weak", "hash_function": hash_function}
    )
    assert_error(
        response,
        400,
        "52560173",
        "The hash function is not supported for digital signatures.",
        "hash_function",
    )
    assert count(clocked) == 0


@pytest.mark.parametrize(
    ("expiry", "expected"),
    [
        ("P30D", NOW + timedelta(days=30)),
        ("P1D", NOW + timedelta(days=1)),
        ("PT24H", NOW + timedelta(days=1)),
        ("P2Y", add_months(NOW, 24)),
        ("P1M", add_months(NOW, 1)),
        ("P2W", NOW + timedelta(days=14)),
        ("P3650D", NOW + timedelta(days=3650)),
        ("P365DT", NOW + timedelta(days=365)),
        (f"{LATER:%Y-%m-%d}T00:00:00Z", LATER),
        (f"{LATER:%Y-%m-%d}T02:00:00+02:00", LATER),
        # ten calendar years hold at least two leap days
        ("P3652D", NOW + timedelta(days=3652)),
        ("P10Y", add_months(NOW, 120)),
        (SHORT_OF_TEN_YEARS.isoformat(), SHORT_OF_TEN_YEARS),
    ],
    ids=[
        "P30D", "P1D", "PT24H", "P2Y", "P1M", "P2W", "P3650D", "P365DT", "date-Z", "date+02:00",
        "P3652D", "P10Y", "ten-years-less-a-day",
    ],
)
def test_expiry_time_as_duration_or_date_time(
    clocked: httpx.Client, expiry: str, expected: datetime
) -> None:
    _, cert, record = create(clocked, type="root_ca", common_name="dated", expiry_time=expiry)
    assert cert.not_valid_after_utc == expected
    assert record["expiry_time"] == expected.isoformat()


@pytest.mark.parametrize(
    "expiry", ["PT23H", "P0D", "PT1S", "P3654D", "P11Y", "P10Y1D", "2020-01-01T00:00:00Z"]
)
def test_expiry_outside_one_day_to_ten_years_is_400_262185(
    clocked: httpx.Client, expiry: str
) -> None:
    response = clocked.post(
        CERTS, json={"type": "root_ca", "common_name": "x", "expiry_time": expiry}
    )
    assert_error(
        response,
        400,
        "262185",
        f'"{expiry}" is an invalid value for field "expiry_time" '
        "(must be between 1 day and 10 years)",
        "expiry_time",
    )
    assert count(clocked) == 0


@pytest.mark.parametrize("expiry", ["tomorrow", "P", "PXD", "2030-13-01T00:00:00Z", "P1.5D"])
def test_unreadable_expiry_is_400_262185(clocked: httpx.Client, expiry: str) -> None:
    response = clocked.post(
        CERTS, json={"type": "root_ca", "common_name": "x", "expiry_time": expiry}
    )
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert (error["code"], error["target"]) == ("262185", "expiry_time")
    assert error["message"].startswith(f'"{expiry}" is an invalid value for field "expiry_time"')
    assert count(clocked) == 0


def test_create_without_common_name_is_400_262212(clocked: httpx.Client) -> None:
    response = clocked.post(CERTS, json={"type": "root_ca"})
    assert_error(
        response, 400, "262212", 'Request is missing required value: "common_name".', "common_name"
    )
    assert count(clocked) == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [("private_key", "-----BEGIN PRIVATE KEY-----\nAA==\n-----END PRIVATE KEY-----\n")],
)
def test_private_key_without_public_certificate_is_400_262186(
    clocked: httpx.Client, field: str, value: str
) -> None:
    response = clocked.post(CERTS, json={"type": "server", "common_name": "x", field: value})
    assert_error(
        response,
        400,
        "262186",
        f'Field "{field}" can only be given with "public_certificate".',
        field,
    )
    assert count(clocked) == 0


def test_create_in_an_svm_and_with_a_name(clocked: httpx.Client) -> None:
    svm_uuid = make_svm(clocked, "vs1")
    uuid, cert, record = create(
        clocked, type="root_ca", common_name="svm-ca", svm={"uuid": svm_uuid}, name="svm-ca"
    )
    assert record == expected_record(
        cert, uuid=uuid, name="svm-ca", cert_type="root_ca", svm=("vs1", svm_uuid)
    )


def test_each_create_makes_a_new_key_and_serial(clocked_fresh_keys: httpx.Client) -> None:
    api = clocked_fresh_keys
    _, first, _ = create(api, type="root_ca", common_name="twin")
    _, second, _ = create(api, type="root_ca", common_name="twin")
    assert first.serial_number != second.serial_number
    assert first.public_key() != second.public_key()
    assert count(api) == 2


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [("key_size", 0, "3735700"), ("expiry_time", "", "262185")],
)
def test_falsy_values_are_refused_not_taken_for_the_default(
    clocked: httpx.Client, field: str, value: Any, code: str
) -> None:
    """0 is not a supported key size and "" is not a duration: neither means "use the default"."""
    response = clocked.post(CERTS, json={"type": "root_ca", "common_name": "x", field: value})
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert (error["code"], error["target"]) == (code, field)
    assert count(clocked) == 0
