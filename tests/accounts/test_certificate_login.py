"""Certificate login (mutual TLS) through the real server (`ontap-ipsec serve`: uvicorn, two
workers, TLS that requests a client certificate): NetApp's cert_auth.py flow with the real
`netapp_ontap` client (a root CA made by the cluster, a CSR signed by it, an account with
the `cert` method for `http`), a CA of one's own installed as `client_ca`, and every
refusal."""

from __future__ import annotations

import os
import ssl
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import serialization

from tests import certs
from tests.accounts.helpers import ACCOUNTS
from tests.server.process import Server, run_server

ADMIN = ("admin", "cert-admin-pw1")
CERTS = "/api/security/certificates"
BY_CERT = [{"application": "http", "authentication_methods": ["cert"]}]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("certlogin") / "data"
    with run_server(data, admin_password=ADMIN[1]) as served:
        yield served


def _write(directory: Path, name: str, cert_pem: str, key_pem: str) -> tuple[str, str]:
    cert_file, key_file = directory / f"{name}.crt", directory / f"{name}.key"
    cert_file.write_text(cert_pem)
    key_file.write_text(key_pem)
    os.chmod(key_file, 0o600)
    return str(cert_file), str(key_file)


def _key_pem(key: certs.PrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _as(server: Server, cert_file: str, key_file: str) -> httpx.Client:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.load_cert_chain(cert_file, key_file)
    return httpx.Client(base_url=server.base_url, verify=context, timeout=10.0)


def _status(server: Server, files: tuple[str, str], path: str = "/api/cluster") -> int | str:
    """The status a request with this client certificate gets; "tls" for a refused
    handshake."""
    try:
        with _as(server, *files) as client:
            return client.get(path).status_code
    except (httpx.ConnectError, httpx.ReadError, httpx.RemoteProtocolError, ssl.SSLError):
        return "tls"


def _account(admin: httpx.Client, name: str, applications: list, **fields: object) -> str:
    made = admin.post(ACCOUNTS, json={"name": name, "applications": applications, **fields})
    assert made.status_code == 201, made.text
    return str(made.headers["location"])


def _local_ca(admin: httpx.Client, name: str, **kw: object) -> tuple:
    """A CA made here and installed as a client_ca; (cert, key, uuid)."""
    ca, key = certs.make_ca("p256", name, slot=3, **kw)
    made = admin.post(CERTS, json={"type": "client_ca", "name": name,
                                   "public_certificate": certs.pem(ca)})
    assert made.status_code == 201, made.text
    found = admin.get(f"{CERTS}?name={name}&fields=uuid").json()["records"][0]["uuid"]
    return ca, key, found


def test_netapp_sample_flow_with_netapp_ontap(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    from netapp_ontap import HostConnection
    from netapp_ontap.error import NetAppRestError
    from netapp_ontap.resources import Cluster, SecurityCertificate, Svm
    from netapp_ontap.resources.security_config import SecurityConfig

    with HostConnection(server.host, port=server.port, username=ADMIN[0], password=ADMIN[1],
                        verify=False):
        root = SecurityCertificate(type="root_ca", common_name="sample-root", name="sample-root")
        root.post(hydrate=True)
        generated = SecurityConfig().certificate_signing_request(
            body={"subject_name": "C=US,O=NTAP,CN=certuser", "algorithm": "rsa"}
        ).http_response.json()
        signed = root.sign(body={"signing_request": generated["csr"], "expiry_time": "P30D"})
        client_pem = signed.http_response.json()["public_certificate"]
        # as NetApp's cert_auth.py: no client_ca installed, the cluster's root_ca signed it
    with server.client(auth=ADMIN) as admin:
        _account(admin, "certuser", BY_CERT, role={"name": "admin"})
    cert_file, key_file = _write(tmp_path, "certuser", client_pem,
                                 generated["generated_private_key"])

    with HostConnection(server.host, port=server.port, cert=cert_file, key=key_file,
                        verify=False):
        cluster = Cluster()
        cluster.get(fields="name,version")
        assert cluster.name and cluster.version.generation == 9
        Svm(name="made-by-cert").post()  # an admin's change, audited under its name
        assert Svm.find(name="made-by-cert") is not None
    with server.client(auth=ADMIN) as admin:
        audit = admin.get("/api/security/audit/messages?input=POST /api/svm/svms*&fields=user")
        assert [r["user"] for r in audit.json()["records"]] == ["certuser"]
        # the CA deleted: refused at once, though the TLS context still knows it
        admin.delete(f"{CERTS}/{_uuid(admin, 'sample-root')}").raise_for_status()
    with HostConnection(server.host, port=server.port, cert=cert_file, key=key_file,
                        verify=False):
        with pytest.raises(NetAppRestError) as refused:
            Cluster().get()
        assert refused.value.http_err_response.http_response.status_code == 401


def _uuid(admin: httpx.Client, name: str) -> str:
    return str(admin.get(f"{CERTS}?name={name}&fields=uuid").json()["records"][0]["uuid"])


def test_what_is_refused(server: Server, tmp_path: Path) -> None:
    with server.client(auth=ADMIN) as admin:
        ca, key, _ = _local_ca(admin, "refusals-ca")
        _account(admin, "byCert", BY_CERT, role={"name": "readonly"})
        _account(admin, "byPassword",
                 [{"application": "http", "authentication_methods": ["password"]}],
                 password="Pass-word-123")
        _account(admin, "lockedOne", BY_CERT, locked=True)

    def issued(cn: str, **kw: object) -> tuple[str, str]:
        leaf, leaf_key = certs.make_leaf((ca, key), cn, **kw)
        return _write(tmp_path, f"{cn}-{len(kw)}", certs.pem(leaf), _key_pem(leaf_key))

    assert _status(server, issued("byCert")) == 200
    with _as(server, *issued("byCert")) as client:  # its role holds
        assert client.post("/api/svm/svms", json={"name": "x"}).status_code == 403
    assert _status(server, issued("nobody")) == 401  # an unknown name
    assert _status(server, issued("byPassword")) == 401  # no cert method
    assert _status(server, issued("lockedOne")) == 401
    now = datetime.now(UTC)
    expired = issued("byCert", not_before=now - timedelta(days=9),
                     not_after=now - timedelta(days=1))
    assert _status(server, expired) in ("tls", 401)
    stranger, stranger_key = certs.make_ca("p256", "not-installed", slot=4)
    leaf, leaf_key = certs.make_leaf((stranger, stranger_key), "byCert")
    assert _status(server, _write(tmp_path, "stranger", certs.pem(leaf), _key_pem(leaf_key))
                   ) in ("tls", 401)
    # no certificate and no password: the usual 401; a password client is not asked for more
    with server.client() as anonymous:
        assert anonymous.get("/api/cluster").status_code == 401
    with server.client(auth=("byPassword", "Pass-word-123")) as by_password:
        assert by_password.get("/api/cluster").status_code == 200


def test_an_svm_client_ca_admits_its_svm_accounts_only(server: Server, tmp_path: Path) -> None:
    with server.client(auth=ADMIN) as admin:
        assert admin.post("/api/svm/svms", json={"name": "certsvm"}).status_code == 202
        ca, key = certs.make_ca("p256", "svm-client-ca", slot=5)
        made = admin.post(CERTS, json={"type": "client_ca", "name": "svm-client-ca",
                                       "svm": {"name": "certsvm"},
                                       "public_certificate": certs.pem(ca)})
        assert made.status_code == 201, made.text
        _account(admin, "svmcert", BY_CERT, owner={"name": "certsvm"})
        _account(admin, "clustercert", BY_CERT)
    files = {}
    for cn, expected in (("svmcert", 200), ("clustercert", 401)):
        leaf, leaf_key = certs.make_leaf((ca, key), cn)
        files[cn] = _write(tmp_path, cn, certs.pem(leaf), _key_pem(leaf_key))
        assert _status(server, files[cn], "/api/svm/svms") == expected
    with _as(server, *files["svmcert"]) as svm_client:  # it sees its SVM only
        names = [r["name"] for r in svm_client.get("/api/svm/svms").json()["records"]]
        assert names == ["certsvm"]


def test_under_granian_only_passwords_log_in(tmp_path: Path) -> None:
    """granian offers the app no peer certificate (docs/fidelity.md): a certificate that
    uvicorn would accept is no credential there, and passwords work as ever."""
    args = ("--server", "granian")
    with run_server(tmp_path / "data", admin_password=ADMIN[1], extra_args=args) as served:
        with served.client(auth=ADMIN) as admin:
            ca, key, _ = _local_ca(admin, "granian-ca")
            _account(admin, "granianCert", BY_CERT)
            assert admin.get("/api/cluster").status_code == 200
        leaf, leaf_key = certs.make_leaf((ca, key), "granianCert")
        files = _write(tmp_path, "granian", certs.pem(leaf), _key_pem(leaf_key))
        assert _status(served, files) == 401
