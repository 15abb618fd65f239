"""The web console: System Manager's certificate and IPsec pages, as a client of /api.

Imported on the first request outside /api, /docs/api and /_ontap-ipsec (never at start):
`Console(app)` is an ASGI app serving HTML pages whose every read and change is a call
into `app`'s own /api with the signed-in account's credential.
"""

from ontap_ipsec.console.server import Console

__all__ = ["Console"]
