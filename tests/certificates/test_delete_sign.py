"""DELETE /api/security/certificates/{uuid} and POST /api/security/certificates/{uuid}/sign."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from sqlalchemy.exc import IntegrityError

from ontap_ipsec.app import OntapApp
from ontap_ipsec.store.tables import certificates as certificates_table
from ontap_ipsec.store.tables import ipsec_ca_certificates
from tests import certs
from tests.certificates.conftest import (
    CERTS,
    IPSEC,
    assert_error,
    count,
    created_uuid,
    hex_colon,
    installed,
    leaf,
    make_svm,
    p256_ca,
    p384_ca,
    rsa2048_ca,
)

IN_USE_MESSAGE = (
    "The certificate could not be removed due to being in use by one or more subsystems."
)
CANNOT_SIGN = (
    "Only a root_ca certificate whose private key is installed can sign a "
    "certificate signing request."
)
NOW = datetime.now(UTC).replace(microsecond=0)

# --- DELETE -------------------------------------------------------------------------------


def test_delete_answers_200_empty_and_the_certificate_is_gone(api: httpx.Client) -> None:
    uuid = installed(api, p256_ca()[0], "server_ca")
    keep = installed(api, p384_ca()[0], "server_ca")
    response = api.delete(f"{CERTS}/{uuid}")
    assert response.status_code == 200, response.text
    assert response.json() == {}
    assert_error(api.get(f"{CERTS}/{uuid}"), 404, "4", "entry doesn't exist", "uuid")
    assert api.get(f"{CERTS}/{keep}").status_code == 200
    assert count(api) == 1


def test_delete_with_the_empty_json_body_netapp_ontap_sends(api: httpx.Client) -> None:
    uuid = installed(api, p256_ca()[0], "server_ca")
    response = api.request(
        "DELETE", f"{CERTS}/{uuid}", content=b"{}", headers={"content-type": "application/json"}
    )
    assert response.status_code == 200, response.text
    assert count(api) == 0


def test_delete_frees_the_certificate_and_the_name_for_a_new_install(api: httpx.Client) -> None:
    cert = p256_ca()[0]
    uuid = installed(api, cert, "server_ca", name="again")
    assert api.delete(f"{CERTS}/{uuid}").status_code == 200
    again = installed(api, cert, "server_ca", name="again")
    assert again != uuid


def test_delete_removes_the_san_rows_used_by_filters(api: httpx.Client) -> None:
    uuid = installed(api, rsa2048_ca()[0], "server_ca")
    assert api.delete(f"{CERTS}/{uuid}").status_code == 200
    response = api.get(CERTS, params={"subject_alternatives.dns": "ca.example.com"})
    assert response.json()["num_records"] == 0


@pytest.mark.parametrize("uuid", ["00000000-0000-0000-0000-000000000000", "not-a-uuid"])
def test_delete_of_unknown_uuid_is_404_code_4(api: httpx.Client, uuid: str) -> None:
    installed(api, p256_ca()[0], "server_ca")
    assert_error(api.delete(f"{CERTS}/{uuid}"), 404, "4", "entry doesn't exist", "uuid")
    assert count(api) == 1


def test_delete_twice_is_404_the_second_time(api: httpx.Client) -> None:
    uuid = installed(api, p256_ca()[0], "server_ca")
    assert api.delete(f"{CERTS}/{uuid}").status_code == 200
    assert_error(api.delete(f"{CERTS}/{uuid}"), 404, "4", "entry doesn't exist", "uuid")


def _add_to_ipsec(api: httpx.Client, uuid: str, svm: str | None = None) -> None:
    body: dict[str, Any] = {"certificate": {"uuid": uuid}}
    if svm is not None:
        body["svm"] = {"name": svm}
    response = api.post(IPSEC, json=body)
    assert response.status_code == 201, response.text


@pytest.mark.parametrize("svm", [None, "vs1"], ids=["cluster", "svm"])
def test_delete_of_a_certificate_listed_in_ipsec_is_400_52560272(
    any_client: httpx.Client, svm: str | None
) -> None:
    api = any_client
    make_svm(api, "vs1")
    uuid = installed(api, p256_ca()[0], "server_ca", svm=svm)
    _add_to_ipsec(api, uuid, svm)
    assert_error(api.delete(f"{CERTS}/{uuid}"), 400, "52560272", IN_USE_MESSAGE, "uuid")
    assert api.get(f"{CERTS}/{uuid}").status_code == 200
    assert count(api) == 1
    # Once IPsec lets go, the delete goes through.
    assert api.delete(f"{IPSEC}/{uuid}").status_code == 200
    assert api.delete(f"{CERTS}/{uuid}").status_code == 200
    assert count(api) == 0


def test_database_refuses_to_delete_a_certificate_row_ipsec_lists(
    any_app: OntapApp, any_client: httpx.Client
) -> None:
    svm_uuid = make_svm(any_client, "vs1")
    uuid = installed(any_client, p256_ca()[0], "server_ca", svm="vs1")
    with any_app.ctx.store.write() as conn:
        conn.execute(
            ipsec_ca_certificates.insert().values(
                certificate_uuid=uuid,
                svm_uuid=svm_uuid,
                scope_key=svm_uuid,
                is_ca=True,
                created=datetime.now(UTC).replace(tzinfo=None),
            )
        )
    with pytest.raises(IntegrityError), any_app.ctx.store.write() as conn:
        conn.execute(certificates_table.delete().where(certificates_table.c.uuid == uuid))
    # The row written directly counts as IPsec's: the API refuses too.
    assert_error(any_client.delete(f"{CERTS}/{uuid}"), 400, "52560272", IN_USE_MESSAGE, "uuid")
    assert any_client.get(f"{IPSEC}/{uuid}").status_code == 200
    with any_app.ctx.store.read() as conn:
        assert (
            conn.execute(sa.select(sa.func.count()).select_from(certificates_table)).scalar_one()
            == 1
        )


# --- sign ----------------------------------------------------------------------------------


@pytest.fixture
def clocked(app: OntapApp, api: httpx.Client) -> httpx.Client:
    app.ctx.now = lambda: NOW
    return api


def _ca_cert(api: httpx.Client, uuid: str) -> x509.Certificate:
    record = api.get(f"{CERTS}/{uuid}?fields=public_certificate").json()
    return x509.load_pem_x509_certificate(record["public_certificate"].encode())


def _sign(api: httpx.Client, uuid: str, **body: Any) -> httpx.Response:
    return api.post(f"{CERTS}/{uuid}/sign", json=body)


def _signed(response: httpx.Response) -> x509.Certificate:
    assert response.status_code == 200, response.text
    body = response.json()
    assert list(body) == ["public_certificate"]
    return x509.load_pem_x509_certificate(body["public_certificate"].encode())


def _aki(cert: x509.Certificate) -> str:
    aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    assert aki.key_identifier is not None
    return hex_colon(aki.key_identifier)


def _ski(cert: x509.Certificate) -> str:
    return hex_colon(
        cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    )


SAN = {"dns": ["client.example.com", "alt.example.com"], "ip": ["10.9.8.7"]}


def test_created_root_ca_signs_a_csr_with_its_subject_san_expiry_and_hash(
    clocked: httpx.Client,
) -> None:
    ca_uuid = created_uuid(clocked.post(CERTS, json={"type": "root_ca", "common_name": "signer"}))
    ca = _ca_cert(clocked, ca_uuid)
    csr = certs.make_csr("p256", "client.example.com", slot=2, san=SAN)
    response = _sign(
        clocked,
        ca_uuid,
        signing_request=certs.csr_pem(csr),
        expiry_time="P30D",
        hash_function="sha384",
    )
    cert = _signed(response)
    cert.verify_directly_issued_by(ca)
    assert cert.subject == csr.subject
    assert cert.issuer == ca.subject
    assert cert.public_key() == csr.public_key()
    assert (
        cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        == csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    )
    assert isinstance(cert.signature_hash_algorithm, hashes.SHA384)
    assert cert.not_valid_after_utc == NOW + timedelta(days=30)
    assert cert.not_valid_before_utc <= NOW
    assert _aki(cert) == _ski(ca)
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False


@pytest.mark.parametrize("pair", [rsa2048_ca, p384_ca], ids=["rsa2048", "p384"])
def test_installed_root_ca_with_its_key_signs(clocked: httpx.Client, pair: Any) -> None:
    ca, key = pair()
    ca_uuid = installed(clocked, ca, "root_ca", key=key)
    csr = certs.make_csr("rsa2048", "rsa-client", slot=0)
    cert = _signed(_sign(clocked, ca_uuid, signing_request=certs.csr_pem(csr)))
    cert.verify_directly_issued_by(ca)
    assert cert.subject == csr.subject
    assert isinstance(cert.signature_hash_algorithm, hashes.SHA256)  # the default


def test_sign_defaults_to_365_days_clamped_to_the_cas_own_expiry(clocked: httpx.Client) -> None:
    ca_uuid = created_uuid(
        clocked.post(CERTS, json={"type": "root_ca", "common_name": "short", "expiry_time": "P60D"})
    )
    csr = certs.make_csr()
    cert = _signed(_sign(clocked, ca_uuid, signing_request=certs.csr_pem(csr)))
    assert cert.not_valid_after_utc == NOW + timedelta(days=60)
    shorter = _signed(
        _sign(clocked, ca_uuid, signing_request=certs.csr_pem(csr), expiry_time="P7D")
    )
    assert shorter.not_valid_after_utc == NOW + timedelta(days=7)


@pytest.mark.parametrize(
    ("cert_type", "with_key"),
    [("server_ca", False), ("client_ca", False), ("root_ca", False), ("server", True)],
)
def test_sign_with_a_certificate_that_cannot_sign_is_400_code_2(
    api: httpx.Client, cert_type: str, with_key: bool
) -> None:
    cert, key = leaf() if cert_type == "server" else p256_ca()
    uuid = installed(api, cert, cert_type, key=key if with_key else None)
    response = _sign(api, uuid, signing_request=certs.csr_pem(certs.make_csr()))
    assert_error(response, 400, "2", CANNOT_SIGN, "uuid")


@pytest.fixture
def signer(api: httpx.Client) -> str:
    return created_uuid(api.post(CERTS, json={"type": "root_ca", "common_name": "signer"}))


@pytest.mark.parametrize(
    "csr_text",
    [
        "garbage",
        "",
        "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n",
    ],
    ids=["garbage", "empty", "bad-der"],
)
def test_unreadable_csr_is_400_262185(api: httpx.Client, signer: str, csr_text: str) -> None:
    response = _sign(api, signer, signing_request=csr_text)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    if csr_text == "":
        assert error == {
            "message": 'Request is missing required value: "signing_request".',
            "code": "262212",
            "target": "signing_request",
        }
    else:
        assert error == {
            "message": 'Invalid value for field "signing_request"',
            "code": "262185",
            "target": "signing_request",
        }


def test_a_certificate_instead_of_a_csr_is_400(api: httpx.Client, signer: str) -> None:
    response = _sign(api, signer, signing_request=certs.pem(p256_ca()[0]))
    assert_error(
        response, 400, "262185", 'Invalid value for field "signing_request"', "signing_request"
    )


def test_csr_with_a_broken_signature_is_400(api: httpx.Client, signer: str) -> None:
    csr = certs.make_csr("p256", "tampered")
    der = bytearray(csr.public_bytes(serialization.Encoding.DER))
    der[-3] ^= 0x01  # inside the signature
    tampered = x509.load_der_x509_csr(bytes(der))
    response = _sign(api, signer, signing_request=certs.csr_pem(tampered))
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "262185"
    assert response.json()["error"]["target"] == "signing_request"


def test_ed25519_csr_is_400_52363366(api: httpx.Client, signer: str) -> None:
    csr = certs.make_csr("ed25519", "ed")
    assert_error(
        _sign(api, signer, signing_request=certs.csr_pem(csr)),
        400,
        "52363366",
        "Unsupported key type.",
        "signing_request",
    )


def test_sign_without_signing_request_is_400_262212(api: httpx.Client, signer: str) -> None:
    assert_error(
        _sign(api, signer, expiry_time="P30D"),
        400,
        "262212",
        'Request is missing required value: "signing_request".',
        "signing_request",
    )


@pytest.mark.parametrize("hash_function", ["md5", "sha1", "SHA256"])
def test_sign_with_a_hash_outside_netapps_enum_is_400_262185(
    api: httpx.Client, signer: str, hash_function: str
) -> None:
    """NetApp's security_certificate_sign schema: hash_function is one of sha256, sha224,
    sha384, sha512 (the generated bindings of NetApp's Trident repository)."""
    response = _sign(
        api, signer, signing_request=certs.csr_pem(certs.make_csr()), hash_function=hash_function
    )
    assert_error(
        response,
        400,
        "262185",
        f'"{hash_function}" is an invalid value for field "hash_function" '
        "(sha256|sha224|sha384|sha512)",
        "hash_function",
    )


@pytest.mark.parametrize("expiry", ["PT1H", "P11Y"])
def test_sign_with_an_expiry_out_of_range_is_400_3735701(
    api: httpx.Client, signer: str, expiry: str
) -> None:
    response = _sign(
        api, signer, signing_request=certs.csr_pem(certs.make_csr()), expiry_time=expiry
    )
    assert_error(
        response,
        400,
        "3735701",
        f'"{expiry}" is an invalid value for field "expiry_time" '
        "(must be between 1 day and 10 years)",
        "expiry_time",
    )


@pytest.mark.parametrize("expiry", ["P61D", "P1Y"])
def test_sign_with_an_expiry_past_the_cas_is_400_3735630(
    clocked: httpx.Client, expiry: str
) -> None:
    ca_uuid = created_uuid(
        clocked.post(CERTS, json={"type": "root_ca", "common_name": "short", "expiry_time": "P60D"})
    )
    response = _sign(
        clocked, ca_uuid, signing_request=certs.csr_pem(certs.make_csr()), expiry_time=expiry
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "3735630"
    assert response.json()["error"]["target"] == "expiry_time"
    # the CA's own expiry exactly is still within it
    _signed(_sign(clocked, ca_uuid, signing_request=certs.csr_pem(certs.make_csr()),
                  expiry_time="P60D"))


def test_sign_of_a_csr_with_the_cas_common_name_is_400_3735629(api: httpx.Client) -> None:
    ca_uuid = created_uuid(api.post(CERTS, json={"type": "root_ca", "common_name": "same-cn"}))
    response = _sign(api, ca_uuid, signing_request=certs.csr_pem(certs.make_csr(cn="same-cn")))
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "3735629"
    assert response.json()["error"]["target"] == "signing_request"


def test_sign_with_an_unknown_field_is_400_262179(api: httpx.Client, signer: str) -> None:
    response = _sign(api, signer, signing_request=certs.csr_pem(certs.make_csr()), type="server")
    assert_error(response, 400, "262179", 'Unexpected argument "type".')


def test_sign_with_an_unknown_uuid_is_404_code_4(api: httpx.Client) -> None:
    response = _sign(
        api,
        "00000000-0000-0000-0000-000000000000",
        signing_request=certs.csr_pem(certs.make_csr()),
    )
    assert_error(response, 404, "4", "entry doesn't exist", "uuid")


def test_sign_stores_nothing(api: httpx.Client, signer: str) -> None:
    _signed(_sign(api, signer, signing_request=certs.csr_pem(certs.make_csr())))
    assert count(api) == 1
