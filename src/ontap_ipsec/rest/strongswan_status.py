"""`GET /_ontap-ipsec/strongswan`: the strongSwan daemons' status, outside ONTAP's API.

Outside `/api` so that no ONTAP record changes shape; authenticated as the API is
(401 without a credential), for admin accounts only (403 otherwise, as a change is for
a readonly account), answered in ONTAP's error envelope. Never cached: the status
moves without any commit. The document is `ontap_ipsec.ipsec.report.build`.
"""

from __future__ import annotations

from ontap_ipsec.rest import errors
from ontap_ipsec.rest.context import Context
from ontap_ipsec.rest.errors import OntapError
from ontap_ipsec.rest.http import JSON, Request, Response

PATH = "/_ontap-ipsec/strongswan"


def handle(ctx: Context, request: Request, role: str | None) -> Response:
    if request.method not in ("GET", "HEAD"):
        raise OntapError(
            405,
            errors.NOT_SUPPORTED,
            f'The method "{request.method}" is not supported on this API.',
            headers={"allow": "GET, HEAD"},
        )
    if role != "admin":
        raise OntapError(403, errors.PERMISSION_DENIED, "not authorized for that command")
    if request.query_string:
        name = request.query_string.split("&", 1)[0].split("=", 1)[0]
        raise OntapError(400, errors.UNEXPECTED_ARGUMENT, f'Unexpected argument "{name}".')
    from ontap_ipsec.ipsec import report  # the route's only import of the package

    return Response(200, report.build(ctx), content_type=JSON)
