"""Bad input to POST /api/security/certificates: exact codes, nothing stored, never a 500.

Also the scope rules and the duplicate rules; the duplicate rules rest on the
database's unique constraints, so they run on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import base64
import uuid as uuidlib
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy.exc import IntegrityError

from ontap_ipsec.app import OntapApp
from ontap_ipsec.domain.backends import certificates as certificate_backend
from ontap_ipsec.store.tables import certificates as certificates_table
from tests import certs
from tests.certificates.conftest import (
    CERTS,
    assert_error,
    count,
    created_uuid,
    dsa_ca,
    ed25519_ca,
    expired_ca,
    fresh_ca,
    future_ca,
    install,
    installed,
    intermediate,
    leaf,
    make_svm,
    p256_ca,
    p384_ca,
    rsa2048_ca,
    uuids,
)
from tests.requirements import require

BAD_FORMAT = ("52559975", "Failed to read the certificate due to incorrect formatting.")


def der(cert_pair: Any) -> bytes:
    return cert_pair[0].public_bytes(serialization.Encoding.DER)


def _ca_pem() -> str:
    return certs.pem(p256_ca()[0])


# --- certificates that cannot be read or accepted ----------------------------------------

UNREADABLE: dict[str, Any] = {
    "garbage": lambda: "this is not a certificate",
    "empty": lambda: "",
    "der-as-text": lambda: der(p256_ca()).decode("latin-1"),
    "der-base64-without-armor": lambda: base64.b64encode(der(p256_ca())).decode(),
    "two-pems": lambda: _ca_pem() + certs.pem(p384_ca()[0]),
    "two-pems-same": lambda: _ca_pem() + _ca_pem(),
    "truncated-body": lambda: _ca_pem()[:200] + "\n-----END CERTIFICATE-----\n",
    "bad-base64": lambda: "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
    "csr-instead": lambda: certs.csr_pem(certs.make_csr()),
    "key-instead": lambda: certs.key_pem(p256_ca()[1]),
    "pem-with-text-around": lambda: "subject=CN=x\n" + _ca_pem(),
}


@pytest.mark.parametrize("kind", UNREADABLE)
def test_unreadable_certificate_is_400_52559975_and_stores_nothing(
    api: httpx.Client, kind: str
) -> None:
    body = {"type": "server_ca", "public_certificate": UNREADABLE[kind]()}
    response = api.post(CERTS, json=body)
    assert_error(response, 400, *BAD_FORMAT, "public_certificate")
    assert count(api) == 0


def test_a_pem_with_crlf_line_ends_is_read_and_shown_with_lf(api: httpx.Client) -> None:
    cert = p256_ca()[0]
    body = {"type": "server_ca", "public_certificate": certs.pem(cert).replace("\n", "\r\n")}
    uuid = created_uuid(api.post(CERTS, json=body))
    record = api.get(f"{CERTS}/{uuid}").json()
    assert record["public_certificate"] == certs.pem(cert)


def test_expired_certificate_is_400_52559973(api: httpx.Client) -> None:
    assert_error(
        install(api, expired_ca()[0], "server_ca"),
        400,
        "52559973",
        "The certificate has expired.",
        "public_certificate",
    )
    assert count(api) == 0


def test_not_yet_valid_certificate_is_400_52559972(api: httpx.Client) -> None:
    assert_error(
        install(api, future_ca()[0], "server_ca"),
        400,
        "52559972",
        "The certificates start date is later than the current date.",
        "public_certificate",
    )
    assert count(api) == 0


@pytest.mark.parametrize("pair", [ed25519_ca, dsa_ca], ids=["ed25519", "dsa"])
def test_ed25519_and_dsa_certificates_are_400_52363366(api: httpx.Client, pair: Any) -> None:
    assert_error(
        install(api, pair()[0], "server_ca"),
        400,
        "52363366",
        "Unsupported key type.",
        "public_certificate",
    )
    assert count(api) == 0


@pytest.mark.parametrize(
    "key_text",
    [
        "garbage",
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        certs.encrypted_key_pem(certs.cached_key("p256", 9)),
    ],
    ids=["garbage", "bad-pem", "encrypted"],
)
def test_unreadable_private_key_is_400_52560123(api: httpx.Client, key_text: str) -> None:
    body = {"type": "server", "public_certificate": certs.pem(leaf()[0]), "private_key": key_text}
    assert_error(
        api.post(CERTS, json=body),
        400,
        "52560123",
        "Failed to read the key due to incorrect formatting.",
        "private_key",
    )
    assert count(api) == 0


def test_leaf_key_in_pkcs1_sec1_form_is_accepted(api: httpx.Client) -> None:
    cert, key = leaf()
    body = {
        "type": "server",
        "public_certificate": certs.pem(cert),
        "private_key": certs.key_pem(key, "traditional"),
    }
    created_uuid(api.post(CERTS, json=body))


def test_unreadable_intermediate_is_400_52559975(api: httpx.Client) -> None:
    cert, key = leaf()
    response = install(api, cert, "server", key=key, intermediate_certificates=["garbage"])
    assert_error(response, 400, *BAD_FORMAT, "intermediate_certificates")
    assert count(api) == 0


def test_expired_intermediate_is_400_52559973(api: httpx.Client) -> None:
    cert, key = leaf()
    response = install(
        api, cert, "server", key=key, intermediate_certificates=[certs.pem(expired_ca()[0])]
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "52559973"
    assert count(api) == 0


# --- read-only, unknown and malformed fields -----------------------------------------------


@pytest.mark.parametrize(
    "field", ["uuid", "ca", "subject_key_identifier", "authority_key_identifier"]
)
def test_read_only_field_in_the_body_is_400_262196(api: httpx.Client, field: str) -> None:
    body = {"type": "server_ca", "public_certificate": _ca_pem(), field: "ABCDEF"}
    assert_error(
        api.post(CERTS, json=body),
        400,
        "262196",
        f'Field "{field}" cannot be set in this operation',
        field,
    )
    assert count(api) == 0


def test_serial_number_in_the_body_is_400_3735645(api: httpx.Client) -> None:
    """The code and message ONTAP's POST page documents for the serial."""
    body = {"type": "server_ca", "public_certificate": _ca_pem(), "serial_number": "ABCDEF"}
    assert_error(
        api.post(CERTS, json=body),
        400,
        "3735645",
        "Cannot specify a value for serial. It is generated automatically.",
        "serial_number",
    )
    assert count(api) == 0


