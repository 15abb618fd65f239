"""/api/security/ipsec: the cluster's IPsec configuration (GET, PATCH), since 9.8.

`enabled`, `replay_window` (0, 64, 128, 256, 512 or 1024 packets; 0 turns anti-replay
off) and, from 9.16.1, `offload_enabled`. The rules are the configuration backend's
(:mod:`ontap_ipsec.domain.backends.ipsec_config`); this module is the wire.

`replay_window` is an integer in NetApp's reference but is shown as its text here:
na_ontap_security_ipsec_config compares what it reads with its own string option and
fails on an integer (docs/fidelity.md); netapp_ontap reads either. A PATCH takes either.
"""

from __future__ import annotations

import json

from ontap_ipsec.domain.backends.ipsec_config import REPLAY_WINDOWS
from ontap_ipsec.rest.body import load_json, parse_body
from ontap_ipsec.rest.context import Context
from ontap_ipsec.rest.http import Request, Response
from ontap_ipsec.rest.query import parse_query
from ontap_ipsec.rest.reads import enable_reads
from ontap_ipsec.rest.resource import READ_PATCH, Resource, boolean, string
from ontap_ipsec.store import views

resource = Resource(
    name="ipsec",
    path="/api/security/ipsec",
    key=None,
    view=views.IPSEC_CONFIG,
    summary="The cluster's IPsec configuration.",
    tag="security",
    fields=[
        boolean(
            "enabled",
            access=READ_PATCH,
            description="Indicates whether or not IPsec is enabled.",
        ),
        string(
            "replay_window",
            access=READ_PATCH,
            enum=tuple(str(n) for n in REPLAY_WINDOWS),
            description="Replay window size in packets, where 0 indicates that the replay "
            "window is disabled. Shown as text; an integer is accepted too.",
            example="0",
        ),
        boolean(
            "offload_enabled",
            access=READ_PATCH,
            description="Indicates whether or not IPsec hardware offload is enabled "
            "(9.16.1 on; it may change only while IPsec is disabled).",
        ),
    ],
)
enable_reads(resource)


def _replay_window_as_text(raw: bytes) -> bytes:
    """An integer `replay_window` (netapp_ontap sends one) as the text the field holds."""
    if b"replay_window" not in raw:
        return raw
    data = load_json(raw)
    value = data.get("replay_window") if isinstance(data, dict) else None
    if not isinstance(value, int) or isinstance(value, bool):
        return raw
    data["replay_window"] = str(value)
    return json.dumps(data).encode()


@resource.on(
    "collection",
    "PATCH",
    summary="Enable or disable IPsec, set the replay window or hardware offload.",
)
def modify(ctx: Context, request: Request) -> Response:
    parse_query(request.query_string, resource, "patch")
    body = parse_body(_replay_window_as_text(request.body), resource, "patch")
    ctx.backends.ipsec_config.modify(body)
    return Response(200, {})
