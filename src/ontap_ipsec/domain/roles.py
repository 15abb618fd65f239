"""The built-in roles and what each lets an account do, on every path and method.

ONTAP's predefined roles of this API: `admin` and `readonly` owned by the cluster,
`vsadmin` and `vsadmin-readonly` owned by each SVM. A role grants an access level
(`all`, `readonly`, `none`) per REST path, the longest listed path that the request's
path starts with deciding, "DEFAULT" for the rest (the privileges GET
/api/security/roles shows: :mod:`ontap_ipsec.store.roles`). `readonly` allows GET
(and HEAD, OPTIONS) only. A cluster account tunnelling into an SVM (X-Dot-SVM-Name)
acts with its role's SVM counterpart: admin as vsadmin, readonly as vsadmin-readonly.
"""

from __future__ import annotations

from ontap_ipsec.store.roles import ALL, CLUSTER_ROLES, NONE, PRIVILEGES, READONLY, SVM_ROLES

__all__ = ["CLUSTER_ROLES", "SVM_ROLES", "allows", "as_svm_role", "default_role", "scope_of"]

_READS = frozenset({"GET", "HEAD", "OPTIONS"})
_SVM_COUNTERPART = {"admin": "vsadmin", "readonly": "vsadmin-readonly"}


def scope_of(role: str) -> str | None:
    """ "cluster" or "svm" for a built-in role, None for a name that is none."""
    if role in CLUSTER_ROLES:
        return "cluster"
    if role in SVM_ROLES:
        return "svm"
    return None


def default_role(scope: str) -> str:
    """ONTAP's default: admin for a cluster account, vsadmin for an SVM account."""
    return "admin" if scope == "cluster" else "vsadmin"


def as_svm_role(role: str) -> str:
    """The role a cluster account acts with inside an SVM (tunnelling)."""
    return _SVM_COUNTERPART.get(role, role)


def access(role: str, path: str) -> str:
    """The access level `role` has on the API path `path` (a request's path)."""
    granted = PRIVILEGES.get(role)
    if granted is None:
        return NONE
    best, level = "", NONE
    for listed, listed_access in granted:
        if listed == "DEFAULT":
            if not best:
                level = listed_access
            continue
        if (path == listed or path.startswith(listed + "/")) and len(listed) > len(best):
            best, level = listed, listed_access
    return level


def allows(role: str, path: str, method: str) -> bool:
    level = access(role, path)
    if level == ALL:
        return True
    return level == READONLY and method in _READS
