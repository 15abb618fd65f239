"""The IPsec policies' rows and the IPsec configuration's row: the statements their
backends run."""

from __future__ import annotations

from functools import cache
from typing import Any

import sqlalchemy as sa

from ontap_ipsec.store.prepared import Statement
from ontap_ipsec.store.tables import IPSEC_CONFIG_DEFAULTS, certificates, cluster, svms
from ontap_ipsec.store.tables import ipsec_config as config
from ontap_ipsec.store.tables import ipsec_policies as t


def _bind(name: str, type_: Any = None) -> Any:
    return sa.bindparam(name, value=None, type_=type_)


_FROM = t.outerjoin(svms, t.c.svm_uuid == svms.c.uuid).outerjoin(
    certificates, t.c.certificate_uuid == certificates.c.uuid
)

# What a change event carries of a policy (events.IpsecPolicyRecord's order).
RECORD_COLUMNS = (
    t.c.uuid,
    t.c.name,
    t.c.scope_key,
    t.c.svm_uuid,
    svms.c.name,
    t.c.enabled,
    t.c.action,
    t.c.authentication_method,
    t.c.certificate_uuid,
)
# Every stored column of a policy, by its column name, then the SVM's and the
# certificate's names (what a PATCH starts from).
STORED = tuple(c.name for c in t.columns)
FULL_COLUMNS = (*t.columns, svms.c.name.label("svm_name"), certificates.c.name.label("cert_name"))
# A policy as a daemon needs it: every column, the names, and its certificate's material.
CONNECTION_COLUMNS = (
    *FULL_COLUMNS,
    certificates.c.public_certificate,
    certificates.c.private_key.label("cert_private_key"),
    certificates.c.intermediate_certificates,
)

INSERT = Statement(
    ("ipsec_policies", "insert"),
    lambda: t.insert().values(
        **{c.name: _bind(c.name, sa.DateTime() if c.name == "created" else c.type) for c in t.c}
    ),
)
FULL = Statement(
    ("ipsec_policies", "full"),
    lambda: sa.select(*FULL_COLUMNS).select_from(_FROM).where(t.c.uuid == _bind("uuid")),
)
RECORD = Statement(
    ("ipsec_policies", "record"),
    lambda: sa.select(*RECORD_COLUMNS).select_from(_FROM).where(t.c.uuid == _bind("uuid")),
)
NAME_TAKEN = Statement(
    ("ipsec_policies", "name_taken"),
    lambda: sa.select(t.c.uuid).where(
        t.c.scope_key == _bind("scope"), t.c.name == _bind("name"), t.c.uuid != _bind("other")
    ),
)
DELETE = Statement(
    ("ipsec_policies", "delete"), lambda: t.delete().where(t.c.uuid == _bind("uuid"))
)
OF_SVM = Statement(
    ("ipsec_policies", "of_svm"),
    lambda: (
        sa.select(*RECORD_COLUMNS)
        .select_from(_FROM)
        .where(t.c.svm_uuid == _bind("svm"))
        .order_by(t.c.uuid)
    ),
)
ALL = Statement(
    ("ipsec_policies", "all"),
    lambda: sa.select(*RECORD_COLUMNS).select_from(_FROM).order_by(t.c.uuid),
)
OF_SCOPE = Statement(
    ("ipsec_policies", "of_scope"),
    lambda: (
        sa.select(*CONNECTION_COLUMNS)
        .select_from(_FROM)
        .where(t.c.scope_key == _bind("scope"))
        .order_by(t.c.uuid)
    ),
)
CLUSTER_IPSPACE = Statement(
    ("ipsec_policies", "cluster_ipspace"), lambda: sa.select(cluster.c.ipspace_uuid)
)
SVM_IPSPACE = Statement(
    ("ipsec_policies", "svm_ipspace"),
    lambda: sa.select(svms.c.ipspace_name, svms.c.ipspace_uuid).where(svms.c.uuid == _bind("svm")),
)


@cache
def certificate_in_scope(by_uuid: bool, by_name: bool) -> Statement:
    """(uuid, name, type, whether its private key is held) of the certificate of a scope
    that a request names by uuid, name or both."""

    def build() -> Any:
        c = certificates.c
        stmt = sa.select(c.uuid, c.name, c.type, c.private_key.is_not(None)).where(
            c.scope_key == _bind("scope")
        )
        if by_uuid:
            stmt = stmt.where(c.uuid == _bind("uuid"))
        if by_name:
            stmt = stmt.where(c.name == _bind("name"))
        return stmt

    return Statement(("ipsec_policies", "certificate", by_uuid, by_name), build)


@cache
def update(columns: tuple[str, ...]) -> Statement:
    """UPDATE of the given columns of one policy."""
    return Statement(
        ("ipsec_policies", "update", columns),
        lambda: (
            t.update()
            .where(t.c.uuid == _bind("uuid"))
            .values(**{c: _bind(f"new_{c}", t.c[c].type) for c in columns})
        ),
    )


CONFIG_COLUMNS = (config.c.enabled, config.c.replay_window, config.c.offload_enabled)
CONFIG = Statement(
    ("ipsec_config", "record"), lambda: sa.select(*CONFIG_COLUMNS).where(config.c.id == 1)
)


@cache
def update_config(columns: tuple[str, ...]) -> Statement:
    """UPDATE of the given columns of the configuration's one row."""
    return Statement(
        ("ipsec_config", "update", columns),
        lambda: (
            config.update()
            .where(config.c.id == 1)
            .values(**{c: _bind(f"new_{c}", config.c[c].type) for c in columns})
        ),
    )


# The configuration of a new cluster, as the reset restores it.
RESET_CONFIG = Statement(
    ("ipsec_config", "reset"),
    lambda: config.update().where(config.c.id == 1).values(**IPSEC_CONFIG_DEFAULTS),
)
