"""uvicorn's HTTP protocol (httptools), answering what it refuses by itself in ONTAP's envelope.

httptools refuses some requests before any app sees them: an unknown method, a raw
non-ASCII byte in the request target, a malformed header or `Content-Length`. uvicorn then
writes a plain-text 400 of its own. Here that 400 carries ONTAP's error envelope, ONTAP's
`Server` header and the service's base headers, so a client reading `error.code` still finds
one; the connection is closed after it, as uvicorn does (the parser cannot go on).
"""

from __future__ import annotations

import asyncio

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from ontap_ipsec.client_certs import peer_pem
from ontap_ipsec.rest.errors import INVALID
from ontap_ipsec.rest.http import BASE_HEADERS, HAL


def refusal(message: str) -> bytes:
    """The whole HTTP/1.1 answer to a request the parser refused."""
    body = orjson.dumps({"error": {"message": message, "code": INVALID}})
    head = [b"HTTP/1.1 400 Bad Request\r\n"]
    head += [name + b": " + value + b"\r\n" for name, value in BASE_HEADERS]
    head += [
        b"content-type: " + HAL.encode() + b"\r\n",
        b"content-length: " + str(len(body)).encode() + b"\r\n",
        b"connection: close\r\n\r\n",
    ]
    return b"".join(head) + body


class EnvelopeHttpToolsProtocol(HttpToolsProtocol):
    """Also gives the app the client certificate of a TLS connection, as the ASGI TLS
    extension's `client_cert_chain` (the leaf only: Python's ssl shows no more), which
    uvicorn itself does not (ontap_ipsec.client_certs: certificate login)."""

    _tls: dict[str, object] | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        pem = peer_pem(transport.get_extra_info("ssl_object"))
        if pem is not None:
            self._tls = {"client_cert_chain": [pem], "server_cert": None}

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._tls is not None:
            self.scope["extensions"] = {"tls": self._tls}  # type: ignore[typeddict-unknown-key, dict-item]

    def send_400_response(self, msg: str) -> None:
        self.transport.write(refusal(msg))
        self.transport.close()
