"""The OpenAPI document, built from the same Resource declarations as the routes."""

from __future__ import annotations

from typing import Any

from ontap_ipsec import __version__, versions
from ontap_ipsec.rest.query import DEFAULT_MAX_RECORDS, MAX_RETURN_TIMEOUT
from ontap_ipsec.rest.resource import Field, Resource

_TYPES = {
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "boolean": {"type": "boolean"},
    "datetime": {"type": "string"},  # the field's format says date-time where NetApp's does
    "object": {"type": "object"},
}
_HREF = {"type": "object", "properties": {"href": {"type": "string"}}}
_SELF_LINKS = {"type": "object", "properties": {"self": _HREF}}
_COLLECTION_LINKS = {"type": "object", "properties": {"self": _HREF, "next": _HREF}}
_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["message", "code"],
            "properties": {
                "message": {"type": "string", "description": "Error message"},
                "code": {"type": "string", "description": "Error code"},
                "target": {"type": "string", "description": "The parameter that caused the error."},
                "arguments": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
                    },
                },
            },
        }
    },
}
_JOB_LINK = {
    "type": "object",
    "properties": {"uuid": {"type": "string", "format": "uuid"}, "_links": _SELF_LINKS},
}


def _leaf_schema(fld: Field, *, for_write: bool) -> dict[str, Any]:
    if fld.type == "array":
        schema: dict[str, Any] = {"type": "array", "items": dict(_TYPES[fld.items])}
    else:
        schema = dict(_TYPES[fld.type])
        if fld.format and "format" not in schema:
            schema["format"] = fld.format
    if fld.enum:
        schema["enum"] = list(fld.enum)
    if fld.description:
        schema["description"] = fld.description
    if fld.example is not None:
        schema["example"] = fld.example
    if not for_write and not fld.postable and not fld.patchable:
        schema["readOnly"] = True
    if not fld.gettable:
        schema["writeOnly"] = True
    return schema


def _object_schema(
    resource: Resource, fields: list[Field], *, for_write: bool, post: bool = False
) -> dict[str, Any]:
    """The schema of records (`for_write` False) or of a POST/PATCH body; a POST body
    lists the fields declared `required_on_post` as required, nested where they are."""
    root: dict[str, Any] = {"type": "object", "properties": {}}
    # A body's objects, nested ones too, take only their declared fields: any other is
    # refused (262179), so the document says so.
    closed = {"additionalProperties": False} if for_write else {}
    for fld in fields:
        node = root
        for part in fld.parts[:-1]:
            parent = node
            node = node["properties"].setdefault(
                part, {"type": "object", "properties": {}, **closed}
            )
            if post and fld.required_on_post:
                _require(parent, part)
        node["properties"][fld.parts[-1]] = _leaf_schema(fld, for_write=for_write)
        if post and fld.required_on_post:
            _require(node, fld.parts[-1])
    if not for_write:
        if resource.self_links and (resource.key is not None or resource.singleton):
            root["properties"]["_links"] = _SELF_LINKS
        for link in resource.links:
            node = root
            for part in link.prefix.split("."):
                node = node["properties"].setdefault(part, {"type": "object", "properties": {}})
            node["properties"]["_links"] = _SELF_LINKS
    else:
        root["additionalProperties"] = False
    return root


def _require(node: dict[str, Any], name: str) -> None:
    required = node.setdefault("required", [])
    if name not in required:
        required.append(name)


def _param(name: str, schema: dict[str, Any], description: str, where: str = "query") -> dict:
    return {
        "name": name,
        "in": where,
        "required": where == "path",
        "schema": schema,
        "description": description,
    }


def _control_params(kind: str) -> list[dict[str, Any]]:
    timeout = _param(
        "return_timeout",
        {"type": "integer", "minimum": 0, "maximum": MAX_RETURN_TIMEOUT},
        "Seconds to allow the call to execute before returning.",
    )
    records_get = _param(
        "return_records",
        {"type": "boolean", "default": True},
        "When false, only the number of records is returned.",
    )
    records_post = _param(
        "return_records",
        {"type": "boolean", "default": False},
        "When true, the records are returned.",
    )
    fields = _param(
        "fields",
        {"type": "array", "items": {"type": "string"}},
        "The fields to return (comma-separated; * common, ** all).",
    )
    if kind == "list":
        return [
            fields,
            _param(
                "max_records",
                {"type": "integer", "minimum": 1},
                f"Limit the number of records returned (default {DEFAULT_MAX_RECORDS}).",
            ),
            records_get,
            timeout,
            _param(
                "order_by",
                {"type": "array", "items": {"type": "string"}},
                "Order results by fields, each with an optional asc or desc.",
            ),
        ]
    if kind == "get":
        return [fields]
    return [records_post, timeout]


def _filter_params(resource: Resource) -> list[dict[str, Any]]:
    return [
        _param(f.name, {"type": "string"}, f"Filter by {f.name}")
        for f in resource.fields
        if f.gettable
    ]


def _json(schema: Any) -> dict[str, Any]:
    return {"application/json": {"schema": schema}, "application/hal+json": {"schema": schema}}


