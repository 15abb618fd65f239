"""The state the fuzz tests read, and the drivers that hand inputs to the decoders.

`seeded_document` builds SVMs, certificates (CAs and a leaf with its key, in the cluster's
and in SVMs' scopes), IPsec CA entries, IPsec policies (PSK, PKI, bypass) and the jobs
that made them, through the API, and exports it: loaded into an app on SQLite and one on
PostgreSQL, both hold the same records with the same uuids, so the same request must get
the same answer from both.

`run_query` and `run_body` call what a request calls, directly: the handler of a GET
(parse_query, the projection, the compiled filters run on the database, the rendering),
parse_query alone for the other methods, parse_body for every body a resource declares.
Only the project's refusals may come out: an OntapError of a 4xx status, a DomainError
(mapped by its kind to 400/403/404/409), the store's BadData (400). Anything else is a bug.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ontap_ipsec.app import OntapApp
from ontap_ipsec.domain.errors import DomainError
from ontap_ipsec.inprocess import client as inprocess_client
from ontap_ipsec.resources import all_resources
from ontap_ipsec.rest.body import parse_body
from ontap_ipsec.rest.errors import OntapError
from ontap_ipsec.rest.http import Request, Response, query_text
from ontap_ipsec.rest.query import parse_query
from ontap_ipsec.rest.resource import Resource
from ontap_ipsec.store import records
from ontap_ipsec.store.errors import BadData
from tests.conftest import AUTH, fresh_app
from tests.ipsec.conftest import add, install_ca, install_leaf, make_svm
from tests.ipsec_policies.conftest import create, pki_body, psk_body

PASSPHRASE = "fuzz-seed-passphrase"
REFUSALS = (OntapError, DomainError, BadData)
RESOURCES = [r for r in all_resources() if r.handlers]
# Methods whose query is parsed with that operation (the GETs run their handler instead).
OPERATIONS = {"POST": "post", "PATCH": "patch", "DELETE": "delete"}


def seeded_document(template: Path, where: Path) -> str:
    """The state document (private keys sealed with PASSPHRASE) of a small varied world."""
    app = fresh_app(template, where)
    try:
        with inprocess_client(app, auth=AUTH) as api:
            for svm in ("vs1", "vs2"):
                make_svm(api, svm)
            for name, svm in (("cl_ca0", None), ("cl_ca1", None), ("vs1_ca0", "vs1")):
                uuid = install_ca(api, name, svm)
                if not name.endswith("1"):
                    add(api, uuid, svm)
            install_ca(api, "vs2_ca0", "vs2")
            install_leaf(api, "leaf", "vs1")
            create(api, psk_body("psk"))
            create(api, psk_body("psk", svm="vs1", protocol="tcp"))
            create(api, pki_body({"name": "leaf"}, "pki", svm="vs1"))
            create(api, psk_body("bypass", action="bypass"))
            response = api.patch("/api/security/ipsec", json={"enabled": True})
            assert response.status_code == 200, response.text
        return app.ctx.backends.state.export(PASSPHRASE)
    finally:
        app.ctx.store.dispose()


def load(app: OntapApp, document: str) -> None:
    app.ctx.backends.state.load(document, PASSPHRASE, keep_accounts=True)


def instance_keys(app: OntapApp) -> dict[str, list[str]]:
    """The keys of each resource's stored records, by resource name."""
    keys: dict[str, list[str]] = {}
    with inprocess_client(app, auth=AUTH) as api:
        for res in RESOURCES:
            if res.key is None or ("collection", "GET") not in res.handlers:
                continue
            body = api.get(res.path, params={"fields": res.key}).json()
            keys[res.name] = [_dig(r, res.key) for r in body.get("records", [])]
    return keys


def _dig(record: dict[str, Any], dotted: str) -> Any:
    for part in dotted.split("."):
        record = record[part]
    return record


@dataclass
class Tally:
    """How many inputs ran, how many were refused, and what escaped (kept to a few)."""

    inputs: int = 0
    refused: int = 0
    answered: int = 0
    escaped: list[str] = field(default_factory=list)
    escapes: int = 0

    def escape(self, what: str, exc: BaseException) -> None:
        self.escapes += 1
        if len(self.escaped) < 5:
            text = "".join(traceback.format_exception(exc)[-6:])
            self.escaped.append(f"{what}\n{text}")


