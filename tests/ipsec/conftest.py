"""Fixtures and helpers of the /api/security/ipsec/ca-certificates suite.

Apps are fresh per test, copied from one database migrated once per session
(as in tests/api). A "world" is a set of SVMs, installed certificates and IPsec
entries built through the API, so every test starts from what a client sees.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from ontap_ipsec.app import OntapApp
from tests.api.helpers import NO_TARGET, raw_request
from tests.certs import key_pem, make_ca, make_leaf, pem

IPSEC = "/api/security/ipsec/ca-certificates"
CERTS = "/api/security/certificates"
SVMS = "/api/svm/svms"


# ---------------------------------------------------------------------------
# Building state through the API


def make_svm(api: httpx.Client, name: str) -> str:
    response = api.post(SVMS, json={"name": name})
    assert response.status_code == 202, response.text
    return response.headers["location"].rsplit("/", 1)[1]


def install_ca(api: httpx.Client, name: str, svm: str | None = None) -> str:
    """Install a fresh self-signed CA as `server_ca`; return its uuid."""
    cert, _key = make_ca(cn=f"CA {name}")
    body: dict[str, Any] = {"type": "server_ca", "public_certificate": pem(cert), "name": name}
    if svm is not None:
        body["svm"] = {"name": svm}
    response = api.post(CERTS, json=body)
    assert response.status_code == 201, response.text
    return response.headers["location"].rsplit("/", 1)[1]


def install_leaf(api: httpx.Client, name: str, svm: str | None = None) -> str:
    """Install an end-entity (CA:FALSE) certificate as `server`, with its key."""
    issuer = make_ca(cn="leaf issuer", slot=3)
    cert, key = make_leaf(issuer, cn=f"{name}.example.com")
    body: dict[str, Any] = {
        "type": "server",
        "public_certificate": pem(cert),
        "private_key": key_pem(key),
        "name": name,
    }
    if svm is not None:
        body["svm"] = {"name": svm}
    response = api.post(CERTS, json=body)
    assert response.status_code == 201, response.text
    return response.headers["location"].rsplit("/", 1)[1]


def add(api: httpx.Client, cert_uuid: str, svm: str | None = None) -> None:
    body: dict[str, Any] = {"certificate": {"uuid": cert_uuid}}
    if svm is not None:
        body["svm"] = {"name": svm}
    response = api.post(IPSEC, json=body)
    assert response.status_code == 201, response.text


def listing(api: httpx.Client) -> list[dict[str, Any]]:
    """Every IPsec entry with every field, in key order."""
    response = api.get(IPSEC, params={"fields": "*"})
    assert response.status_code == 200, response.text
    return response.json()["records"]  # type: ignore[no-any-return]


def listed_uuids(api: httpx.Client) -> set[str]:
    return {r["certificate"]["uuid"] for r in listing(api)}


@dataclass
class World:
    """SVMs by name, CA certificates by name (uuid), which are listed, and their scope."""

    svms: dict[str, str] = field(default_factory=dict)
    certs: dict[str, str] = field(default_factory=dict)
    owner: dict[str, str | None] = field(default_factory=dict)  # cert name -> svm name
    listed: set[str] = field(default_factory=set)  # cert names in IPsec

    def uuid(self, name: str) -> str:
        return self.certs[name]

    def listed_uuids(self, svm: str | None | object = NO_TARGET) -> set[str]:
        return {self.certs[n] for n in self.listed if svm is NO_TARGET or self.owner[n] == svm}

    def record(self, name: str, *, scope: bool = True) -> dict[str, Any]:
        """The full record (fields=*) of a listed certificate, as the API must show it."""
        cert = self.certs[name]
        rec: dict[str, Any] = {
            "certificate": {
                "uuid": cert,
                "_links": {"self": {"href": f"{CERTS}/{cert}"}},
            }
        }
        svm = self.owner[name]
        if scope:
            rec["scope"] = "cluster" if svm is None else "svm"
        if svm is not None:
            svm_uuid = self.svms[svm]
            rec["svm"] = {
                "name": svm,
                "uuid": svm_uuid,
                "_links": {"self": {"href": f"{SVMS}/{svm_uuid}"}},
            }
        return rec


def build_world(api: httpx.Client, layout: dict[str | None, int], unlisted: int = 1) -> World:
    """For each scope (None = cluster), `n` listed CAs plus `unlisted` installed-only CAs."""
    world = World()
    for svm in layout:
        if svm is not None:
            world.svms[svm] = make_svm(api, svm)
    for svm, count in layout.items():
        prefix = svm or "cl"
        for i in range(count + unlisted):
            name = f"{prefix}_ca{i}"
            world.certs[name] = install_ca(api, name, svm)
            world.owner[name] = svm
            if i < count:
                add(api, world.certs[name], svm)
                world.listed.add(name)
    return world


# ---------------------------------------------------------------------------
# Wire helpers


def get_records(app: OntapApp, target: str) -> list[dict[str, Any]]:
    response = raw_request(app, "GET", target)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["num_records"] == len(body["records"])
    return body["records"]  # type: ignore[no-any-return]


def shape(value: Any) -> Any:
    """The key structure of a JSON value: dicts become {key: shape}, lists their first item."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return None
