"""The certificate rows: the statements the certificate backend runs."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ontap_ipsec.store.prepared import Statement
from ontap_ipsec.store.tables import certificate_sans, certificates
from ontap_ipsec.store.tables import certificates as t


def _bind(name: str, type_: Any = None) -> Any:
    return sa.bindparam(name, value=None, type_=type_)


# What a change event carries of a certificate (events.CertificateRecord's order).
RECORD_COLUMNS = (
    t.c.uuid,
    t.c.name,
    t.c.type,
    t.c.scope_key,
    t.c.svm_uuid,
    t.c.common_name,
    t.c.serial_number,
    t.c.is_ca,
)

_DATETIMES = ("not_before", "expiry_time", "created")
INSERTED = tuple(c.name for c in t.columns)

INSERT = Statement(
    ("certs", "insert"),
    lambda: t.insert().values(
        **{
            c.name: _bind(c.name, sa.DateTime() if c.name in _DATETIMES else c.type)
            for c in t.columns
        }
    ),
)
INSERT_SAN = Statement(
    ("certs", "insert_san"),
    lambda: certificate_sans.insert().values(
        certificate_uuid=_bind("certificate_uuid"), kind=_bind("kind"), value=_bind("value")
    ),
)
SAME_IN_SCOPE = Statement(
    ("certs", "same_in_scope"),
    lambda: (
        sa.select(t.c.name, t.c.issuer_serial)
        .where(
            t.c.scope_key == _bind("scope"),
            sa.or_(t.c.name == _bind("name"), t.c.issuer_serial == _bind("issuer_serial")),
        )
        .limit(1)
    ),
)
RECORD = Statement(
    ("certs", "record"), lambda: sa.select(*RECORD_COLUMNS).where(t.c.uuid == _bind("uuid"))
)
OF_SVM = Statement(
    ("certs", "of_svm"),
    lambda: sa.select(*RECORD_COLUMNS).where(t.c.svm_uuid == _bind("svm")).order_by(t.c.uuid),
)
ALL = Statement(("certs", "all"), lambda: sa.select(*RECORD_COLUMNS).order_by(t.c.uuid))
SIGNER = Statement(
    ("certs", "signer"),
    lambda: sa.select(t.c.type, t.c.public_certificate, t.c.private_key).where(
        t.c.uuid == _bind("uuid")
    ),
)
DELETE_SANS = Statement(
    ("certs", "delete_sans"),
    lambda: certificate_sans.delete().where(certificate_sans.c.certificate_uuid == _bind("uuid")),
)
DELETE = Statement(
    ("certs", "delete"), lambda: certificates.delete().where(t.c.uuid == _bind("uuid"))
)