def test_subject_alternatives_on_create_are_the_certificates_san(api: httpx.Client) -> None:
    sans = {
        "dns": ["x.example.com", "y.example.com"],
        "email": ["ops@example.com"],
        "ip": ["10.0.0.1", "2001:db8::1"],
        "uri": ["https://x.example.com/"],
    }
    body = {"type": "server", "common_name": "x", "subject_alternatives": sans}
    response = api.post(f"{CERTS}?return_records=true", json=body)
    assert response.status_code == 201, response.text
    uuid = response.json()["records"][0]["uuid"]
    record = api.get(f"{CERTS}/{uuid}?fields=subject_alternatives,public_certificate").json()
    assert record["subject_alternatives"] == sans
    cert = x509.load_pem_x509_certificate(record["public_certificate"].encode())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == sans["dns"]
    found = api.get(CERTS, params={"subject_alternatives.dns": "y.example.com"}).json()
    assert found["num_records"] == 1


@pytest.mark.parametrize(
    ("kind", "value"), [("ip", "10.0.0.300"), ("email", "nobody"), ("uri", "nope"), ("dns", "a b")]
)
def test_unreadable_subject_alternative_is_400_262185(
    api: httpx.Client, kind: str, value: str
) -> None:
    body = {"type": "root_ca", "common_name": "x", "subject_alternatives": {kind: [value]}}
    response = api.post(CERTS, json=body)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "262185"
    assert response.json()["error"]["target"] == f"subject_alternatives.{kind}"
    assert count(api) == 0


@pytest.mark.parametrize("cert_type", ["bogus", "", "SERVER_CA", "ca"])
def test_unknown_type_is_400_3735622(api: httpx.Client, cert_type: str) -> None:
    """The code ONTAP's POST page documents for a type it does not support."""
    body = {"type": cert_type, "public_certificate": _ca_pem()}
    assert_error(
        api.post(CERTS, json=body), 400, "3735622", "The certificate type is not supported.", "type"
    )
    assert count(api) == 0


@pytest.mark.parametrize("field", ["foo", "azure", "_links", "svm.comment"])
def test_unknown_field_is_400_262179(api: httpx.Client, field: str) -> None:
    body = {"type": "root_ca", "common_name": "x", field: "y"}
    assert_error(api.post(CERTS, json=body), 400, "262179", f'Unexpected argument "{field}".')
    assert count(api) == 0


