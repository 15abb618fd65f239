"""Helpers of the account tests: accounts made over the API, clients that log in as them."""

from __future__ import annotations

from typing import Any

import httpx

from ontap_ipsec.app import OntapApp
from ontap_ipsec.inprocess import client as inprocess_client

ACCOUNTS = "/api/security/accounts"
ROLES = "/api/security/roles"
PASSWORD = "/api/security/authentication/password"
HTTP_BY_PASSWORD = [{"application": "http", "authentication_methods": ["password"]}]


def account_body(name: str, password: str | None = None, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"name": name, "applications": HTTP_BY_PASSWORD, **fields}
    if password is not None:
        body["password"] = password
    return body


def make_account(
    api: httpx.Client, name: str, password: str, owner: str | None = None, **fields: Any
) -> str:
    """Create an account (of SVM `owner`, or of the cluster); its instance path."""
    if owner is not None:
        fields["owner"] = {"name": owner}
    response = api.post(ACCOUNTS, json=account_body(name, password, **fields))
    assert response.status_code == 201, response.text
    return str(response.headers["location"])


def login(app: OntapApp, name: str, password: str, **kw: Any) -> httpx.Client:
    return inprocess_client(app, auth=(name, password), **kw)
