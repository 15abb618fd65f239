"""The whole state as rows, and its replacement in one transaction (state snapshots).

Read and written through SQLAlchemy Core on an administration connection
(:meth:`Store.read`, :meth:`Store.write`): values come back typed (datetimes, booleans),
and the replacement holds the write lock for its one transaction. A section is a table,
its columns in the table's order, its rows in a fixed order, so that the same state
always reads the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from ontap_ipsec.store import tables as t
from ontap_ipsec.store.engine import Store


@dataclass(frozen=True)
class Section:
    name: str
    table: sa.Table
    order_by: tuple[str, ...]
    left_out: tuple[str, ...] = ()  # columns not part of the state

    @property
    def columns(self) -> list[sa.Column[Any]]:
        return [c for c in self.table.columns if c.name not in self.left_out]


CLUSTER = Section("cluster", t.cluster, ("id",), ("id",))
ACCOUNTS = Section("accounts", t.accounts, ("scope_key", "name"))
SVMS = Section("svms", t.svms, ("name",))
CERTIFICATES = Section("certificates", t.certificates, ("scope_key", "name"))
IPSEC = Section("ipsec_ca_certificates", t.ipsec_ca_certificates, ("certificate_uuid",))
IPSEC_CONFIG = Section("ipsec_config", t.ipsec_config, ("id",), ("id",))
POLICIES = Section("ipsec_policies", t.ipsec_policies, ("scope_key", "name"))
# the record of ended jobs; a pending job's plan and change are the toolkit's, not state
JOBS = Section("jobs", t.jobs, ("start_time", "uuid"), ("plan", "payload", "polls"))
SECTIONS = (CLUSTER, ACCOUNTS, SVMS, CERTIFICATES, IPSEC, IPSEC_CONFIG, POLICIES, JOBS)
SINGLE = (CLUSTER, IPSEC_CONFIG)  # one row: a mapping in the document, not a list
ENDED = ("success", "failure")

# certificate_sans is derived: one row per value of a certificate's san_* JSON lists
SAN_COLUMNS = {"dns": "san_dns", "email": "san_email", "ip": "san_ip", "uri": "san_uri"}


def _select(conn: sa.Connection, section: Section) -> list[dict[str, Any]]:
    stmt = sa.select(*section.columns).order_by(*(section.table.c[c] for c in section.order_by))
    if section is JOBS:
        stmt = stmt.where(t.jobs.c.state.in_(ENDED))
    names = [str(c.name) for c in section.columns]
    return [dict(zip(names, row, strict=True)) for row in conn.execute(stmt)]


def read_all(store: Store) -> dict[str, list[dict[str, Any]]]:
    """Every section's rows, in one read transaction."""
    with store.read() as conn:
        return {s.name: _select(conn, s) for s in SECTIONS}


def replace_all(
    store: Store,
    rows: dict[str, list[dict[str, Any]]],
    sans: list[dict[str, Any]],
    *,
    accounts: bool,
) -> dict[str, list[dict[str, Any]]]:
    """Replace the state with `rows` (by section; the cluster's one row updated, the
    accounts replaced only when `accounts`) in one transaction; the rows it replaced.
    :class:`Refused` names a row the database refuses; nothing is changed then."""
    with store.write() as conn:
        before = {s.name: _select(conn, s) for s in SECTIONS}
        if not accounts:  # kept: but an SVM's accounts go with it (its SVM is replaced)
            conn.execute(t.accounts.delete().where(t.accounts.c.svm_uuid.is_not(None)))
        else:
            conn.execute(t.accounts.delete())
        for table in (
            t.ipsec_policies,  # a policy holds its certificate
            t.ipsec_ca_certificates,
            t.certificate_sans,
            t.certificates,
            t.svms,
        ):
            conn.execute(table.delete())
        conn.execute(t.jobs.delete().where(t.jobs.c.state.in_(ENDED)))
        conn.execute(t.cluster.update().values(**rows["cluster"][0]))
        conn.execute(t.ipsec_config.update().values(**rows["ipsec_config"][0]))
        # an SVM's accounts after their SVM
        for section in (SVMS, ACCOUNTS, CERTIFICATES, IPSEC, POLICIES, JOBS):
            if section is ACCOUNTS and not accounts:
                continue
            for index, row in enumerate(rows[section.name]):
                try:
                    with conn.begin_nested():
                        conn.execute(section.table.insert().values(**row))
                except sa.exc.IntegrityError as exc:
                    raise Refused(section.name, index, _reason(exc)) from None
        if sans:
            conn.execute(t.certificate_sans.insert(), sans)
    return before


class Refused(Exception):
    """The database refused a row of a section (a key taken, a reference to nothing)."""

    def __init__(self, section: str, index: int, reason: str) -> None:
        super().__init__(f"{section}[{index}]: {reason}")
        self.section = section
        self.index = index
        self.reason = reason


def _reason(exc: sa.exc.IntegrityError) -> str:
    """The driver's reason, first line only (PostgreSQL's detail quotes values)."""
    text = str(exc.orig).strip()
    return text.splitlines()[0] if text else type(exc.orig).__name__


@dataclass(frozen=True)
class ColumnKind:
    """What a section's column holds, in plain terms (for checking a document)."""

    kind: str  # text, integer, float, boolean or datetime
    nullable: bool  # may be null
    optional: bool  # may be left out (null, or the database's default)
    length: int | None = None


def column_kinds(section: Section) -> dict[str, ColumnKind]:
    out: dict[str, ColumnKind] = {}
    for column in section.columns:
        python = column.type.python_type
        kind = {str: "text", int: "integer", float: "float", bool: "boolean"}.get(
            python, "datetime"
        )
        length = getattr(column.type, "length", None)
        nullable = bool(column.nullable)
        optional = nullable or column.server_default is not None
        out[column.name] = ColumnKind(kind, nullable, optional, length)
    return out
