"""`GET /_ontap-ipsec/strongswan`: the strongSwan daemons' status, outside ONTAP's API.

Outside `/api` so that no ONTAP record changes shape; for admin accounts (the route
registry authenticates as the API does and answers in ONTAP's envelope); never cached,
as the status moves without any commit. Stays on with --no-control-api: it is for
operators, not a test tool. The document is `ontap_ipsec.ipsec.report.build`.
"""

from __future__ import annotations

from ontap_ipsec.control.routes import route
from ontap_ipsec.rest import errors
from ontap_ipsec.rest.context import Context
from ontap_ipsec.rest.http import JSON, Request, Response

PATH = "/_ontap-ipsec/strongswan"


@route(PATH, "GET", toolkit=False)
def status(ctx: Context, request: Request) -> Response:
    if request.query_string:
        name = request.query_string.split("&", 1)[0].split("=", 1)[0]
        raise errors.unexpected_argument(name)
    from ontap_ipsec.ipsec import report  # the route's only import of the package

    return Response(200, report.build(ctx), content_type=JSON)
