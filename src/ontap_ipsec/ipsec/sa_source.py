"""Where the security associations a GET shows come from: each attached daemon, asked
when the request is made (`list-sas`), with what the store says of the policies.

Importable without `vici`: a server started without --strongswan has no daemon to ask
and imports nothing of it.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from ontap_ipsec.domain.scope import CLUSTER_SCOPE, key_named
from ontap_ipsec.rest.context import Context
from ontap_ipsec.store import associations as sa_rows

log = logging.getLogger("ontap_ipsec.strongswan")

_DRIVERS = "security-associations-drivers"
VICI_TIMEOUT = 1.0


def _driver(ctx: Context, uri: str) -> Any:
    from .vici_driver import ViciDriver

    drivers: dict[str, Any] = ctx.services.setdefault(_DRIVERS, {})
    found = drivers.get(uri)
    if found is None:
        found = drivers.setdefault(uri, ViciDriver(uri, timeout=VICI_TIMEOUT))
    return found


def node_of(cluster_name: str, cluster_uuid: str) -> tuple[str, str]:
    """The one node this cluster has: `<cluster>-01`, with a uuid derived from the
    cluster's (stable across restarts)."""
    return f"{cluster_name}-01", str(uuid.uuid5(uuid.UUID(cluster_uuid), "node-01"))


def collect(ctx: Context) -> list[dict[str, Any]]:
    """The SA rows of every attached daemon that can be reached now."""
    specs = ctx.settings.strongswan_daemons
    if not specs:
        return []
    from .associations import PolicyInfo, ScopeInfo, rows
    from .vici_driver import StrongswanError

    store = ctx.store
    node_name, node_uuid = node_of(*store.first(sa_rows.CLUSTER_IDENTITY, {}))
    out: list[dict[str, Any]] = []
    for spec in specs:
        key = key_named(store, spec.scope)
        if key is None:
            continue
        policies = {
            p_uuid: PolicyInfo(name, action, method)
            for p_uuid, name, action, method in store.rows(
                sa_rows.POLICIES_OF_SCOPE, {"scope": key}
            )
        }
        if not policies:
            continue
        svm_uuid = None if key == CLUSTER_SCOPE else key
        svm = store.first(sa_rows.SVM_NAME, {"uuid": svm_uuid}) if svm_uuid else None
        scope = ScopeInfo(key, svm_uuid, svm[0] if svm else None, node_name, node_uuid)
        try:
            sas = _driver(ctx, spec.uri).list_sas_raw()
        except StrongswanError as exc:
            log.debug("security associations of scope %r: %s", spec.scope, exc)
            continue
        out += rows(sas, scope, policies)
    return out
