"""The schema as SQLAlchemy Core tables (the migrations create the same).

Referential rules live here, in the database, so that no race between two
requests can break them: an IPsec CA entry references an installed CA
certificate of the same scope through a composite foreign key.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

# The scope key of cluster-scoped rows (an SVM-scoped row uses its SVM's uuid),
# so that "same scope" can be part of a composite foreign key.
CLUSTER_SCOPE = "cluster"

cluster = sa.Table(
    "cluster",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("uuid", sa.String(36), nullable=False, unique=True),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("ipspace_uuid", sa.String(36), nullable=False),
    sa.Column("snapshot_policy_uuid", sa.String(36), nullable=False),
    sa.Column("version", sa.String(64), nullable=False),
    sa.Column("version_full", sa.String(255), nullable=False),
    sa.Column("version_generation", sa.Integer, nullable=False),
    sa.Column("version_major", sa.Integer, nullable=False),
    sa.Column("version_minor", sa.Integer, nullable=False),
    sa.Column("created", sa.DateTime, nullable=False),
    sa.CheckConstraint("id = 1", name="ck_cluster_single_row"),
)

accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("role", sa.String(32), nullable=False),
    sa.Column("locked", sa.Boolean, nullable=False, server_default=sa.false()),
)

# One row: bumped by database triggers (migration 0003) on every change to `accounts`,
# whoever makes it, so a remembered credential can be trusted while it is unchanged.
account_changes = sa.Table(
    "account_changes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("generation", sa.Integer, nullable=False),
    sa.CheckConstraint("id = 1", name="ck_account_changes_one_row"),
)

svms = sa.Table(
    "svms",
    metadata,
    sa.Column("uuid", sa.String(36), primary_key=True),
    sa.Column("name", sa.String(64), nullable=False, unique=True),
    sa.Column("comment", sa.String(255), nullable=True),
    sa.Column("language", sa.String(32), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("subtype", sa.String(32), nullable=False),
    sa.Column("ipspace_name", sa.String(64), nullable=False),
    sa.Column("ipspace_uuid", sa.String(36), nullable=False),
    sa.Column("snapshot_policy_name", sa.String(64), nullable=False),
    sa.Column("snapshot_policy_uuid", sa.String(36), nullable=False),
    sa.Column("created", sa.DateTime, nullable=False),
)

jobs = sa.Table(
    "jobs",
    metadata,
    sa.Column("uuid", sa.String(36), primary_key=True),
    sa.Column("description", sa.String(512), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("message", sa.String(1024), nullable=True),
    sa.Column("code", sa.Integer, nullable=False, server_default="0"),
    sa.Column("start_time", sa.DateTime, nullable=True),
    sa.Column("end_time", sa.DateTime, nullable=True),
    sa.Column("svm_uuid", sa.String(36), nullable=True),
    sa.Column("svm_name", sa.String(64), nullable=True),
)

certificates = sa.Table(
    "certificates",
    metadata,
    sa.Column("uuid", sa.String(36), primary_key=True),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column(
        "svm_uuid",
        sa.String(36),
        sa.ForeignKey("svms.uuid", ondelete="CASCADE"),
        nullable=True,
        index=True,
    ),
    sa.Column("scope_key", sa.String(36), nullable=False),
    sa.Column("type", sa.String(16), nullable=False),
    sa.Column("common_name", sa.String(255), nullable=True),
    sa.Column("serial_number", sa.String(64), nullable=False),
    sa.Column("ca", sa.String(512), nullable=True),
    sa.Column("not_before", sa.DateTime, nullable=False),
    sa.Column("expiry_time", sa.DateTime, nullable=False),
    sa.Column("hash_function", sa.String(16), nullable=True),
    sa.Column("key_type", sa.String(8), nullable=False),
    sa.Column("key_size", sa.Integer, nullable=False),
    sa.Column("subject_key_identifier", sa.String(128), nullable=True),
    sa.Column("authority_key_identifier", sa.String(128), nullable=True),
    sa.Column("san_dns", sa.Text, nullable=True),
    sa.Column("san_email", sa.Text, nullable=True),
    sa.Column("san_ip", sa.Text, nullable=True),
    sa.Column("san_uri", sa.Text, nullable=True),
    sa.Column("public_certificate", sa.Text, nullable=False),
    sa.Column("private_key", sa.Text, nullable=True),  # encrypted with the data dir's key
    sa.Column("intermediate_certificates", sa.Text, nullable=True),
    sa.Column("is_ca", sa.Boolean, nullable=False),
    sa.Column("issuer_serial", sa.String(128), nullable=False),
    sa.Column("created", sa.DateTime, nullable=False),
    sa.UniqueConstraint("scope_key", "name", name="uq_certificates_scope_name"),
    sa.UniqueConstraint("scope_key", "issuer_serial", name="uq_certificates_scope_issuer_serial"),
    sa.UniqueConstraint("uuid", "scope_key", "is_ca", name="uq_certificates_uuid_scope_ca"),
    sa.CheckConstraint(
        f"scope_key = COALESCE(svm_uuid, '{CLUSTER_SCOPE}')", name="ck_certificates_scope_key"
    ),
    info={"owned_by_svm": True},
)

# One value of a certificate's subject alternative names, for filtering.
certificate_sans = sa.Table(
    "certificate_sans",
    metadata,
    sa.Column(
        "certificate_uuid",
        sa.String(36),
        sa.ForeignKey("certificates.uuid", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("kind", sa.String(8), primary_key=True),
    sa.Column("value", sa.String(1024), primary_key=True),
)

ipsec_ca_certificates = sa.Table(
    "ipsec_ca_certificates",
    metadata,
    sa.Column("certificate_uuid", sa.String(36), primary_key=True),
    sa.Column(
        "svm_uuid",
        sa.String(36),
        sa.ForeignKey("svms.uuid", ondelete="CASCADE"),
        nullable=True,
        index=True,
    ),
    sa.Column("scope_key", sa.String(36), nullable=False),
    sa.Column("is_ca", sa.Boolean, nullable=False),
    sa.Column("created", sa.DateTime, nullable=False),
    sa.ForeignKeyConstraint(
        ["certificate_uuid", "scope_key", "is_ca"],
        ["certificates.uuid", "certificates.scope_key", "certificates.is_ca"],
        name="fk_ipsec_installed_ca_same_scope",
    ),
    sa.CheckConstraint("is_ca", name="ck_ipsec_is_ca"),
    sa.CheckConstraint(
        f"scope_key = COALESCE(svm_uuid, '{CLUSTER_SCOPE}')", name="ck_ipsec_scope_key"
    ),
    info={"owned_by_svm": True},
)
