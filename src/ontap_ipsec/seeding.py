"""Declare a starting state in a few lines and create it through the REST API.

    from ontap_ipsec.seeding import seed

    created = seed(ontap_client, {
        "svms": ["vs1"],
        "certificates": [
            {"name": "ca1", "svm": "vs1", "type": "server_ca", "generate": True},
            {"name": "lab-root", "type": "root_ca", "common_name": "lab-root"},  # ONTAP creates it
            {"name": "theirs", "type": "server_ca", "pem": open("ca.pem").read()},
        ],
        "ipsec_ca_certificates": [{"certificate": "ca1", "svm": "vs1"}],
        "ipsec": {"enabled": True},
        "ipsec_policies": [{
            "name": "p1", "svm": "vs1", "secret_key": "a-pre-shared-key-of-24ch",
            "local_endpoint": {"address": "192.0.2.1", "netmask": "32"},
            "remote_endpoint": {"address": "198.51.100.0", "netmask": "24"},
        }],
    })
    created.svms["vs1"], created.certificates["ca1"]   # uuids by name
    created.ipsec_policies["p1"]

Everything goes through the API (POST /api/svm/svms, /api/security/certificates,
/api/security/ipsec/ca-certificates, PATCH /api/security/ipsec, POST
/api/security/ipsec/policies: a policy's `svm` and `certificate` may be given by name),
so every rule of the server applies and a bad spec fails with the server's own ONTAP
error (``SeedError``).

Certificate entries:
- ``generate: true``: a CA (or, for type server/client, a self-signed key pair)
  is made here with ``cryptography`` (P-256 key, common name = ``common_name`` or
  ``name``) and installed as PEM;
- ``pem`` (or ``pem_file``) with optional ``private_key`` (or ``private_key_file``):
  that certificate is installed;
- neither: ONTAP's self-signed create (``common_name`` required by the server).
Other keys (``expiry_time``, ``key_size``, ``hash_function``, ...) go into the body.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

__all__ = ["SeedError", "Seeded", "generate_ca", "register_credentials", "seed", "seed_file"]

_SECTIONS = ("svms", "certificates", "ipsec_ca_certificates", "ipsec", "ipsec_policies")
_CERT_LOCAL_KEYS = frozenset({"svm", "generate", "pem", "pem_file", "private_key_file"})
# apps the test plugin made, with the account to seed them with
_CREDENTIALS: weakref.WeakKeyDictionary[Any, tuple[str, str]] = weakref.WeakKeyDictionary()


class SeedError(RuntimeError):
    """The server refused part of a seed; carries its status and ONTAP error body."""

    def __init__(self, what: str, response: httpx.Response) -> None:
        self.status_code = response.status_code
        try:
            self.body: Any = response.json()
        except ValueError:
            self.body = response.text
        super().__init__(f"seeding {what}: HTTP {self.status_code} {self.body}")


@dataclass
class Seeded:
    """The uuids of what a seed created, by name."""

    svms: dict[str, str] = field(default_factory=dict)
    certificates: dict[str, str] = field(default_factory=dict)
    ipsec_ca_certificates: dict[str, str] = field(default_factory=dict)
    ipsec_policies: dict[str, str] = field(default_factory=dict)
    _scoped: dict[tuple[str | None, str], str] = field(default_factory=dict, repr=False)

    def certificate(self, name: str, svm: str | None = None) -> str:
        """The uuid of certificate `name` in `svm` (None: the cluster scope)."""
        return self._scoped[(svm, name)]


def register_credentials(app: Any, username: str, password: str) -> None:
    """Let ``seed(app, ...)`` authenticate to `app` as this account."""
    _CREDENTIALS[app] = (username, password)


def seed_file(target: Any, path: str | Path, *, auth: tuple[str, str] | None = None) -> Seeded:
    """`seed` with the spec read from a YAML (or JSON) file."""
    import yaml

    spec = yaml.safe_load(Path(path).read_text()) or {}
    if not isinstance(spec, Mapping):
        raise ValueError(f"{path}: a seed file holds a mapping, not {type(spec).__name__}")
    base = Path(path).parent
    for cert in spec.get("certificates") or []:
        for key in ("pem_file", "private_key_file"):
            if isinstance(cert, dict) and cert.get(key) and not Path(cert[key]).is_absolute():
                cert[key] = str(base / cert[key])
    return seed(target, spec, auth=auth)


def seed(target: Any, spec: Mapping[str, Any], *, auth: tuple[str, str] | None = None) -> Seeded:
    """Create `spec`'s SVMs, certificates and IPsec CA entries; return their uuids.

    `target` is an authenticated ``httpx.Client`` (in-process or not), an object
    with a ``client()`` method (the test plugin's servers), or the ASGI app itself
    (with `auth`, or made by the test plugin, which registers its account).
    """
    unknown = set(spec) - set(_SECTIONS)
    if unknown:
        raise ValueError(f"unknown seed sections {sorted(unknown)}; known: {list(_SECTIONS)}")
    client, owned = _client_for(target, auth)
    try:
        return _seed(client, spec)
    finally:
        if owned:
            client.close()


def _client_for(target: Any, auth: tuple[str, str] | None) -> tuple[httpx.Client, bool]:
    if isinstance(target, httpx.Client):
        return target, False
    if hasattr(target, "client") and callable(target.client):
        return target.client(), True
    from ontap_ipsec.inprocess import client as inprocess_client

    try:
        credentials = auth or _CREDENTIALS.get(target)
    except TypeError:  # not weak-referenceable: not an app
        credentials = None
    if credentials is None:
        raise TypeError(
            "seed(app, ...) needs auth=(account, password) unless the app comes from the "
            "ontap_ipsec.testing fixtures"
        )
    return inprocess_client(target, auth=credentials), True


def _seed(client: httpx.Client, spec: Mapping[str, Any]) -> Seeded:
    out = Seeded()
    for item in spec.get("svms") or []:
        body = {"name": item} if isinstance(item, str) else dict(item)
        response = client.post("/api/svm/svms", params={"return_timeout": 30}, json=body)
        _check(response, f"SVM {body.get('name')!r}")
        out.svms[body["name"]] = response.headers["location"].rsplit("/", 1)[-1]
    for item in spec.get("certificates") or []:
        svm = item.get("svm")
        body = _certificate_body(item)
        response = client.post(
            "/api/security/certificates", params={"return_records": "true"}, json=body
        )
        _check(response, f"certificate {item.get('name') or item.get('common_name')!r}")
        record = response.json()["records"][0]
        name = record.get("name") or item.get("name") or record["uuid"]
        out._scoped[(svm, name)] = record["uuid"]
        out.certificates.setdefault(name, record["uuid"])
    for item in spec.get("ipsec_ca_certificates") or []:
        entry = {"certificate": item} if isinstance(item, str) else dict(item)
        name, svm = entry["certificate"], entry.get("svm")
        uuid = out._scoped.get((svm, name)) or _lookup_certificate(client, name, svm)
        entry_body: dict[str, Any] = {"certificate": {"uuid": uuid}}
        if svm is not None:
            entry_body["svm"] = {"name": svm}
        response = client.post("/api/security/ipsec/ca-certificates", json=entry_body)
        _check(response, f"IPsec CA entry for {name!r}")
        out.ipsec_ca_certificates.setdefault(name, uuid)
    if spec.get("ipsec"):
        response = client.patch("/api/security/ipsec", json=dict(spec["ipsec"]))
        _check(response, "the IPsec configuration")
    for item in spec.get("ipsec_policies") or []:
        body = dict(item)
        svm = body.pop("svm", None)
        if isinstance(svm, str):
            body["svm"] = {"name": svm}
        elif svm is not None:
            body["svm"] = svm
        if isinstance(body.get("certificate"), str):  # a name, in the policy's scope
            name = body["certificate"]
            scope_svm = svm if isinstance(svm, str) else None
            body["certificate"] = (
                {"uuid": out._scoped.get((scope_svm, name))}
                if ((scope_svm, name) in out._scoped)
                else {"name": name}
            )
        response = client.post(
            "/api/security/ipsec/policies", params={"return_records": "true"}, json=body
        )
        _check(response, f"IPsec policy {item.get('name')!r}")
        out.ipsec_policies[body["name"]] = response.json()["records"][0]["uuid"]
    return out


def _certificate_body(item: Mapping[str, Any]) -> dict[str, Any]:
    if "type" not in item:
        raise ValueError(f"certificate {item!r}: 'type' is required")
    body = {k: v for k, v in item.items() if k not in _CERT_LOCAL_KEYS}
    if item.get("svm") is not None:
        body["svm"] = {"name": item["svm"]}
    pem = item.get("pem")
    if item.get("pem_file"):
        pem = Path(item["pem_file"]).read_text()
    if item.get("private_key_file"):
        body["private_key"] = Path(item["private_key_file"]).read_text()
    if item.get("generate"):
        if pem is not None:
            raise ValueError(
                f"certificate {item.get('name')!r}: give 'generate' or 'pem', not both"
            )
        common_name = item.get("common_name") or item.get("name")
        if not common_name:
            raise ValueError("a generated certificate needs 'name' or 'common_name'")
        keyed = item["type"] in ("server", "client")
        pem, key_pem = generate_ca(common_name, ca=not keyed)
        body.pop("common_name", None)
        if keyed:
            body["private_key"] = key_pem
    if pem is not None:
        body["public_certificate"] = pem
    return body


def _lookup_certificate(client: httpx.Client, name: str, svm: str | None) -> str:
    params = {"name": name, "fields": "uuid"}
    if svm is None:
        params["scope"] = "cluster"
    else:
        params["svm.name"] = svm
    response = client.get("/api/security/certificates", params=params)
    _check(response, f"certificate {name!r}")
    records = response.json().get("records") or []
    if not records:
        where = f"SVM {svm!r}" if svm else "the cluster scope"
        raise ValueError(f"no certificate named {name!r} in {where} to add to IPsec")
    return str(records[0]["uuid"])


def _check(response: httpx.Response, what: str) -> None:
    if response.status_code >= 400:
        raise SeedError(what, response)


def generate_ca(common_name: str, *, ca: bool = True, days: int = 365) -> tuple[str, str]:
    """A self-signed P-256 certificate (CA:TRUE by default) and its key, both PEM."""
    from cryptography.hazmat.primitives.asymmetric import ec

    from ontap_ipsec.domain.pki import build_self_signed

    now = datetime.now(UTC)
    return build_self_signed(
        ec.generate_private_key(ec.SECP256R1()),
        common_name=common_name,
        not_after=now + timedelta(days=days),
        now=now,
        is_ca=ca,
    )
