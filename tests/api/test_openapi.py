"""/docs/api/openapi.json and the /docs/api page."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from ontap_ipsec.resources.svms import resource as svm_resource
from tests.requirements import require

PATHS = ["/api/cluster", "/api/svm/svms", "/api/svm/svms/{uuid}", "/api/cluster/jobs"]
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


@pytest.fixture(scope="module")
def document(module_api: httpx.Client) -> dict[str, Any]:
    response = module_api.get("/docs/api/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    return json.loads(response.content)


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, op in item.items():
            if method in HTTP_METHODS:
                yield path, method, op


def refs(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, child in value.items():
            if key == "$ref":
                yield child
            else:
                yield from refs(child)
    elif isinstance(value, list):
        for child in value:
            yield from refs(child)


def test_openapi_version_is_3_0(document: dict[str, Any]) -> None:
    assert re.fullmatch(r"3\.0\.\d+", document["openapi"])
    assert document["info"]["title"]
    assert document["info"]["version"]


@pytest.mark.parametrize("path", PATHS)
def test_openapi_has_the_path(document: dict[str, Any], path: str) -> None:
    assert "get" in document["paths"][path]


def test_openapi_methods_match_the_routes(document: dict[str, Any]) -> None:
    assert set(document["paths"]["/api/cluster"]) & HTTP_METHODS == {"get", "patch"}
    assert set(document["paths"]["/api/svm/svms"]) & HTTP_METHODS == {
        "get", "post", "patch", "delete",
    }
    assert set(document["paths"]["/api/svm/svms/{uuid}"]) & HTTP_METHODS == {
        "get", "patch", "delete",
    }
    assert set(document["paths"]["/api/cluster/jobs"]) & HTTP_METHODS == {"get"}


def test_every_gettable_svm_field_is_a_query_parameter_of_the_collection_get(
    document: dict[str, Any],
) -> None:
    params = {
        p["name"] for p in document["paths"]["/api/svm/svms"]["get"]["parameters"]
        if p["in"] == "query"
    }
    missing = [name for name in svm_resource.gettable_names if name not in params]
    assert missing == []
    assert {"fields", "max_records", "return_records", "return_timeout", "order_by"} <= params


def test_parameters_are_unique_per_operation(document: dict[str, Any]) -> None:
    for path, method, op in operations(document):
        keys = [(p["name"], p["in"]) for p in op.get("parameters", [])]
        assert len(keys) == len(set(keys)), f"{method} {path} repeats a parameter"


def test_path_templates_declare_their_parameters(document: dict[str, Any]) -> None:
    for path, method, op in operations(document):
        templated = set(re.findall(r"{([^}]+)}", path))
        declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
        assert templated == declared, f"{method} {path}"
        assert all(p["required"] for p in op.get("parameters", []) if p["in"] == "path")


def test_every_operation_has_responses_and_a_unique_id(document: dict[str, Any]) -> None:
    ids = [op["operationId"] for _, _, op in operations(document)]
    assert len(ids) == len(set(ids))
    for path, method, op in operations(document):
        assert op["responses"], f"{method} {path}"


def test_every_reference_resolves(document: dict[str, Any]) -> None:
    for ref in refs(document):
        assert ref.startswith("#/")
        node: Any = document
        for part in ref[2:].split("/"):
            assert part in node, ref
            node = node[part]


def test_openapi_document_validates(document: dict[str, Any]) -> None:
    validator = require(
        "openapi_spec_validator",
        "openapi-spec-validator is in the test extra; without it the structural checks above "
        "stand in",
    )
    validate = getattr(validator, "validate", None) or validator.validate_spec
    validate(document)


def test_docs_page_is_html_mentioning_the_svm_path(module_api: httpx.Client) -> None:
    response = module_api.get("/docs/api")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "/api/svm/svms" in response.text
    assert "/api/cluster/jobs" in response.text


def test_docs_refuse_writes(module_api: httpx.Client) -> None:
    response = module_api.post("/docs/api", content=b"{}")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "3"


# --- the served schemas against NetApp's definitions (the generated Go bindings of NetApp's
# Trident repository and netapp_ontap's schemas follow ONTAP's own OpenAPI) ------------------


def test_ipsec_ca_certificate_records_have_no_links_of_their_own(
    document: dict[str, Any],
) -> None:
    schema = document["components"]["schemas"]["ipsec_ca_certificate"]["properties"]
    assert "_links" not in schema
    assert "_links" in schema["certificate"]["properties"]
    assert "_links" in schema["svm"]["properties"]


def test_certificate_expiry_time_is_a_string_as_in_netapps(document: dict[str, Any]) -> None:
    expiry = document["components"]["schemas"]["security_certificate"]["properties"][
        "expiry_time"
    ]
    assert expiry["type"] == "string" and "format" not in expiry  # durations are posted
    job = document["components"]["schemas"]["job"]["properties"]
    assert job["start_time"] == {**job["start_time"], "type": "string", "format": "date-time"}


def test_sign_is_under_ca_uuid_and_takes_return_records(document: dict[str, Any]) -> None:
    sign = document["paths"]["/api/security/certificates/{ca.uuid}/sign"]["post"]
    assert "/api/security/certificates/{uuid}/sign" not in document["paths"]
    params = {p["name"]: p for p in sign["parameters"]}
    assert params["ca.uuid"]["in"] == "path"
    assert params["return_records"]["schema"] == {"type": "boolean", "default": False}
    assert set(sign["responses"]) == {"200", "default"}


def test_svm_subtype_enum_is_netapps(document: dict[str, Any]) -> None:
    subtype = document["components"]["schemas"]["svm"]["properties"]["subtype"]
    assert subtype["enum"] == [
        "default", "dp_destination", "sync_source", "sync_destination", "data_engine"
    ]


def test_the_certificate_signing_request_is_documented(document: dict[str, Any]) -> None:
    post = document["paths"]["/api/security/certificate-signing-request"]["post"]
    body = post["requestBody"]["content"]["application/json"]["schema"]["properties"]
    assert {"subject_name", "security_strength", "hash_function", "algorithm"} <= set(body)
    assert set(body["subject_alternatives"]["properties"]) == {"dns", "email", "ip", "uri"}


def test_body_objects_are_closed_at_every_depth(
    document: dict[str, Any], module_api: httpx.Client
) -> None:
    """Found by Schemathesis: a nested body object (`svm`, `ipspace`, `local_endpoint`)
    allowed any property, which the server refuses (262179); the document says so now."""
    open_objects, seen = [], []

    def walk(schema: dict[str, Any], where: str) -> None:
        if "properties" in schema:
            seen.append(where)
            if schema.get("additionalProperties") is not False:
                open_objects.append(where)
            for name, child in schema["properties"].items():
                walk(child, f"{where}.{name}")

    for path, method, op in operations(document):
        if method in ("post", "patch") and "requestBody" in op:
            walk(op["requestBody"]["content"]["application/json"]["schema"], f"{method} {path}")
    assert open_objects == []
    assert "post /api/svm/svms.ipspace" in seen  # nested objects are looked at
    response = module_api.post("/api/svm/svms", json={"name": "vs9", "ipspace": {"x": 1}})
    assert response.status_code == 400 and response.json()["error"]["code"] == "262179"