def _responses(ok: str, schema: Any | None, *, location: bool = False) -> dict[str, Any]:
    response: dict[str, Any] = {"description": ok}
    if schema is not None:
        response["content"] = _json(schema)
    if location:
        response["headers"] = {
            "Location": {"schema": {"type": "string"}, "description": "The new resource's path."}
        }
    return response


def document(resources: list[Resource]) -> dict[str, Any]:
    schemas: dict[str, Any] = {
        "returned_error": _ERROR,
        "job_link": _JOB_LINK,
    }
    paths: dict[str, Any] = {}
    error = {
        "description": "Error",
        "content": _json({"$ref": "#/components/schemas/returned_error"}),
    }
    for res in resources:
        if not versions.current().allows(f"endpoint {res.path}"):
            continue  # not in the release being served
        readable = [f for f in res.fields if f.gettable]
        schemas[res.name] = _object_schema(res, readable, for_write=False)
        ref = {"$ref": f"#/components/schemas/{res.name}"}
        collection_schema = {
            "type": "object",
            "properties": {
                "records": {"type": "array", "items": ref},
                "num_records": {"type": "integer"},
                "_links": _COLLECTION_LINKS,
            },
        }
        records_schema = {
            "type": "object",
            "properties": {
                "num_records": {"type": "integer"},
                "records": {"type": "array", "items": ref},
                "job": {"$ref": "#/components/schemas/job_link"},
                "jobs": {"type": "array", "items": {"$ref": "#/components/schemas/job_link"}},
            },
        }
        tags = [res.tag or res.name]
        coll: dict[str, Any] = {}
        inst: dict[str, Any] = {}
        for (scope, method), _handler in res.handlers.items():
            doc = res.docs.get((scope, method), {})
            op: dict[str, Any] = {
                "tags": tags,
                "operationId": f"{res.name}_{scope}_{method.lower()}",
                "summary": doc.get("summary") or f"{method} {res.summary}",
                "responses": {"default": error},
            }
            params: list[dict[str, Any]] = []
            if scope == "instance":
                names = [res.key or "key"]
                if res.key_path is not None:  # "{owner.uuid}/{name}": one parameter each
                    names = [part.strip("{}") for part in res.key_path.split("/")]
                params += [
                    _param(name, {"type": "string"}, f"The {name} of the record.", "path")
                    for name in names
                ]
            if method == "GET" and scope == "collection" and not res.singleton:
                params += _control_params("list") + _filter_params(res)
                op["responses"]["200"] = _responses("OK", collection_schema)
            elif method == "GET":
                params += _control_params("get")
                op["responses"]["200"] = _responses("OK", ref)
            elif method == "POST":
                params += _control_params("post")
                writable = [f for f in res.fields if f.postable]
                op["requestBody"] = {
                    "content": _json(_object_schema(res, writable, for_write=True, post=True)),
                    "required": True,
                }
                op["responses"]["201"] = _responses("Created", records_schema, location=True)
                op["responses"]["202"] = _responses(
                    "Accepted: a job was started", records_schema, location=True
                )
            elif method in ("PATCH", "DELETE"):
                params += _control_params("post")
                if scope == "collection":
                    params += _filter_params(res)
                    params += [
                        _param(
                            "continue_on_failure",
                            {"type": "boolean", "default": False},
                            "Continue even when the operation fails on one of the records.",
                        ),
                        _param(
                            "serial_records",
                            {"type": "boolean", "default": False},
                            "Perform the operation on the records one at a time.",
                        ),
                    ]
                if method == "PATCH":
                    writable = [f for f in res.fields if f.patchable]
                    op["requestBody"] = {
                        "content": _json(_object_schema(res, writable, for_write=True)),
                        "required": True,
                    }
                op["responses"]["200"] = _responses("OK", records_schema)
                op["responses"]["202"] = _responses("Accepted: a job was started", records_schema)
            op["parameters"] = params
            (coll if scope == "collection" else inst)[method.lower()] = op
        if coll:
            paths[res.path] = coll
        if inst:
            paths[res.instance_path] = inst
        for name, action in res.actions.items():
            action_ops: dict[str, Any] = {}
            body = action.body
            request = _object_schema(
                body, [f for f in body.fields if f.postable], for_write=True, post=True
            )
            response = _object_schema(
                action.answer, [f for f in action.answer.fields if f.gettable], for_write=True
            )
            response.pop("additionalProperties", None)
            key = action.path_key or res.key or "key"
            for method in action.handlers:
                action_ops[method.lower()] = {
                    "tags": tags,
                    "operationId": f"{res.name}_{name}_{method.lower()}",
                    "summary": action.summary or name,
                    "parameters": [
                        _param(key, {"type": "string"}, f"The {key} of the record.", "path"),
                        *_control_params("post"),
                    ],
                    "requestBody": {"content": _json(request), "required": True},
                    "responses": {"200": _responses("OK", response), "default": error},
                }
            paths[f"{res.path}/{{{key}}}/{name}"] = action_ops
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "ontap-ipsec: ONTAP REST API for IPsec CA certificates",
            "version": __version__,
            "description": "A faithful implementation of the ONTAP REST API subset that "
            "IPsec CA certificates need. Authentication: HTTP Basic.",
        },
        "servers": [{"url": "/"}],
        "security": [{"basicAuth": []}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"basicAuth": {"type": "http", "scheme": "basic"}},
        },
    }
