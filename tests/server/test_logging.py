"""The server's log through the real server: JSON lines, access lines, and no secret.

A server with `--log-format json --access-log --log-level debug` is sent requests that
carry every kind of secret it takes: passwords (right and wrong, in HTTP Basic and in the
console's login form), a private key PEM, a PSK `secret_key` and a PPK (on create and
modify), a secret in a malformed body and in a query string. Then every line the server
wrote (its workers', the HTTP server's own) must be a JSON object with the fields of a
line, and none may hold any of those secrets, nor the Basic credential they travel in.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import httpx
import pytest

from tests.certs import key_pem, make_ca, make_leaf, pem
from tests.server.conftest import ServerFactory
from tests.server.process import Server

PASSWORD = "logging-admin-pw-7f3a"
WRONG = "wrong-pw-of-the-log-test-91c2"
PSK = "psk-of-the-log-test-0123456789abcdef"
NEW_PSK = "another-psk-of-the-log-test-fedcba9876"
PPK = "0x" + "5e" * 16
QUERY_SECRET = "query-secret-of-the-log-test-5521"
POLICIES = "/api/security/ipsec/policies"
CERTS = "/api/security/certificates"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
def json_server(start_server: ServerFactory, tmp_path: Path) -> Server:
    """A server logging JSON, access lines on, at debug level; each test stops it."""
    args = ("--log-format", "json", "--access-log")
    return start_server(tmp_path / "data", admin_password=PASSWORD, extra_args=args,
                        log_level="debug")


def _basic(user: str, password: str) -> str:
    return base64.b64encode(f"{user}:{password}".encode()).decode()


def _exercise(server: Server) -> list[str]:
    """Requests carrying secrets; the secrets, as they could leak."""
    _cert, key = make_leaf(make_ca(cn="log test issuer", slot=3), cn="log.example.com")
    private_key = key_pem(key)
    secrets = [PASSWORD, WRONG, PSK, NEW_PSK, PPK, QUERY_SECRET, _basic("admin", PASSWORD),
               _basic("admin", WRONG)]
    secrets += [line for line in private_key.splitlines() if "-----" not in line]
    with server.client(("admin", WRONG)) as wrong:
        assert wrong.get("/api/cluster").status_code == 401
        assert wrong.get("/metrics").status_code == 401
    with server.client(server.auth) as api:
        assert api.get("/api/cluster", headers={"X-Request-Id": "log-test-1"}).status_code == 200
        installed = api.post(
            CERTS,
            json={"type": "server", "name": "logged", "private_key": private_key,
                  "public_certificate": pem(_cert)},
        )
        assert installed.status_code == 201, installed.text
        bad = api.post(CERTS, json={"type": "server", "private_key": private_key[:300]})
        assert bad.status_code == 400
        malformed = api.post(
            POLICIES, content=f'{{"secret_key": "{PSK}", '.encode(),
            headers={"content-type": "application/json"},
        )
        assert malformed.status_code == 400
        assert api.get(CERTS, params={"password": QUERY_SECRET}).status_code == 400
        created = api.post(
            POLICIES,
            json={
                "name": "logged",
                "local_endpoint": {"address": "192.168.0.231", "netmask": "32"},
                "remote_endpoint": {"address": "192.168.0.0", "netmask": "25"},
                "secret_key": PSK,
                "ppk": {"identity": "ppk-id", "shared_key": PPK},
            },
        )
        if created.status_code != 404:  # the endpoint exists in this release of the tree
            assert created.status_code == 201, created.text
            uuid = created.headers["location"].rsplit("/", 1)[1]
            patched = api.patch(f"{POLICIES}/{uuid}", json={"secret_key": NEW_PSK})
            assert patched.status_code in (200, 202, 400), patched.text  # ONTAP may refuse it
            refused = api.post(POLICIES, json={"name": "logged-2", "secret_key": NEW_PSK})
            assert refused.status_code == 400
    with httpx.Client(base_url=server.base_url, verify=False) as browser:
        for password in (WRONG, PASSWORD):
            form = browser.get("/login")
            csrf = _CSRF.search(form.text)
            assert csrf is not None, form.text
            browser.post(
                "/login", data={"csrf": csrf.group(1), "user": "admin", "password": password}
            )
        assert browser.get("/ipsec").status_code == 200
    return secrets


def _lines(server: Server) -> list[str]:
    return [line for line in server.output().splitlines() if line.strip()]


def test_no_line_of_the_log_holds_a_password_key_psk_or_credential(json_server: Server) -> None:
    secrets = _exercise(json_server)
    json_server.stop()  # the workers' last lines written too
    lines = _lines(json_server)
    assert any('"logger":"ontap_ipsec.access"' in line for line in lines)
    assert any("log-test-1" in line for line in lines)
    for line in lines:
        for secret in secrets:
            assert secret not in line, f"{secret!r} in the log: {line}"
        assert "PRIVATE KEY-----" not in line
        assert "Basic " not in line


def test_every_line_is_a_json_object_with_the_fields_of_a_line(json_server: Server) -> None:
    with json_server.client(json_server.auth) as api:
        api.get("/api/svm/svms", headers={"X-Request-Id": "json-fields-1"})
    json_server.stop()
    lines = [json.loads(line) for line in _lines(json_server)]  # every one parses
    for line in lines:
        assert {"time", "level", "logger", "message"} <= line.keys(), line
    loggers = {line["logger"] for line in lines}
    assert "uvicorn.error" in loggers  # the HTTP server's own lines (uvicorn, the default), alike
    (access,) = [line for line in lines if line.get("request_id") == "json-fields-1"]
    assert access["logger"] == "ontap_ipsec.access"
    assert (access["account"], access["method"], access["path"], access["status"]) == (
        "admin", "GET", "/api/svm/svms", 200
    )
    assert isinstance(access["duration_ms"], float) and access["duration_ms"] >= 0
    assert any("serving https://" in line["message"] for line in lines)  # the banner, too


def test_text_stays_the_default_and_uvicorn_echoes_request_ids_too(
    start_server: ServerFactory, tmp_path: Path
) -> None:
    server = start_server(
        tmp_path / "data",
        admin_password=PASSWORD,
        extra_args=("--server", "uvicorn", "--workers", "1", "--access-log"),
        log_level="info",
    )
    with server.client(server.auth) as api:
        answered = api.get("/api/cluster", headers={"X-Request-Id": "text-line-1"})
        assert answered.headers["x-request-id"] == "text-line-1"
        made = api.get("/api/cluster").headers["x-request-id"]
    server.stop()
    output = server.output()
    assert "ontap-ipsec 0.1.0: serving https://" in output.splitlines()[0]
    assert "INFO ontap_ipsec.access: GET /api/cluster 200 " in output
    assert "id=text-line-1 account=admin" in output and f"id={made} " in output
    assert not [line for line in output.splitlines() if line.startswith("{")]
