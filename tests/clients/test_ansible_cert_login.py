"""Ansible's netapp.ontap modules logging in by client certificate (`cert_filepath`,
`key_filepath`) against `ontap-ipsec serve` (uvicorn, TLS): a real ansible-playbook run,
on the oldest and the newest release profiled (tests/clients/ansible/cert_login.yml)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from tests import certs
from tests.clients.test_ansible import HINT, results_by_task, run_playbook
from tests.requirements import require
from tests.server.process import Server

require("ansible", HINT)
require("ansible_collections.netapp.ontap", HINT)

PLAYBOOK = Path(__file__).parent / "ansible" / "cert_login.yml"


@pytest.fixture(scope="module")
def server(release_server: Server) -> Server:
    return release_server


def _files(directory: Path, name: str, issuer: tuple, cn: str) -> tuple[str, str]:
    leaf, key = certs.make_leaf(issuer, cn, key="rsa2048", slot=7)
    cert_file, key_file = directory / f"{name}.crt", directory / f"{name}.key"
    cert_file.write_text(certs.pem(leaf))
    key_file.write_text(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
    )
    os.chmod(key_file, 0o600)
    return str(cert_file), str(key_file)


def test_cert_filepath_and_key_filepath(server: Server, tmp_path: Path) -> None:
    ca = certs.make_ca("p256", "ansible-client-ca", slot=6)
    with server.client(auth=server.auth) as admin:
        installed = admin.post(
            "/api/security/certificates",
            json={"type": "client_ca", "name": "ansible-client-ca",
                  "public_certificate": certs.pem(ca[0])},
        )
        assert installed.status_code == 201, installed.text
        made = admin.post(
            "/api/security/accounts",
            json={"name": "ansiblecert", "applications": [
                {"application": "http", "authentication_methods": ["cert"]}]},
        )
        assert made.status_code == 201, made.text
    cert, key = _files(tmp_path, "ansiblecert", ca, "ansiblecert")
    stranger_cert, stranger_key = _files(tmp_path, "stranger", ca, "no-such-account")
    rc, report, stderr = run_playbook(
        None, tmp_path,
        {"ontap_port": server.port, "cert": cert, "key": key,
         "stranger_cert": stranger_cert, "stranger_key": stranger_key},
        PLAYBOOK,
    )
    tasks = results_by_task(report)
    assert rc == 0, (tasks, stderr)
    assert tasks["Check the outcomes"].get("failed") is not True
    with server.client(auth=server.auth) as admin:
        audit = admin.get("/api/security/audit/messages?user=ansiblecert&fields=input").json()
        assert any(r["input"].startswith("POST /api/svm/svms") for r in audit["records"])
