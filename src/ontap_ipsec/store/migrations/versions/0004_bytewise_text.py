"""text compares bytewise on PostgreSQL, as on SQLite: every text column COLLATE "C"

A PostgreSQL database created with an ICU or en_US collation orders text by
language rules ("a" < "B" < "b-2" < "_x"); SQLite's BINARY compares UTF-8 bytes
("B" < "_x" < "a" < "b-2"). Giving each text column the "C" collation makes
filters with `<`, `>`, `..` and `order_by` answer alike on both. PostgreSQL
rebuilds the indexes and constraints on the columns it alters. Nothing changes
on SQLite, whose columns already compare bytewise.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# (column, length); None is TEXT. Referenced tables come before those referencing them.
_TEXT_COLUMNS: dict[str, list[tuple[str, int | None]]] = {
    "cluster": [
        ("uuid", 36),
        ("name", 255),
        ("ipspace_uuid", 36),
        ("snapshot_policy_uuid", 36),
        ("version", 64),
        ("version_full", 255),
    ],
    "accounts": [("name", 64), ("password_hash", 255), ("role", 32)],
    "svms": [
        ("uuid", 36),
        ("name", 64),
        ("comment", 255),
        ("language", 32),
        ("state", 16),
        ("subtype", 32),
        ("ipspace_name", 64),
        ("ipspace_uuid", 36),
        ("snapshot_policy_name", 64),
        ("snapshot_policy_uuid", 36),
    ],
    "jobs": [
        ("uuid", 36),
        ("description", 512),
        ("state", 16),
        ("message", 1024),
        ("svm_uuid", 36),
        ("svm_name", 64),
    ],
    "certificates": [
        ("uuid", 36),
        ("name", 255),
        ("svm_uuid", 36),
        ("scope_key", 36),
        ("type", 16),
        ("common_name", 255),
        ("serial_number", 64),
        ("ca", 512),
        ("hash_function", 16),
        ("key_type", 8),
        ("subject_key_identifier", 128),
        ("authority_key_identifier", 128),
        ("san_dns", None),
        ("san_email", None),
        ("san_ip", None),
        ("san_uri", None),
        ("public_certificate", None),
        ("private_key", None),
        ("intermediate_certificates", None),
        ("issuer_serial", 128),
    ],
    "certificate_sans": [("certificate_uuid", 36), ("kind", 8), ("value", 1024)],
    "ipsec_ca_certificates": [("certificate_uuid", 36), ("svm_uuid", 36), ("scope_key", 36)],
}


def _collate(collation: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in _TEXT_COLUMNS.items():
        clauses = ", ".join(
            f'ALTER COLUMN "{name}" TYPE '
            f'{"TEXT" if length is None else f"VARCHAR({length})"} COLLATE "{collation}"'
            for name, length in columns
        )
        op.execute(f'ALTER TABLE "{table}" {clauses}')


def upgrade() -> None:
    _collate("C")


def downgrade() -> None:
    _collate("default")
