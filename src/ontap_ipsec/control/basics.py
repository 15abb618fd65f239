"""`GET /_ontap-ipsec/ready` and `POST /_ontap-ipsec/reset`."""

from __future__ import annotations

from ontap_ipsec.control.routes import route
from ontap_ipsec.rest.context import Context
from ontap_ipsec.rest.http import Request, Response


@route("/_ontap-ipsec/ready", "GET", public=True, toolkit=False)
def ready(_ctx: Context, _request: Request) -> Response:
    """The server serves: nothing else is said (no version, no state)."""
    return Response(200, {"ready": True})


@route("/_ontap-ipsec/reset", "POST")
def reset(ctx: Context, _request: Request) -> Response:
    """Empty the state as the pytest plugin does between tests: SVMs, certificates, the
    IPsec list and jobs go; the cluster and the accounts stay."""
    ctx.backends.reset()
    return Response(200, {})

