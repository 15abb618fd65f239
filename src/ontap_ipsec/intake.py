"""A request's body: read only once its credentials pass, and only within a deadline.

A client that is not allowed in gets its 401 from the headers alone: nothing it sends after
them is read, so an unauthenticated client costs neither memory nor a worker's time
(the connection is closed after the answer, so its body is not waited for either). An
allowed one must deliver its body whole within `--body-timeout` seconds, else it is
answered 408 and its connection closes: a body trickled a byte at a time holds nothing for
long.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import Executor
from typing import Any, Protocol

from ontap_ipsec.auth import WouldHash
from ontap_ipsec.control import routes as control
from ontap_ipsec.rest import errors
from ontap_ipsec.rest.asgi import Receive, read_body
from ontap_ipsec.rest.errors import OntapError
from ontap_ipsec.rest.http import Exchange, Request, Response


class OntapApp(Protocol):
    """What this module needs of the app (ontap_ipsec.app, which imports this module)."""

    ctx: Any
    @property
    def verifiers(self) -> Executor: ...

    def authenticate(self, request: Request, exchange: Exchange, may_hash: bool = True) -> None:
        ...

CLOSE = {"connection": "close"}


def has_body(headers: dict[str, str]) -> bool:
    """HTTP/1.1: a request with neither header has no body; nothing to wait for."""
    return "content-length" in headers or "transfer-encoding" in headers


def needs_credentials(app: OntapApp, path: str) -> bool:
    """Whether the app would ask `path`'s request for credentials before anything else."""
    settings = app.ctx.settings
    if path == "/api" or path.startswith("/api/"):
        return True
    if path == "/metrics":
        return not settings.metrics_public
    if path.startswith(control.PREFIX):
        found = control.find(path, toolkit_on=not settings.no_control_api)
        return found is not None and not found.public
    return False


async def refusal(app: OntapApp, head: Request, exchange: Exchange) -> Response | None:
    """The 401 for a request whose headers carry no account's credentials, else None.

    The accepted credential is remembered, so the request's own check after its body
    costs a dictionary lookup. Anything else going wrong here (the database away) is left
    to the request itself, which answers it in ONTAP's envelope.
    """
    if not needs_credentials(app, head.path):
        return None
    try:
        if exchange.version is None:
            exchange.version = app.ctx.store.version()
        try:
            app.authenticate(head, exchange, may_hash=False)
        except WouldHash:
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(app.verifiers, app.authenticate, head, exchange)
    except OntapError as exc:
        return Response(exc.status, exc.body(), {**exc.headers, **CLOSE})
    except Exception:  # noqa: BLE001 - the request's own path reports it
        return None
    return None


async def body(receive: Receive, limit: int, timeout: float) -> tuple[bytes, Response | None]:
    """The body, or the answer to a body too large (413) or not whole within `timeout`
    seconds (408, the connection closed)."""
    try:
        async with asyncio.timeout(timeout):
            content, too_large = await read_body(receive, limit)
    except TimeoutError:
        exc = OntapError(
            408, errors.INVALID, f"The request body was not received within {timeout:g} seconds."
        )
        return b"", Response(exc.status, exc.body(), CLOSE)
    if too_large:
        exc = OntapError(413, errors.INVALID, f"The request body exceeds {limit} bytes.")
        return b"", Response(exc.status, exc.body(), dict(exc.headers))
    return content, None