def get_request(resource: Resource, raw_query: bytes, key: str | None) -> Request:
    path = resource.path if key is None else resource.instance_href(key)
    params = {} if key is None else {"key": key}
    return Request("GET", path, query_text(raw_query), {}, b"", params)


def status_of(exc: BaseException) -> int:
    """The HTTP status the app answers a refusal with."""
    if isinstance(exc, OntapError):
        return exc.status
    if isinstance(exc, DomainError):
        return OntapError.from_domain(exc).status
    return 400  # BadData


def run_get(app: OntapApp, resource: Resource, raw_query: bytes, key: str | None) -> Any:
    """The GET handler's answer as ("answered", status, body), or its refusal as
    ("refused", status, code); anything else it raises goes on."""
    scope = "collection" if key is None else "instance"
    handler = resource.handlers[(scope, "GET")]
    try:
        response: Response = handler(app.ctx, get_request(resource, raw_query, key))
    except REFUSALS as exc:
        return ("refused", status_of(exc), getattr(exc, "code", "bad-data"))
    return ("answered", response.status, response.body)


def pick_key(resource: Resource, choice: int, keys: list[str]) -> str | None:
    """None for the collection; a stored key, or one that names nothing, for an instance."""
    collection = ("collection", "GET") in resource.handlers
    if ("instance", "GET") not in resource.handlers or (collection and choice % 3):
        return None
    if keys and choice % 2:
        return keys[choice % len(keys)]
    return "no\x00such-key" if choice % 4 == 0 else "2c8b1d9e-0000-4000-8000-000000000000"


def run_query(
    app: OntapApp, resource: Resource, raw_query: bytes, choice: int, keys: list[str], tally: Tally
) -> Any:
    """One query string through one of the resource's operations (picked by `choice`);
    the GET's outcome (see run_get), None for the others."""
    tally.inputs += 1
    methods = sorted({m for (_s, m) in resource.handlers})
    method = methods[choice % len(methods)]
    outcome = None
    try:
        if method == "GET":
            outcome = run_get(app, resource, raw_query, pick_key(resource, choice, keys))
            refused = outcome[0] == "refused"
            if refused and not 400 <= outcome[1] < 500:
                tally.escape(f"GET {resource.path}?{raw_query!r}: {outcome}", AssertionError())
        else:
            operation = OPERATIONS[method]
            bulk = ("collection", method) in resource.handlers and not resource.singleton
            if bulk and method != "POST" and choice % 2:
                operation = "bulk"
            query = parse_query(query_text(raw_query), resource, operation)  # type: ignore[arg-type]
            if operation == "bulk":  # the records it would change: the filters run as SQL
                records.matching_keys(app.ctx.store, resource, query.filters, query.max_records)
            refused = False
    except REFUSALS as exc:
        refused = True
        if not 400 <= status_of(exc) < 500:
            tally.escape(f"{method} {resource.path}?{raw_query!r}", exc)
    except Exception as exc:  # noqa: BLE001 - this is what the fuzz looks for
        tally.escape(f"{method} {resource.path}?{raw_query!r}", exc)
        return None
    if refused:
        tally.refused += 1
    else:
        tally.answered += 1
    return outcome


def body_targets() -> list[tuple[str, Resource, str]]:
    """(label, declaration, operation) of every body a resource takes."""
    out = []
    for res in RESOURCES:
        for scope, method in res.handlers:
            if method in ("POST", "PATCH"):
                out.append((f"{method} {res.path} ({scope})", res, method.lower()))
        for name, action in res.actions.items():
            out.append((f"POST {res.path}/{{}}/{name}", action.body, "post"))
    return out


def run_body(resource: Resource, operation: str, raw: bytes, tally: Tally) -> None:
    tally.inputs += 1
    try:
        parse_body(raw, resource, operation)  # type: ignore[arg-type]
        tally.answered += 1
    except OntapError as exc:
        if not 400 <= exc.status < 500:
            tally.escape(f"{operation} {resource.path} {raw[:200]!r}: status {exc.status}", exc)
        tally.refused += 1
    except Exception as exc:  # noqa: BLE001 - this is what the fuzz looks for
        tally.escape(f"{operation} {resource.path} {raw[:200]!r}", exc)