def test_field_given_twice_is_400_262188(api: httpx.Client) -> None:
    make_svm(api, "vs1")
    body = {"type": "root_ca", "common_name": "x", "svm": {"name": "vs1"}, "svm.name": "vs1"}
    assert_error(
        api.post(CERTS, json=body),
        400,
        "262188",
        'Field "svm.name" was specified more than once.',
        "svm.name",
    )
    assert count(api) == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("key_size", "big"),
        ("key_size", 2048.5),
        ("key_size", True),
        ("public_certificate", 5),
        ("intermediate_certificates", "not-a-list"),
        ("svm", "vs1"),
    ],
)
def test_value_of_the_wrong_type_is_400_262185(api: httpx.Client, field: str, value: Any) -> None:
    body = {"type": "root_ca", "common_name": "x", field: value}
    response = api.post(CERTS, json=body)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert (error["code"], error["target"]) == ("262185", field)
    assert count(api) == 0


@pytest.mark.parametrize(
    "raw", [b"{", b"[]", b'"text"', b"null", b"\xff\xfe", b'{"type": "root_ca",}']
)
def test_malformed_json_is_400_262199(api: httpx.Client, raw: bytes) -> None:
    response = api.post(CERTS, content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "262199"
    assert count(api) == 0


# --- scope -----------------------------------------------------------------------------------


def test_svm_uuid_alone_makes_an_svm_scoped_certificate(api: httpx.Client) -> None:
    svm_uuid = make_svm(api, "vs1")
    body = {"type": "server_ca", "public_certificate": _ca_pem(), "svm": {"uuid": svm_uuid}}
    uuid = created_uuid(api.post(CERTS, json=body))
    record = api.get(f"{CERTS}/{uuid}?fields=svm,scope").json()
    assert record["scope"] == "svm"
    assert (record["svm"]["name"], record["svm"]["uuid"]) == ("vs1", svm_uuid)


def test_scope_given_and_agreeing_is_accepted(api: httpx.Client) -> None:
    make_svm(api, "vs1")
    installed(api, p256_ca()[0], "server_ca", scope="cluster")
    installed(api, p256_ca()[0], "server_ca", scope="svm", svm="vs1")
    assert count(api) == 2


def test_unknown_svm_name_is_400_code_2(api: httpx.Client) -> None:
    assert_error(
        install(api, p256_ca()[0], "server_ca", svm="nope"),
        400,
        "2",
        'SVM "nope" does not exist',
        "svm.name",
    )
    assert count(api) == 0


def test_unknown_svm_uuid_is_400_code_2(api: httpx.Client) -> None:
    missing = str(uuidlib.uuid4())
    body = {"type": "server_ca", "public_certificate": _ca_pem(), "svm": {"uuid": missing}}
    assert_error(
        api.post(CERTS, json=body), 400, "2", f'SVM "{missing}" does not exist', "svm.uuid"
    )
    assert count(api) == 0


def test_svm_name_and_uuid_of_different_svms_is_400_262186(api: httpx.Client) -> None:
    make_svm(api, "vs1")
    other = make_svm(api, "vs2")
    body = {
        "type": "server_ca",
        "public_certificate": _ca_pem(),
        "svm": {"name": "vs1", "uuid": other},
    }
    assert_error(
        api.post(CERTS, json=body),
        400,
        "262186",
        f'The SVM named "vs1" does not have UUID "{other}".',
        "svm.uuid",
    )
    assert count(api) == 0


def test_scope_cluster_with_an_svm_is_400_262186(api: httpx.Client) -> None:
    make_svm(api, "vs1")
    assert_error(
        install(api, p256_ca()[0], "server_ca", svm="vs1", scope="cluster"),
        400,
        "262186",
        'Field "scope" is "cluster", but the request names SVM "vs1".',
        "scope",
    )
    assert count(api) == 0


def test_scope_svm_without_an_svm_is_400_262186(api: httpx.Client) -> None:
    assert_error(
        install(api, p256_ca()[0], "server_ca", scope="svm"),
        400,
        "262186",
        'Field "scope" is "svm", but the request names no SVM.',
        "scope",
    )
    assert count(api) == 0


# --- duplicates (the database's constraints; both backends) ----------------------------------


def test_same_certificate_twice_in_one_scope_is_409_target_uuid(any_client: httpx.Client) -> None:
    api = any_client
    make_svm(api, "vs1")
    cert = fresh_ca("Dup CA")[0]
    installed(api, cert, "server_ca", name="first")
    installed(api, cert, "server_ca", name="first", svm="vs1")
    for svm in (None, "vs1"):
        response = install(api, cert, "client_ca", name="second", svm=svm)
        assert_error(response, 409, "1", "duplicate entry", "uuid")
    assert count(api) == 2


def test_same_certificate_in_two_svms_and_the_cluster_is_fine(any_client: httpx.Client) -> None:
    api = any_client
    make_svm(api, "vs1")
    make_svm(api, "vs2")
    cert = rsa2048_ca()[0]
    made = [installed(api, cert, "server_ca", svm=svm) for svm in (None, "vs1", "vs2")]
    assert len(set(made)) == 3
    response = api.get(CERTS, params={"serial_number": f"{cert.serial_number:X}"})
    assert sorted(uuids(response)) == sorted(made)


def test_same_name_twice_in_one_scope_is_409_target_name(any_client: httpx.Client) -> None:
    api = any_client
    make_svm(api, "vs1")
    for svm in (None, "vs1"):
        installed(api, p256_ca()[0], "server_ca", name="taken", svm=svm)
        response = install(api, p384_ca()[0], "server_ca", name="taken", svm=svm)
        assert_error(response, 409, "1", "duplicate entry", "name")
        created = api.post(
            CERTS,
            json={"type": "root_ca", "common_name": "x", "name": "taken"}
            | ({"svm": {"name": svm}} if svm else {}),
        )
        assert_error(created, 409, "1", "duplicate entry", "name")
    assert count(api) == 2


def test_same_name_in_two_svms_and_the_cluster_is_fine(any_client: httpx.Client) -> None:
    api = any_client
    make_svm(api, "vs1")
    make_svm(api, "vs2")
    installed(api, p256_ca()[0], "server_ca", name="shared")
    installed(api, p384_ca()[0], "server_ca", name="shared", svm="vs1")
    installed(api, intermediate()[0], "server_ca", name="shared", svm="vs2")
    response = api.get(CERTS, params={"name": "shared", "fields": "name"})
    assert len(uuids(response)) == 3


def test_a_duplicate_that_slips_past_the_check_is_still_409_uuid(
    any_client: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database's unique constraint decides when two requests race past the check."""
    api = any_client
    cert = fresh_ca("Race CA")[0]
    installed(api, cert, "server_ca", name="first")
    monkeypatch.setattr(certificate_backend, "_refuse_duplicates", lambda *a, **k: None)
    response = install(api, cert, "server_ca", name="second")
    assert_error(response, 409, "1", "duplicate entry", "uuid")
    assert count(api) == 1


def test_a_duplicate_name_that_slips_past_the_check_is_409_target_name(
    any_client: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pins the target for a race on the name (the name's constraint, not the certificate's)."""
    api = any_client
    installed(api, p256_ca()[0], "server_ca", name="taken")
    monkeypatch.setattr(certificate_backend, "_refuse_duplicates", lambda *a, **k: None)
    response = install(api, p384_ca()[0], "server_ca", name="taken")
    assert_error(response, 409, "1", "duplicate entry", "name")
    assert count(api) == 1


def _copy_row(app: OntapApp, uuid: str, **changes: Any) -> None:
    with app.ctx.store.write() as conn:
        row = conn.execute(
            sa.select(certificates_table).where(certificates_table.c.uuid == uuid)
        ).one()
        values = dict(row._mapping) | {"uuid": str(uuidlib.uuid4())} | changes
        conn.execute(certificates_table.insert().values(**values))


def test_database_refuses_a_second_row_of_the_same_certificate_in_a_scope(
    any_app: OntapApp, any_client: httpx.Client
) -> None:
    uuid = installed(any_client, p256_ca()[0], "server_ca", name="one")
    with pytest.raises(IntegrityError):
        _copy_row(any_app, uuid, name="two")
    assert count(any_client) == 1


def test_database_refuses_a_second_row_of_the_same_name_in_a_scope(
    any_app: OntapApp, any_client: httpx.Client
) -> None:
    uuid = installed(any_client, p256_ca()[0], "server_ca", name="one")
    with pytest.raises(IntegrityError):
        _copy_row(any_app, uuid, issuer_serial="other:1")
    _copy_row(any_app, uuid, issuer_serial="other:1", name="two")  # the control: this is fine
    assert count(any_client) == 2


# --- inputs PostgreSQL cannot store must still be 4xx --------------------------------------


@pytest.mark.parametrize(
    "extra",
    [
        {"name": "n" * 256},
        {"name": "a\x00b"},
        {"common_name": "a\x00b"},
        {"svm": {"name": "a\x00b"}},
    ],
    ids=["name-256-chars", "nul-in-name", "nul-in-common-name", "nul-in-svm-name"],
)
def test_names_the_database_cannot_hold_are_4xx_not_500(
    any_client: httpx.Client, extra: dict[str, Any]
) -> None:
    body = {"type": "root_ca", "common_name": "x"} | extra
    response = any_client.post(CERTS, json=body)
    assert 400 <= response.status_code < 500, response.text
    assert set(response.json()["error"]) >= {"code", "message"}
    assert count(any_client) == 0


@pytest.mark.parametrize("query", ["name=a%00b", "svm.name=a%00b", "common_name=%00"])
def test_nul_in_a_filter_is_not_a_500(any_client: httpx.Client, query: str) -> None:
    response = any_client.get(f"{CERTS}?{query}")
    assert response.status_code in (200, 400), response.text
    if response.status_code == 200:
        assert response.json()["num_records"] == 0


def test_nul_in_the_instance_path_is_404(any_client: httpx.Client) -> None:
    response = any_client.get(f"{CERTS}/a%00b")
    assert_error(response, 404, "4", "entry doesn't exist", "uuid")


# --- no input yields a 500 -------------------------------------------------------------------

FIELD_NAMES = [
    "type",
    "name",
    "common_name",
    "public_certificate",
    "private_key",
    "intermediate_certificates",
    "svm",
    "svm.name",
    "svm.uuid",
    "scope",
    "key_size",
    "hash_function",
    "expiry_time",
    "serial_number",
    "subject_alternatives",
    "uuid",
]


def test_random_bodies_never_yield_a_500(app: OntapApp, api: httpx.Client) -> None:
    require("hypothesis", "hypothesis is in the test extra")
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    make_svm(api, "vs1")
    pems = [_ca_pem(), certs.pem(leaf()[0]), certs.pem(expired_ca()[0])]
    scalars = (
        st.none()
        | st.booleans()
        | st.integers(min_value=-(2**70), max_value=2**70)
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text(max_size=40)
        | st.sampled_from(
            [
                *pems,
                "root_ca",
                "server",
                "client_ca",
                "vs1",
                "cluster",
                "svm",
                "sha256",
                "md5",
                "P30D",
                "P0D",
                "2030-01-01T00:00:00Z",
                certs.key_pem(leaf()[1]),
                2048,
                1024,
            ]
        )
    )
    values = st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(st.sampled_from(["name", "uuid", "x"]) | st.text(max_size=5), inner)
        ),
        max_leaves=6,
    )
    bodies = (
        st.dictionaries(st.sampled_from(FIELD_NAMES) | st.text(max_size=12), values, max_size=6)
        | values
    )

    @settings(
        max_examples=100,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(body=bodies)
    def post_anything(body: Any) -> None:
        response = api.post(CERTS, json=body)
        assert response.status_code < 500, (body, response.text)
        if response.status_code >= 400:
            error = response.json()["error"]
            assert isinstance(error["code"], str) and isinstance(error["message"], str)
        else:
            assert response.status_code == 201, response.text
            api.delete(response.headers["location"])

    @settings(max_examples=60, deadline=None, derandomize=True)
    @given(raw=st.binary(max_size=64) | st.text(max_size=64).map(str.encode))
    def post_any_bytes(raw: bytes) -> None:
        response = api.post(CERTS, content=raw, headers={"content-type": "application/json"})
        assert 400 <= response.status_code < 500, (raw, response.text)
        assert set(response.json()["error"]) >= {"code", "message"}

    post_anything()
    post_any_bytes()
    assert count(api) == 0


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (b'"key_size": NaN', "key_size"),
        (b'"key_size": Infinity', "key_size"),
        (b'"key_size": 1e999', "key_size"),
        (b'"expiry_time": NaN', "expiry_time"),
        (b'"name": -Infinity', "name"),
    ],
)
def test_non_standard_json_numbers_are_400_262185(
    api: httpx.Client, raw: bytes, field: str
) -> None:
    body = b'{"type": "root_ca", "common_name": "x", ' + raw + b"}"
    response = api.post(CERTS, content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert (error["code"], error["target"]) == ("262185", field)
    assert count(api) == 0
