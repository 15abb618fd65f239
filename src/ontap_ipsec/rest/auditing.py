"""What of a change request goes into the audit log (domain/backends/audit.py), read from
the request as answered: its method, target and outcome, who sent it and from where.

Recorded for every POST, PATCH and DELETE under /api, refused or not (a 401 too: the
name tried, never the password), by the app after the answer is known, from the one
place every such request passes (OntapApp._serve). The web console's changes are calls
to the same API and are recorded as such.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import orjson

from ontap_ipsec.auth import parse_basic
from ontap_ipsec.domain.backends.audit import Entry
from ontap_ipsec.rest.http import Exchange, Request, Response

log = logging.getLogger("ontap_ipsec")

CHANGES = frozenset({"POST", "PATCH", "DELETE"})
_SECRET_KEY = re.compile(r"password|passphrase|private_key|secret_key|shared_key|psk", re.I)


def audited(request: Request) -> bool:
    return request.method in CHANGES and (request.path == "/api" or request.path.startswith(
        "/api/"
    ))


def entry(
    request: Request, response: Response, exchange: Exchange, client: Any
) -> Entry:
    principal = exchange.principal
    user = principal.name if principal is not None else _tried(request)
    seen = exchange.seen_svm
    return Entry(
        method=request.method,
        target=request.target,
        status=response.status,
        location=str(client[0]) if client else "",
        user=user,
        role=principal.role if principal is not None else None,
        svm_uuid=seen[0] if seen else None,
        svm_name=seen[1] if seen else None,
        message=_message(response, request.body),
    )


def _tried(request: Request) -> str | None:
    """The account name a refused credential tried (never its password)."""
    creds = parse_basic(request.headers.get("authorization"))
    return creds[0] if creds else None


def _message(response: Response, body: bytes) -> str | None:
    if response.status < 400 or not isinstance(response.body, dict):
        return None
    error = response.body.get("error")
    if not isinstance(error, dict):
        return None
    text = f'{error.get("message", "")} (code {error.get("code", "")})'
    for secret in _secrets(body):  # an error that echoes a value never echoes a secret
        text = text.replace(secret, "<redacted>")
    return text


def _secrets(body: bytes) -> list[str]:
    if not body:
        return []
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        return []
    found: list[str] = []

    def walk(node: Any, secret: bool) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, secret or bool(_SECRET_KEY.search(str(key))))
        elif isinstance(node, list):
            for value in node:
                walk(value, secret)
        elif secret and node is not None and str(node):
            found.append(str(node))

    walk(document, False)
    return sorted(found, key=len, reverse=True)
