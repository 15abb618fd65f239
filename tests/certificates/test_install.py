"""Installing certificates: every field read back, the type rules, keys kept secret, GET features.

Each record the service shows is compared, whole, with what ``cryptography``
reads from the very certificate that was installed (see ``expected_record``).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import sqlalchemy as sa

from ontap_ipsec.app import OntapApp
from ontap_ipsec.inprocess import client as inprocess_client
from ontap_ipsec.store.tables import certificates as certificates_table
from tests import certs
from tests.certificates.conftest import (
    CERTS,
    Pair,
    assert_error,
    count,
    created_uuid,
    default_name,
    expected_record,
    install,
    installed,
    intermediate,
    leaf,
    make_svm,
    no_key_ids_ca,
    p256_ca,
    p384_ca,
    rsa2048_ca,
    rsa4096_ca,
)
from tests.conftest import AUTH

CAS: dict[str, Callable[[], Pair]] = {
    "rsa2048": rsa2048_ca,
    "rsa4096": rsa4096_ca,
    "p256": p256_ca,
    "p384": p384_ca,
    "intermediate": intermediate,
    "no-key-ids": no_key_ids_ca,
}


def show(api: httpx.Client, uuid: str, query: str = "") -> dict[str, Any]:
    response = api.get(f"{CERTS}/{uuid}{query}")
    assert response.status_code == 200, response.text
    return response.json()


def collection_record(api: httpx.Client, uuid: str) -> dict[str, Any]:
    response = api.get(CERTS, params={"uuid": uuid, "fields": "*"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["num_records"] == 1, body
    return body["records"][0]


# --- every field, both scopes ---------------------------------------------------------


@pytest.mark.parametrize("kind", CAS)
def test_installed_cluster_ca_shows_every_field_as_cryptography_reads_it(
    api: httpx.Client, kind: str
) -> None:
    cert, _ = CAS[kind]()
    uuid = installed(api, cert, "server_ca")
    expected = expected_record(cert, uuid=uuid, name=default_name(cert), cert_type="server_ca")
    assert "svm" not in expected and expected["scope"] == "cluster"
    assert show(api, uuid) == expected
    assert show(api, uuid, "?fields=*") == expected
    assert collection_record(api, uuid) == expected


@pytest.mark.parametrize("kind", CAS)
def test_installed_svm_ca_shows_every_field_with_its_svm(api: httpx.Client, kind: str) -> None:
    svm_uuid = make_svm(api, "vs1")
    cert, _ = CAS[kind]()
    uuid = installed(api, cert, "client_ca", svm="vs1", name=f"ca-{kind}")
    expected = expected_record(
        cert, uuid=uuid, name=f"ca-{kind}", cert_type="client_ca", svm=("vs1", svm_uuid)
    )
    assert show(api, uuid) == expected
    assert show(api, uuid, "?fields=*") == expected
    assert collection_record(api, uuid) == expected


def test_spot_values_of_the_full_san_ca_are_read_as_expected(api: httpx.Client) -> None:
    """Guards expected_record itself: the values it derives are the right ones."""
    cert, _ = rsa2048_ca()
    record = show(api, installed(api, cert, "server_ca"))
    assert record["key_size"] == 2048
    assert record["hash_function"] == "sha256"
    assert record["ca"] == record["common_name"] == "Suite Root RSA2048"
    assert record["serial_number"] == record["serial_number"].upper()
    assert int(record["serial_number"], 16) == cert.serial_number
    assert record["subject_alternatives"] == {
        "dns": ["ca.example.com", "*.ca.example.com"],
        "email": ["pki@example.com"],
        "ip": ["192.0.2.7", "2001:db8::7"],
        "uri": ["https://pki.example.com/ca", "urn:example:ca"],
    }
    assert record["subject_key_identifier"] == record["authority_key_identifier"]
    assert record["public_certificate"].startswith("-----BEGIN CERTIFICATE-----\n")


def test_intermediate_shows_its_issuer_as_ca_and_the_roots_key_id_as_aki(
    api: httpx.Client,
) -> None:
    root = show(api, installed(api, rsa2048_ca()[0], "server_ca"))
    inter = show(api, installed(api, intermediate()[0], "server_ca"))
    assert inter["ca"] == "Suite Root RSA2048"
    assert inter["authority_key_identifier"] == root["subject_key_identifier"]
    assert inter["subject_key_identifier"] != root["subject_key_identifier"]
    assert (inter["key_size"], inter["hash_function"]) == (256, "sha256")


def test_rsa4096_and_p384_report_their_key_sizes_and_hashes(api: httpx.Client) -> None:
    big = show(api, installed(api, rsa4096_ca()[0], "root_ca"))
    ec = show(api, installed(api, p384_ca()[0], "root_ca"))
    assert (big["key_size"], big["hash_function"]) == (4096, "sha512")
    assert (ec["key_size"], ec["hash_function"]) == (384, "sha384")


@pytest.mark.parametrize("cert_type", ["server", "client"])
def test_leaf_with_its_key_installs_as_server_or_client(api: httpx.Client, cert_type: str) -> None:
    cert, key = leaf()
    uuid = installed(api, cert, cert_type, key=key)
    expected = expected_record(cert, uuid=uuid, name=default_name(cert), cert_type=cert_type)
    assert expected["ca"] == "Suite Intermediate"
    assert show(api, uuid) == expected


@pytest.mark.parametrize("cert_type", ["server", "client", "root_ca"])
def test_intermediate_certificates_are_accepted_for_server_client_and_root_ca(
    api: httpx.Client, cert_type: str
) -> None:
    if cert_type == "root_ca":
        cert, key = rsa2048_ca()
    else:
        cert, key = leaf()
    response = install(
        api,
        cert,
        cert_type,
        key=key,
        intermediate_certificates=[certs.pem(intermediate()[0])],
    )
    uuid = created_uuid(response)
    assert show(api, uuid) == expected_record(
        cert, uuid=uuid, name=default_name(cert), cert_type=cert_type
    )


def test_root_ca_may_be_installed_with_or_without_its_key(api: httpx.Client) -> None:
    cert, key = p256_ca()
    installed(api, cert, "root_ca", key=key, name="with-key")
    make_svm(api, "vs1")
    installed(api, cert, "root_ca", svm="vs1", name="without-key")
    assert count(api) == 2


# --- the type rules -------------------------------------------------------------------


@pytest.mark.parametrize("cert_type", ["server", "client"])
def test_server_and_client_without_private_key_are_400_3735693(
    api: httpx.Client, cert_type: str
) -> None:
    response = install(api, leaf()[0], cert_type)
    assert_error(
        response,
        400,
        "3735693",
        "The certificate installation failed as private key was empty.",
        "private_key",
    )
    assert count(api) == 0


@pytest.mark.parametrize("cert_type", ["server_ca", "client_ca"])
def test_private_key_with_server_ca_or_client_ca_is_400_3735618(
    api: httpx.Client, cert_type: str
) -> None:
    cert, key = p256_ca()
    response = install(api, cert, cert_type, key=key)
    assert_error(
        response,
        400,
        "3735618",
        "Cannot accept private key for server_ca or client_ca.",
        "private_key",
    )
    assert count(api) == 0


@pytest.mark.parametrize("cert_type", ["server", "client", "root_ca"])
def test_private_key_of_another_certificate_is_400_52559976(
    api: httpx.Client, cert_type: str
) -> None:
    cert = leaf()[0] if cert_type != "root_ca" else p256_ca()[0]
    other_key = p384_ca()[1]
    response = install(api, cert, cert_type, key=other_key)
    assert_error(
        response,
        400,
        "52559976",
        "The certificate and private key do not match.",
        "private_key",
    )
    assert count(api) == 0


@pytest.mark.parametrize("cert_type", ["server_ca", "client_ca"])
def test_intermediates_with_server_ca_or_client_ca_are_400_3735696(
    api: httpx.Client, cert_type: str
) -> None:
    response = install(
        api,
        intermediate()[0],
        cert_type,
        intermediate_certificates=[certs.pem(rsa2048_ca()[0])],
    )
    assert_error(
        response,
        400,
        "3735696",
        "Intermediate certificates are not supported with client_ca and server_ca type "
        "certificates.",
        "intermediate_certificates",
    )
    assert count(api) == 0


def test_common_name_hash_function_key_size_and_expiry_sent_with_an_install_are_ignored(
    api: httpx.Client,
) -> None:
    cert, _ = p384_ca()
    response = install(
        api,
        cert,
        "server_ca",
        common_name="something-else",
        hash_function="sha224",
        key_size=4096,
        expiry_time="P10D",
    )
    uuid = created_uuid(response)
    record = show(api, uuid)
    assert record == expected_record(
        cert, uuid=uuid, name=default_name(cert), cert_type="server_ca"
    )
    assert (record["common_name"], record["hash_function"], record["key_size"]) == (
        "Suite Root P-384",
        "sha384",
        384,
    )


@pytest.mark.parametrize("cert_type", ["server_ca", "client_ca", "root_ca"])
def test_non_ca_certificate_installed_as_a_ca_type_is_400_code_2(
    api: httpx.Client, cert_type: str
) -> None:
    cert, key = leaf()
    extra = {"key": key} if cert_type == "root_ca" else {}
    response = install(api, cert, cert_type, **extra)  # type: ignore[arg-type]
    assert_error(
        response,
        400,
        "2",
        "The certificate is not a CA certificate (its basicConstraints do not say CA:TRUE), "
        f"so it cannot be installed as type {cert_type}.",
        "type",
    )
    assert count(api) == 0


def test_missing_type_is_400_262212(api: httpx.Client) -> None:
    response = api.post(CERTS, json={"public_certificate": certs.pem(p256_ca()[0])})
    assert_error(response, 400, "262212", 'Request is missing required value: "type".', "type")
    assert count(api) == 0


# --- the POST answer --------------------------------------------------------------------


def test_install_answers_201_with_location_and_an_empty_body(api: httpx.Client) -> None:
    response = install(api, p256_ca()[0], "server_ca")
    assert response.status_code == 201, response.text
    assert response.json() == {}
    uuid = created_uuid(response)
    assert response.headers["location"] == f"/api/security/certificates/{uuid}"
    assert show(api, uuid)["uuid"] == uuid


def test_install_with_return_records_answers_the_created_record(api: httpx.Client) -> None:
    cert, _ = p384_ca()
    response = install(api, cert, "server_ca", name="p384", query="?return_records=true")
    uuid = created_uuid(response)
    assert response.json() == {
        "num_records": 1,
        "records": [expected_record(cert, uuid=uuid, name="p384", cert_type="server_ca")],
    }


def test_name_defaults_to_common_name_underscore_uppercase_serial(api: httpx.Client) -> None:
    cert, _ = certs.make_ca("p256", "Named By Serial", slot=8, serial=0xABCDEF0123)
    uuid = installed(api, cert, "server_ca")
    assert show(api, uuid)["name"] == "Named By Serial_ABCDEF0123"


def test_a_given_name_is_kept(api: httpx.Client) -> None:
    uuid = installed(api, p256_ca()[0], "server_ca", name="my-ca")
    assert show(api, uuid)["name"] == "my-ca"


# --- private keys -----------------------------------------------------------------------


def _stored_private_key(app: OntapApp, uuid: str) -> str | None:
    with app.ctx.store.read() as conn:
        return conn.execute(
            sa.select(certificates_table.c.private_key).where(certificates_table.c.uuid == uuid)
        ).scalar_one()


def _pem_body(key_text: str) -> str:
    return "".join(line for line in key_text.splitlines() if not line.startswith("-----"))


def test_private_key_is_never_returned(api: httpx.Client) -> None:
    cert, key = leaf()
    response = install(api, cert, "server", key=key, query="?return_records=true")
    uuid = created_uuid(response)
    body = _pem_body(certs.key_pem(key))
    answers = [
        response,
        api.get(f"{CERTS}/{uuid}"),
        api.get(f"{CERTS}/{uuid}?fields=**"),
        api.get(f"{CERTS}?fields=**"),
        api.get(f"{CERTS}?fields=*"),
        api.get(f"{CERTS}/{uuid}?fields=private_key"),
    ]
    for answer in answers:
        assert "private_key" not in answer.text
        assert "PRIVATE KEY" not in answer.text
        assert body[:64] not in answer.text
    assert "private_key" not in show(api, uuid, "?fields=**")


def test_private_key_is_stored_encrypted(app: OntapApp, api: httpx.Client) -> None:
    cert, key = leaf()
    uuid = installed(api, cert, "server", key=key)
    stored = _stored_private_key(app, uuid)
    assert stored is not None
    assert "-----BEGIN" not in stored and "PRIVATE KEY" not in stored
    for key_format in ("pkcs8", "traditional"):
        body = _pem_body(certs.key_pem(key, key_format))  # type: ignore[arg-type]
        assert body not in stored
        for line in certs.key_pem(key, key_format).splitlines()[1:-1]:  # type: ignore[arg-type]
            assert line not in stored


def test_created_certificates_key_is_stored_encrypted_too(app: OntapApp, api: httpx.Client) -> None:
    uuid = created_uuid(api.post(CERTS, json={"type": "root_ca", "common_name": "sealed"}))
    stored = _stored_private_key(app, uuid)
    assert stored is not None and "-----BEGIN" not in stored


def test_ca_installed_without_key_stores_no_key(app: OntapApp, api: httpx.Client) -> None:
    uuid = installed(api, p256_ca()[0], "server_ca")
    assert _stored_private_key(app, uuid) is None


def test_vault_key_file_is_mode_0600(app: OntapApp, api: httpx.Client) -> None:
    cert, key = leaf()
    installed(api, cert, "server", key=key)
    path = Path(app.ctx.settings.data_dir) / "keys" / "vault.key"
    assert path.is_file()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert len(path.read_bytes()) == 32


# --- GET features on certificates ----------------------------------------------------------


@pytest.fixture(scope="module")
def world_app(
    template_data_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[OntapApp]:
    from tests.conftest import fresh_app

    application = fresh_app(template_data_dir, tmp_path_factory.mktemp("world"))
    yield application
    application.ctx.store.dispose()


# Three certificates expire on 1 June of three years in a row, the first far enough ahead
# that the suite's other certificates (a year's validity) all expire before it starts.
YEAR = datetime.now(UTC).year + 3
Y1, Y2, Y3 = YEAR, YEAR + 1, YEAR + 2


def _dated(cn: str, year: int, slot: int) -> Pair:
    return certs.make_ca(
        "p256",
        cn,
        slot=slot,
        not_after=datetime(year, 6, 1, tzinfo=UTC),
        not_before=datetime.now(UTC) - timedelta(days=1),
    )


@pytest.fixture(scope="module")
def world(world_app: OntapApp) -> Iterator[httpx.Client]:
    """Named certificates in the cluster and two SVMs, for the filters."""
    with inprocess_client(world_app, auth=AUTH) as api:
        make_svm(api, "vs1")
        make_svm(api, "vs2")
        lf, lf_key = leaf()
        installed(api, rsa2048_ca()[0], "server_ca", name="c-rsa")  # SAN dns, 2048
        installed(api, p384_ca()[0], "client_ca", name="c-p384")  # 384
        installed(api, lf, "server", key=lf_key, name="c-leaf")  # 256, SAN dns
        installed(api, p256_ca()[0], "server_ca", svm="vs1", name="v1-p256")  # 256
        installed(api, rsa2048_ca()[0], "root_ca", svm="vs1", name="v1-rsa")  # 2048, SAN dns
        installed(api, _dated(f"Dated {Y1}", Y1, 11)[0], "server_ca", svm="vs2", name="v2-y1")
        installed(api, _dated(f"Dated {Y2}", Y2, 12)[0], "server_ca", svm="vs2", name="v2-y2")
        installed(api, _dated(f"Dated {Y3}", Y3, 13)[0], "client_ca", svm="vs2", name="v2-y3")
        yield api


ALL = {"c-rsa", "c-p384", "c-leaf", "v1-p256", "v1-rsa", "v2-y1", "v2-y2", "v2-y3"}


def _names(api: httpx.Client, **params: str) -> set[str]:
    # Encoded as netapp_ontap does (urllib.parse.quote: a space is %20).
    query = "&".join(f"{quote(k)}={quote(v)}" for k, v in {**params, "fields": "name"}.items())
    response = api.get(f"{CERTS}?{query}")
    assert response.status_code == 200, response.text
    body = response.json()
    found = [r["name"] for r in body["records"]]
    assert body["num_records"] == len(found) == len(set(found))
    return set(found)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ALL),
        ({"type": "server_ca"}, {"c-rsa", "v1-p256", "v2-y1", "v2-y2"}),
        ({"type": "client_ca|root_ca"}, {"c-p384", "v1-rsa", "v2-y3"}),
        ({"scope": "cluster"}, {"c-rsa", "c-p384", "c-leaf"}),
        ({"scope": "svm"}, {"v1-p256", "v1-rsa", "v2-y1", "v2-y2", "v2-y3"}),
        ({"svm.name": "vs1"}, {"v1-p256", "v1-rsa"}),
        ({"svm.name": "vs2", "type": "server_ca"}, {"v2-y1", "v2-y2"}),
        ({"name": "c-leaf"}, {"c-leaf"}),
        ({"common_name": "Suite Root*"}, {"c-rsa", "c-p384", "v1-p256", "v1-rsa"}),
        ({"common_name": f"*{Y2}"}, {"v2-y2"}),
        ({"common_name": "server.example.com"}, {"c-leaf"}),
        ({"ca": "Suite Intermediate"}, {"c-leaf"}),
        ({"expiry_time": f"{Y1}-01-01T00:00:00Z..{Y2}-12-31T00:00:00Z"}, {"v2-y1", "v2-y2"}),
        ({"expiry_time": f">{Y2}-12-31T00:00:00Z"}, {"v2-y3"}),
        ({"key_size": ">=2048"}, {"c-rsa", "v1-rsa"}),
        ({"key_size": ">256"}, {"c-rsa", "v1-rsa", "c-p384"}),
        ({"key_size": "<384"}, {"c-leaf", "v1-p256", "v2-y1", "v2-y2", "v2-y3"}),
        ({"key_size": "384"}, {"c-p384"}),
        ({"hash_function": "sha384"}, {"c-p384"}),
        ({"subject_alternatives.dns": "ca.example.com"}, {"c-rsa", "v1-rsa"}),
        ({"subject_alternatives.dns": "www.example.com"}, {"c-leaf"}),
        ({"subject_alternatives.dns": "*.ca.example.com"}, {"c-rsa", "v1-rsa"}),
        ({"subject_alternatives.ip": "2001:db8::7"}, {"c-rsa", "v1-rsa"}),
        ({"subject_alternatives.dns": "nowhere.example.com"}, set()),
        (
            {"subject_alternatives.dns": "null"},
            {"c-p384", "v1-p256", "v2-y1", "v2-y2", "v2-y3"},
        ),
        ({"subject_alternatives.dns": "!null"}, {"c-rsa", "v1-rsa", "c-leaf"}),
    ],
)
def test_collection_filters_on_certificate_fields(
    world: httpx.Client, params: dict[str, str], expected: set[str]
) -> None:
    assert _names(world, **params) == expected


def test_array_filter_shows_the_whole_array_of_a_matching_record(world: httpx.Client) -> None:
    response = world.get(
        CERTS, params={"subject_alternatives.dns": "www.example.com", "fields": "name"}
    )
    assert response.status_code == 200, response.text
    [record] = response.json()["records"]
    assert record["subject_alternatives"] == {"dns": ["server.example.com", "www.example.com"]}


def test_order_by_name_desc_and_max_records_page_through_every_certificate(
    world: httpx.Client,
) -> None:
    seen: list[str] = []
    target: str | None = f"{CERTS}?fields=name&order_by=name%20desc&max_records=3"
    pages = 0
    while target is not None:
        response = world.get(target)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["num_records"] == len(body["records"]) <= 3
        seen += [r["name"] for r in body["records"]]
        target = body["_links"].get("next", {}).get("href")
        pages += 1
        assert pages <= 4
    assert pages == 3
    assert seen == sorted(ALL, reverse=True)


def test_order_by_key_size_then_name(world: httpx.Client) -> None:
    response = world.get(CERTS, params={"fields": "key_size,name", "order_by": "key_size,name"})
    assert response.status_code == 200, response.text
    got = [(r["key_size"], r["name"]) for r in response.json()["records"]]
    assert got == sorted(got)
    assert got[0] == (256, "c-leaf") and got[-1] == (2048, "v1-rsa")


def test_default_collection_fields_are_uuid_and_svm_name(world: httpx.Client) -> None:
    response = world.get(CERTS, params={"svm.name": "vs1", "order_by": "name"})
    assert response.status_code == 200, response.text
    for record in response.json()["records"]:
        assert set(record) == {"uuid", "svm", "_links"}
        assert set(record["svm"]) == {"name", "_links"}
    cluster = world.get(CERTS, params={"scope": "cluster"}).json()["records"]
    assert [set(r) for r in cluster] == [{"uuid", "scope", "_links"}] * 3
