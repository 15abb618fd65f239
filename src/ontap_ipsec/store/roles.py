"""The built-in roles as rows: ONTAP's four predefined roles of this API, per owner.

ONTAP lists the predefined roles under their owner: `admin` and `readonly` under the
cluster, `vsadmin` and `vsadmin-readonly` under every SVM. They are not stored: each
owner that exists has them, so their view is a union over the cluster row and the SVM
rows (a role appears with its SVM, and goes with it). Their privileges are the
REST paths and access levels this server enforces (:mod:`ontap_ipsec.domain.roles`).
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from ontap_ipsec.store.tables import cluster, svms

ALL, READONLY, NONE = "all", "readonly", "none"

# (path, access) per role, in ONTAP's form: "DEFAULT" is every path not listed.
_SVM_PATHS = (
    "/api/cluster",
    "/api/cluster/jobs",
    "/api/security/accounts",
    "/api/security/audit/messages",
    "/api/security/authentication/password",
    "/api/security/certificate-signing-request",
    "/api/security/certificates",
    "/api/security/ipsec/ca-certificates",
    "/api/security/ipsec/policies",
    "/api/security/ipsec/security-associations",
    "/api/security/roles",
    "/api/svm/svms",
)
_SVM_CHANGES = {
    "/api/security/authentication/password",
    "/api/security/certificate-signing-request",
    "/api/security/certificates",
    "/api/security/ipsec/ca-certificates",
    "/api/security/ipsec/policies",
}
PASSWORD = "/api/security/authentication/password"

PRIVILEGES: dict[str, tuple[tuple[str, str], ...]] = {
    "admin": (("DEFAULT", ALL),),
    "readonly": (("DEFAULT", READONLY), (PASSWORD, ALL)),
    "vsadmin": (
        ("DEFAULT", NONE),
        *((p, ALL if p in _SVM_CHANGES else READONLY) for p in _SVM_PATHS),
    ),
    "vsadmin-readonly": (
        ("DEFAULT", NONE),
        *((p, ALL if p == PASSWORD else READONLY) for p in _SVM_PATHS),
    ),
}
CLUSTER_ROLES = ("admin", "readonly")
SVM_ROLES = ("vsadmin", "vsadmin-readonly")


def privileges_json(role: str) -> str:
    return json.dumps([{"path": p, "access": a} for p, a in PRIVILEGES[role]])


def _selectable() -> Any:
    parts: list[Any] = []
    for role in CLUSTER_ROLES:
        parts.append(
            sa.select(
                cluster.c.uuid.label("owner_uuid"),
                cluster.c.name.label("owner_name"),
                sa.literal("cluster").label("scope"),
                sa.literal(role).label("name"),
                sa.literal(privileges_json(role)).label("privileges"),
            )
        )
    for role in SVM_ROLES:
        parts.append(
            sa.select(
                svms.c.uuid.label("owner_uuid"),
                svms.c.name.label("owner_name"),
                sa.literal("svm").label("scope"),
                sa.literal(role).label("name"),
                sa.literal(privileges_json(role)).label("privileges"),
            )
        )
    return sa.union_all(*parts).subquery("builtin_roles")


ROLES = _selectable()
