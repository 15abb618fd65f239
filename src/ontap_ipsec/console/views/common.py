"""What several pages need: the scopes (the cluster and each SVM) and their API filters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ontap_ipsec.console.api import Api

CA_TYPES = "server_ca|client_ca|root_ca"
CERT_FIELDS = "uuid,name,svm.name,scope,type,common_name,serial_number,ca,expiry_time"


@dataclass(frozen=True)
class Scope:
    """The cluster or an SVM, named as ONTAP's commands name it (no SVM has the cluster's name)."""

    value: str  # the cluster's name, or an SVM's
    label: str
    cluster: bool = False

    @property
    def svm(self) -> str | None:
        return None if self.cluster else self.value


async def scopes(api: Api) -> tuple[str, list[Scope]]:
    """The cluster's name and the scopes: the cluster first, then the SVMs by name."""
    cluster = await api.get("/api/cluster", fields="name")
    name = str(cluster.body.get("name", "cluster"))
    svms = await api.get("/api/svm/svms", fields="name", order_by="name", max_records=10000)
    found = [Scope(name, f"{name} (cluster)", cluster=True)]
    found += [Scope(str(r["name"]), str(r["name"])) for r in svms.records]
    return name, found


def pick(options: list[Scope], value: str | None) -> Scope | None:
    return next((s for s in options if s.value == value), None)


def scope_filter(scope: Scope) -> dict[str, Any]:
    """The query of a collection that narrows it to `scope`."""
    return {"scope": "cluster"} if scope.svm is None else {"svm.name": scope.svm}


def scope_body(scope: Scope) -> dict[str, Any]:
    """The body fields of a POST made in `scope`."""
    return {} if scope.svm is None else {"svm": {"name": scope.svm}}
