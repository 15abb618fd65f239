"""Fixtures and helpers of the /api/security/ipsec and /api/security/ipsec/policies suite.

Apps are fresh per test, copied from the database migrated once per session (tests/
conftest.py); `release_api` builds one that imitates a given ONTAP release. Bodies are
built by `psk_body` and `pki_body`, the smallest a real client sends.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from ontap_ipsec.app import OntapApp
from ontap_ipsec.inprocess import client as inprocess_client
from tests.conftest import AUTH, SHARED_AUTHENTICATOR, new_app
from tests.ipsec.conftest import CERTS, SVMS, install_ca, install_leaf, make_svm

POLICIES = "/api/security/ipsec/policies"
CONFIG = "/api/security/ipsec"
PSK = "a-pre-shared-key-of-32-characters"
PPK = "0x" + "ab" * 16
__all__ = ["CERTS", "SVMS", "install_ca", "install_leaf", "make_svm"]


def psk_body(name: str = "p1", svm: str | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": name,
        "local_endpoint": {"address": "192.168.0.231", "netmask": "32"},
        "remote_endpoint": {"address": "192.168.0.0", "netmask": "25"},
        "secret_key": PSK,
    }
    if svm is not None:
        body["svm"] = {"name": svm}
    body.update(extra)
    return body


def pki_body(
    certificate: dict[str, str], name: str = "p1", svm: str | None = None, **extra: Any
) -> dict[str, Any]:
    body = psk_body(name, svm, authentication_method="pki", certificate=certificate)
    del body["secret_key"]
    body.update(local_identity="CN=ontap.example.com", remote_identity="ANYTHING")
    body.update(extra)
    return body


def create(api: httpx.Client, body: dict[str, Any]) -> str:
    response = api.post(POLICIES, json=body)
    assert response.status_code == 201, response.text
    location = response.headers["location"]
    assert location.startswith(POLICIES + "/")
    return location.rsplit("/", 1)[1]


def policy(api: httpx.Client, uuid: str) -> dict[str, Any]:
    response = api.get(f"{POLICIES}/{uuid}", params={"fields": "*"})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def policies(api: httpx.Client, **params: str) -> list[dict[str, Any]]:
    response = api.get(POLICIES, params={"fields": "*", **params})
    assert response.status_code == 200, response.text
    return response.json()["records"]  # type: ignore[no-any-return]


def refused(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The error of a refused request, checked for its status and code."""
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code, response.text
    return error  # type: ignore[no-any-return]


@pytest.fixture
def release_api(template_data_dir: Path, tmp_path: Path) -> Iterator[Callable[[str], httpx.Client]]:
    """A client of a fresh app imitating the release asked for (one app per call)."""
    opened: list[tuple[OntapApp, httpx.Client]] = []

    def make(release: str) -> httpx.Client:
        data = tmp_path / f"data-{release}-{len(opened)}"
        shutil.copytree(template_data_dir, data)
        app = new_app(data, ontap_version=release)
        app.authenticator = SHARED_AUTHENTICATOR
        api = inprocess_client(app, auth=AUTH)
        opened.append((app, api))
        return api

    yield make
    for app, api in opened:
        api.close()
        app.ctx.store.dispose()


@contextmanager
def listening(app: OntapApp) -> Iterator[list[Any]]:
    """The events `app` publishes while the block runs."""
    heard: list[Any] = []
    stop = app.ctx.events.subscribe(heard.append)
    try:
        yield heard
    finally:
        stop()
