"""The served OpenAPI document as Schemathesis gets it in the reliability suite.

Three changes, all to the test's copy (the served document stays as ONTAP's has it):

* dotted path parameters (`certificate.uuid`, sign's `ca.uuid`) renamed with `_`, as
  tests/ipsec/test_schemathesis.py explains (Schemathesis fills templates with format());
* OpenAPI links, ONTAP's own chain of an object: created by a POST (its `Location`
  header names it), then fetched, patched and deleted by its key; listed by a GET (the
  first record's key); an SVM's name and a certificate's uuid carried into the POSTs that
  need them; the job a 202 names. ONTAP's own OpenAPI document has no links (NetApp
  generates it as Swagger 2.0, which has none), so they are not served;
* the rules the server enforces and the document does not state, declared on the request
  side so that positive data reaches the rules behind them and negative data is judged
  by what the server really refuses: an SVM name's pattern and size, the
  "true"/"false" and digit strings ONTAP takes for booleans and integers in a body
  (docs/fidelity.md).
"""

from __future__ import annotations

import copy
import re
from typing import Any

LOCATION_KEY = "$response.header.Location#regex:/([^/?]+)$"
SVM_NAME = {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_.-]{0,46}$"}


def prepare(document: dict[str, Any]) -> dict[str, Any]:
    """The copy of `document` Schemathesis runs on."""
    doc = _renamed(copy.deepcopy(document))
    _steer(doc)
    _link(doc)
    return doc


def _renamed(document: dict[str, Any]) -> dict[str, Any]:
    paths = {}
    for path, item in document["paths"].items():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    parameter["name"] = parameter["name"].replace(".", "_")
        paths[re.sub(r"\{([^}]*)\}", lambda m: "{" + m.group(1).replace(".", "_") + "}", path)] = (
            item
        )
    document["paths"] = paths
    return document


def _bodies(document: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for item in document["paths"].values():
        for operation in item.values():
            content = operation.get("requestBody", {}).get("content", {})
            out += [media["schema"] for media in content.values()]
    return out


def _steer(document: dict[str, Any]) -> None:
    svm_post = document["paths"]["/api/svm/svms"]["post"]["requestBody"]["content"]
    for media in svm_post.values():
        media["schema"]["properties"]["name"].update(SVM_NAME)
    for schema in _bodies(document):
        _lenient_scalars(schema)


def _lenient_scalars(schema: dict[str, Any]) -> None:
    """Booleans and integers of a body may come as their text, as ONTAP takes them."""
    for name, prop in list(schema.get("properties", {}).items()):
        kind = prop.get("type")
        if kind == "object":
            _lenient_scalars(prop)
        elif kind == "boolean":
            text = {"type": "string", "enum": ["true", "false", "TRUE", "FALSE", "True", "False"]}
            schema["properties"][name] = {"anyOf": [prop, text]}
        elif kind == "integer":
            text = {"type": "string", "pattern": r"^\s*[+-]?[0-9]+\s*$"}
            schema["properties"][name] = {"anyOf": [prop, text]}


def _operation(document: dict[str, Any], path: str, method: str) -> dict[str, Any] | None:
    return document["paths"].get(path, {}).get(method)


def _add_link(source: dict[str, Any], statuses: tuple[str, ...], name: str, link: dict) -> None:
    for status in statuses:
        response = source["responses"].get(status)
        if response is not None:
            response.setdefault("links", {})[name] = copy.deepcopy(link)


def _link(document: dict[str, Any]) -> None:
    paths = document["paths"]
    for path, item in list(paths.items()):
        depth = path.count("/") + 1
        instances = [p for p in paths if p.startswith(path + "/{") and p.count("/") == depth]
        if not instances:
            continue
        instance_path = instances[0]
        param = instance_path.rsplit("{", 1)[1].rstrip("}")
        pointer = param.replace("_", "/") if param != "uuid" else "uuid"
        for method, target in paths[instance_path].items():
            target_id = target["operationId"]
            parameters = {param: LOCATION_KEY}
            if "post" in item:
                _add_link(
                    item["post"],
                    ("201", "202"),
                    f"created_{method}",
                    {
                        "operationId": target_id,
                        "parameters": parameters,
                    },
                )
            if "get" in item:
                _add_link(
                    item["get"],
                    ("200",),
                    f"listed_{method}",
                    {
                        "operationId": target_id,
                        "parameters": {param: f"$response.body#/records/0/{pointer}"},
                    },
                )
            for other, source in paths[instance_path].items():
                if other != method and other in ("get", "patch"):
                    _add_link(
                        source,
                        ("200", "202"),
                        f"same_{method}",
                        {
                            "operationId": target_id,
                            "parameters": {param: f"$request.path.{param}"},
                        },
                    )
        for action_path, action_item in paths.items():
            if action_path.startswith(path + "/{") and action_path.count("/") > depth:
                action_param = action_path.split("{", 1)[1].split("}", 1)[0]
                for method, target in action_item.items():
                    if "post" in item:
                        _add_link(
                            item["post"],
                            ("201",),
                            f"created_{method}_action",
                            {
                                "operationId": target["operationId"],
                                "parameters": {action_param: LOCATION_KEY},
                            },
                        )
    _carry(document)


def _carry(document: dict[str, Any]) -> None:
    """Values one object's creation gives to the next: an SVM's name, a certificate's
    uuid, a job's uuid."""
    svms = _operation(document, "/api/svm/svms", "post")
    certificates = _operation(document, "/api/security/certificates", "post")
    ipsec_ca = _operation(document, "/api/security/ipsec/ca-certificates", "post")
    policies = _operation(document, "/api/security/ipsec/policies", "post")
    job = _operation(document, "/api/cluster/jobs/{uuid}", "get")
    if svms is not None and job is not None:
        _add_link(
            svms,
            ("201", "202"),
            "its_job",
            {
                "operationId": job["operationId"],
                "parameters": {"uuid": "$response.body#/job/uuid"},
            },
        )
    for consumer, name in ((certificates, "in_svm_certificate"), (policies, "in_svm_policy")):
        if svms is not None and consumer is not None:
            _add_link(
                svms,
                ("201", "202"),
                name,
                {
                    "operationId": consumer["operationId"],
                    "requestBody": {"svm": {"name": "$request.body#/name"}},
                },
            )
    if certificates is not None and ipsec_ca is not None:
        _add_link(
            certificates,
            ("201",),
            "listed_for_ipsec",
            {
                "operationId": ipsec_ca["operationId"],
                "requestBody": {"certificate": {"uuid": LOCATION_KEY}},
            },
        )
    if certificates is not None and policies is not None:
        _add_link(
            certificates,
            ("201",),
            "policy_certificate",
            {
                "operationId": policies["operationId"],
                "requestBody": {"certificate": {"uuid": LOCATION_KEY}},
            },
        )
