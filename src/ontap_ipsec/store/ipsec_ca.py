"""The IPsec CA list's rows: the statements its backend runs."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ontap_ipsec.store.prepared import Statement
from ontap_ipsec.store.tables import certificates, svms, trust_changes
from ontap_ipsec.store.tables import ipsec_ca_certificates as t


def _bind(name: str, type_: Any = None) -> Any:
    return sa.bindparam(name, value=None, type_=type_)


_ENTRY_COLUMNS = (t.c.certificate_uuid, t.c.scope_key, t.c.svm_uuid, svms.c.name)
_FROM = t.outerjoin(svms, t.c.svm_uuid == svms.c.uuid)

INSTALLED_CA = Statement(
    ("ipsec", "installed_ca"),
    lambda: sa.select(certificates.c.is_ca).where(
        certificates.c.uuid == _bind("uuid"), certificates.c.scope_key == _bind("scope")
    ),
)
INSTALLED = Statement(
    ("ipsec", "installed"),
    lambda: sa.select(certificates.c.uuid).where(certificates.c.uuid == _bind("uuid")),
)
LISTED = Statement(
    ("ipsec", "listed"),
    lambda: (
        sa.select(*_ENTRY_COLUMNS).select_from(_FROM).where(t.c.certificate_uuid == _bind("uuid"))
    ),
)
INSERT = Statement(
    ("ipsec", "insert"),
    lambda: t.insert().values(
        certificate_uuid=_bind("uuid"),
        svm_uuid=_bind("svm"),
        scope_key=_bind("scope"),
        is_ca=sa.true(),
        created=_bind("created", sa.DateTime()),
    ),
)
DELETE = Statement(
    ("ipsec", "delete"), lambda: t.delete().where(t.c.certificate_uuid == _bind("uuid"))
)
OF_SVM = Statement(
    ("ipsec", "of_svm"),
    lambda: (
        sa.select(*_ENTRY_COLUMNS)
        .select_from(_FROM)
        .where(t.c.svm_uuid == _bind("svm"))
        .order_by(t.c.certificate_uuid)
    ),
)
ALL = Statement(
    ("ipsec", "all"),
    lambda: sa.select(*_ENTRY_COLUMNS).select_from(_FROM).order_by(t.c.certificate_uuid),
)
TRUSTED = Statement(
    ("ipsec", "trusted"),
    lambda: (
        sa.select(t.c.scope_key, t.c.certificate_uuid, certificates.c.public_certificate)
        .select_from(t.join(certificates, t.c.certificate_uuid == certificates.c.uuid))
        .order_by(t.c.scope_key, t.c.certificate_uuid)
    ),
)
USED = Statement(
    ("ipsec", "used"),
    lambda: sa.select(t.c.certificate_uuid).where(t.c.certificate_uuid == _bind("uuid")),
)
TRUSTED_BY = Statement(
    ("ipsec", "trusted_by"),
    lambda: (
        sa.select(t.c.certificate_uuid, certificates.c.public_certificate)
        .select_from(t.join(certificates, t.c.certificate_uuid == certificates.c.uuid))
        .where(t.c.scope_key == _bind("scope"))
        .order_by(t.c.certificate_uuid)
    ),
)
PER_SCOPE = Statement(
    ("ipsec", "per_scope"),
    lambda: (
        sa.select(t.c.scope_key, svms.c.name, sa.func.count())
        .select_from(_FROM)
        .group_by(t.c.scope_key, svms.c.name)
        .order_by(t.c.scope_key)
    ),
)
TRUST_GENERATION = Statement(
    ("ipsec", "trust_generation"),
    lambda: sa.select(trust_changes.c.generation).where(trust_changes.c.id == 1),
)
