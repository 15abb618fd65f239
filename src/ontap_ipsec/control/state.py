"""State snapshots over the control API.

``GET /_ontap-ipsec/state``
    The whole state as the YAML document ``ontap-ipsec state export`` writes, without
    private keys.
``POST /_ontap-ipsec/state/export`` ``{"passphrase": "..."}``
    The same with the private keys, sealed with the passphrase (in a JSON body, never in
    the URL or a header, so that no log or journal keeps it).
``PUT /_ontap-ipsec/state``
    Replace the state with a document, all or nothing: the YAML itself as the body, or
    ``{"document": "<yaml>", "passphrase": "..."}`` for one that holds private keys.
    ``?accounts=keep`` keeps the accounts there are. A bad document is 400 with ONTAP's
    envelope, its message naming the line.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from ontap_ipsec.control.bodies import json_object
from ontap_ipsec.control.routes import route
from ontap_ipsec.rest import errors
from ontap_ipsec.rest.context import Context
from ontap_ipsec.rest.errors import OntapError
from ontap_ipsec.rest.http import Request, Response

PATH = "/_ontap-ipsec/state"
YAML = "application/yaml; charset=utf-8"


@route(PATH, "GET")
def export(ctx: Context, _request: Request) -> Response:
    return Response(200, ctx.backends.state.export().encode(), content_type=YAML)


@route(PATH + "/export", "POST")
def export_with_keys(ctx: Context, request: Request) -> Response:
    body = json_object(request.body)
    passphrase = _passphrase(body, required=True)
    for name in body:
        if name != "passphrase":
            raise OntapError(400, errors.UNEXPECTED_ARGUMENT, f'Unexpected argument "{name}".')
    return Response(200, ctx.backends.state.export(passphrase).encode(), content_type=YAML)


@route(PATH, "PUT")
def load(ctx: Context, request: Request) -> Response:
    document: Any = request.body
    passphrase = None
    if "json" in request.headers.get("content-type", ""):
        body = json_object(request.body)
        for name in body:
            if name not in ("document", "passphrase"):
                raise OntapError(400, errors.UNEXPECTED_ARGUMENT, f'Unexpected argument "{name}".')
        document = body.get("document")
        if not isinstance(document, str):
            raise OntapError(
                400, errors.MISSING_VALUE, 'Request is missing required value: "document".'
            )
        passphrase = _passphrase(body, required=False)
    keep = _keep_accounts(request.query_string)
    loaded = ctx.backends.state.load(document, passphrase, keep_accounts=keep)
    return Response(200, {"loaded": loaded})


def _keep_accounts(query: str) -> bool:
    """``?accounts=keep`` keeps the accounts there are (``replace``, the default, takes the
    document's when it has them)."""
    params = parse_qs(query, keep_blank_values=True)
    for name in params:
        if name != "accounts":
            raise OntapError(400, errors.UNEXPECTED_ARGUMENT, f'Unexpected argument "{name}".')
    value = params.get("accounts", ["replace"])[-1]
    if value not in ("keep", "replace"):
        raise OntapError(
            400,
            errors.INVALID_FIELD_VALUE,
            f'The value "{value}" is invalid for field "accounts" (keep or replace)',
            target="accounts",
        )
    return value == "keep"


def _passphrase(body: dict[str, Any], *, required: bool) -> str | None:
    value = body.get("passphrase")
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value:
        raise OntapError(
            400, errors.MISSING_VALUE, 'Request is missing required value: "passphrase".'
        )
    return value
