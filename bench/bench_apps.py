"""The ASGI apps the harness serves: the floor app and a factory for ours.

`floor` answers every request with a constant JSON body whose size is the
number in the path (`/floor/1234` -> exactly 1234 bytes): no auth, no storage,
no parsing beyond the path. It is the fastest an ASGI app can be, so serving it
under a server measures the server alone.

`ours` builds ontap-ipsec's app from ONTAP_IPSEC_* variables, for the servers
whose command line takes an import string (uvicorn --workers, granian).
"""

from __future__ import annotations

from typing import Any

_BODIES: dict[int, tuple[bytes, list[tuple[bytes, bytes]]]] = {}
_PREFIX = b'{"records":"'
_SUFFIX = b'"}'


def _body(size: int) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    found = _BODIES.get(size)
    if found is None:
        pad = max(0, size - len(_PREFIX) - len(_SUFFIX))
        body = _PREFIX + b"x" * pad + _SUFFIX
        headers = [
            (b"content-type", b"application/hal+json"),
            (b"content-length", str(len(body)).encode()),
        ]
        found = _BODIES[size] = (body, headers)
    return found


async def floor(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    tail = scope["path"].rsplit("/", 1)[-1]
    size = int(tail) if tail.isdigit() and len(tail) < 9 else 64
    body, headers = _body(size)
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def ours() -> Any:
    """Factory: the app of `ontap-ipsec serve`, configured from the environment."""
    from ontap_ipsec.app import create_app
    from ontap_ipsec.config import Settings

    return create_app(Settings.from_env(), announce=lambda _: None)
