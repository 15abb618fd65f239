"""The schema as SQLAlchemy Core tables (the migrations create the same).

Referential rules live here, in the database, so that no race between two
requests can break them: an IPsec CA entry references an installed CA
certificate of the same scope through a composite foreign key.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

# Text compares bytewise on both backends, whatever collation the PostgreSQL database was
# created with: SQLite's default BINARY compares UTF-8 bytes, PostgreSQL's "C" collation
# does the same (SQLite has no collation of that name, hence the variant). Filters with
# `<`, `>`, `..` and `order_by` therefore answer alike everywhere (migration 0004).
BYTEWISE = "C"


def varchar(length: int) -> sa.types.TypeEngine[str]:
    """VARCHAR(length), compared bytewise."""
    return sa.String(length).with_variant(sa.String(length, collation=BYTEWISE), "postgresql")


def text() -> sa.types.TypeEngine[str]:
    """TEXT, compared bytewise."""
    return sa.Text().with_variant(sa.Text(collation=BYTEWISE), "postgresql")


# The scope key of cluster-scoped rows (an SVM-scoped row uses its SVM's uuid),
# so that "same scope" can be part of a composite foreign key.
CLUSTER_SCOPE = "cluster"

cluster = sa.Table(
    "cluster",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("uuid", varchar(36), nullable=False, unique=True),
    sa.Column("name", varchar(255), nullable=False),
    sa.Column("ipspace_uuid", varchar(36), nullable=False),
    sa.Column("snapshot_policy_uuid", varchar(36), nullable=False),
    sa.Column("version", varchar(64), nullable=False),
    sa.Column("version_full", varchar(255), nullable=False),
    sa.Column("version_generation", sa.Integer, nullable=False),
    sa.Column("version_major", sa.Integer, nullable=False),
    sa.Column("version_minor", sa.Integer, nullable=False),
    sa.Column("created", sa.DateTime, nullable=False),
    sa.Column("contact", varchar(255)),
    sa.Column("location", varchar(255)),
    sa.CheckConstraint("id = 1", name="ck_cluster_single_row"),
)

# An account is owned by the cluster (scope_key "cluster") or by an SVM (its uuid), and
# named uniquely within its owner, as ONTAP keys them (/api/security/accounts/{owner}/{name};
# migration 0009). An SVM's accounts go with it. No password hash: no password login.
accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("scope_key", varchar(36), primary_key=True, server_default=CLUSTER_SCOPE),
    sa.Column("name", varchar(64), primary_key=True),
    sa.Column(
        "svm_uuid",
        varchar(36),
        sa.ForeignKey("svms.uuid", ondelete="CASCADE"),
        nullable=True,
        index=True,
    ),
    sa.Column("password_hash", varchar(255), nullable=True),
    sa.Column("role", varchar(32), nullable=False),
    sa.Column("locked", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("comment", varchar(255), nullable=True),
    # JSON: [{"application", "authentication_methods": [...], "second_authentication_method"}]
    sa.Column("applications", text(), nullable=True),
    # "server": made by the server (the first admin, `ontap-ipsec passwd`); "api": by
    # POST /api/security/accounts, which the pytest plugin's reset removes again
    sa.Column("origin", varchar(8), nullable=False, server_default="server"),
    # the lockout (migration 0011): failed logins in a row, and the end of a lock they set
    # (NULL with `locked`: locked until an admin unlocks it)
    sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"),
    sa.Column("locked_until", sa.DateTime, nullable=True),
    sa.CheckConstraint(
        f"scope_key = COALESCE(svm_uuid, '{CLUSTER_SCOPE}')", name="ck_accounts_scope_key"
    ),
    info={"owned_by_svm": True},
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

# One row: bumped by database triggers (migrations 0005 and 0008) on every change to the
# IPsec CA list, the IPsec policies and configuration, the SVMs or the cluster, and
# announced on PostgreSQL with NOTIFY ontap_ipsec_trust: how the strongSwan agent learns,
# from any process, that a daemon may need converging.
trust_changes = sa.Table(
    "trust_changes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("generation", sa.Integer, nullable=False),
    sa.CheckConstraint("id = 1", name="ck_trust_changes_one_row"),
)

svms = sa.Table(
    "svms",
    metadata,
    sa.Column("uuid", varchar(36), primary_key=True),
    sa.Column("name", varchar(64), nullable=False, unique=True),
    sa.Column("comment", varchar(255), nullable=True),
    sa.Column("language", varchar(32), nullable=False),
    sa.Column("state", varchar(16), nullable=False),
    sa.Column("subtype", varchar(32), nullable=False),
    sa.Column("ipspace_name", varchar(64), nullable=False),
    sa.Column("ipspace_uuid", varchar(36), nullable=False),
    sa.Column("snapshot_policy_name", varchar(64), nullable=False),
    sa.Column("snapshot_policy_uuid", varchar(36), nullable=False),
    sa.Column("created", sa.DateTime, nullable=False),
)

jobs = sa.Table(
    "jobs",
    metadata,
    sa.Column("uuid", varchar(36), primary_key=True),
    sa.Column("description", varchar(512), nullable=False),
    sa.Column("state", varchar(16), nullable=False),
    sa.Column("message", varchar(1024), nullable=True),
    sa.Column("code", sa.Integer, nullable=False, server_default="0"),
    sa.Column("start_time", sa.DateTime, nullable=True),
    sa.Column("end_time", sa.DateTime, nullable=True),
    sa.Column("svm_uuid", varchar(36), nullable=True),
    sa.Column("svm_name", varchar(64), nullable=True),
    # job progression (migration 0007): how the job moves on, the change it applies when
    # it succeeds (JSON, until it ends) and how many GETs of it were answered
    sa.Column("plan", text(), nullable=True),
    sa.Column("payload", text(), nullable=True),
    sa.Column("polls", sa.Integer, nullable=False, server_default="0"),
)

# One row, or none for "immediate": how new jobs progress (the test toolkit's setting).
job_progression = sa.Table(
    "job_progression",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("mode", varchar(16), nullable=False),
    sa.Column("queued", sa.Float, nullable=False),
    sa.Column("running", sa.Float, nullable=False),
    sa.CheckConstraint("id = 1", name="ck_job_progression_one_row"),
)

# The test toolkit's rules that make jobs fail, matched when a job is created.
job_rules = sa.Table(
    "job_rules",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("method", varchar(16), nullable=False),
    sa.Column("path", varchar(1024), nullable=False),
    sa.Column("test_id", varchar(255), nullable=True),
    sa.Column("nth", sa.Integer, nullable=True),
    sa.Column("probability", sa.Float, nullable=True),
    sa.Column("remaining", sa.Integer, nullable=True),  # None: until removed
    sa.Column("seen", sa.Integer, nullable=False, server_default="0"),
    sa.Column("fired", sa.Integer, nullable=False, server_default="0"),
    sa.Column("message", varchar(1024), nullable=False),
    sa.Column("code", sa.Integer, nullable=False),
)

certificates = sa.Table(
    "certificates",
    metadata,
    sa.Column("uuid", varchar(36), primary_key=True),
    sa.Column("name", varchar(255), nullable=False),
    sa.Column(
        "svm_uuid",
        varchar(36),
        sa.ForeignKey("svms.uuid", ondelete="CASCADE"),
        nullable=True,
        index=True,
    ),
    sa.Column("scope_key", varchar(36), nullable=False),
    sa.Column("type", varchar(16), nullable=False),
    sa.Column("common_name", varchar(255), nullable=True),
    sa.Column("serial_number", varchar(64), nullable=False),
    sa.Column("ca", varchar(512), nullable=True),
    sa.Column("not_before", sa.DateTime, nullable=False),
    sa.Column("expiry_time", sa.DateTime, nullable=False),
    sa.Column("hash_function", varchar(16), nullable=True),
    sa.Column("key_type", varchar(8), nullable=False),
    sa.Column("key_size", sa.Integer, nullable=False),
    sa.Column("subject_key_identifier", varchar(128), nullable=True),
    sa.Column("authority_key_identifier", varchar(128), nullable=True),
    sa.Column("san_dns", text(), nullable=True),
    sa.Column("san_email", text(), nullable=True),
    sa.Column("san_ip", text(), nullable=True),
    sa.Column("san_uri", text(), nullable=True),
    sa.Column("public_certificate", text(), nullable=False),
    sa.Column("private_key", text(), nullable=True),  # encrypted with the data dir's key
    sa.Column("intermediate_certificates", text(), nullable=True),
    sa.Column("is_ca", sa.Boolean, nullable=False),
    sa.Column("issuer_serial", varchar(128), nullable=False),
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
        varchar(36),
        sa.ForeignKey("certificates.uuid", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("kind", varchar(8), primary_key=True),
    sa.Column("value", varchar(1024), primary_key=True),
)

ipsec_ca_certificates = sa.Table(
    "ipsec_ca_certificates",
    metadata,
    sa.Column("certificate_uuid", varchar(36), primary_key=True),
    sa.Column(
        "svm_uuid",
        varchar(36),
        sa.ForeignKey("svms.uuid", ondelete="CASCADE"),
        nullable=True,
        index=True,
    ),
    sa.Column("scope_key", varchar(36), nullable=False),
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

# One row: the cluster-wide IPsec configuration (`/api/security/ipsec`, migration 0008).
ipsec_config = sa.Table(
    "ipsec_config",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("replay_window", sa.Integer, nullable=False),
    sa.Column("offload_enabled", sa.Boolean, nullable=False),
    sa.CheckConstraint("id = 1", name="ck_ipsec_config_one_row"),
)
IPSEC_CONFIG_DEFAULTS = {"enabled": False, "replay_window": 0, "offload_enabled": False}


def _endpoint(side: str) -> list[sa.Column[str]]:
    """An IPsec policy's local or remote traffic selector, as ONTAP shows it: the address as
    given (IPv6 compressed), the netmask as a prefix length, the family, the port range."""
    return [
        sa.Column(f"{side}_address", varchar(45), nullable=True),
        sa.Column(f"{side}_netmask", varchar(15), nullable=True),  # input may be dotted
        sa.Column(f"{side}_family", varchar(4), nullable=True),
        sa.Column(f"{side}_port", varchar(11), nullable=True),
    ]


# The IPsec policies (`/api/security/ipsec/policies`, migration 0008). A PKI policy's
# certificate cannot be deleted while the policy uses it (RESTRICT); the pre-shared key and
# the post-quantum key are sealed with the data dir's key, as private keys are.
ipsec_policies = sa.Table(
    "ipsec_policies",
    metadata,
    sa.Column("uuid", varchar(36), primary_key=True),
    sa.Column("name", varchar(64), nullable=False),
    sa.Column(
        "svm_uuid",
        varchar(36),
        sa.ForeignKey("svms.uuid", ondelete="CASCADE"),
        nullable=True,
        index=True,
    ),
    sa.Column("scope_key", varchar(36), nullable=False),
    sa.Column("ipspace_name", varchar(64), nullable=False),
    sa.Column("ipspace_uuid", varchar(36), nullable=False),
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("action", varchar(16), nullable=False),
    sa.Column("authentication_method", varchar(8), nullable=False),
    sa.Column(
        "certificate_uuid",
        varchar(36),
        sa.ForeignKey("certificates.uuid", ondelete="RESTRICT"),
        nullable=True,
        index=True,
    ),
    sa.Column("certificate_modify_keepsa", sa.Boolean, nullable=False),
    *_endpoint("local"),
    *_endpoint("remote"),
    sa.Column("protocol", varchar(8), nullable=False),
    sa.Column("local_identity", varchar(255), nullable=True),
    sa.Column("remote_identity", varchar(255), nullable=True),
    sa.Column("secret_key", text(), nullable=True),  # encrypted with the data dir's key
    sa.Column("ppk_identity", varchar(255), nullable=True),
    sa.Column("ppk_shared_key", text(), nullable=True),  # encrypted with the data dir's key
    sa.Column("created", sa.DateTime, nullable=False),
    sa.UniqueConstraint("scope_key", "name", name="uq_ipsec_policies_scope_name"),
    sa.CheckConstraint(
        f"scope_key = COALESCE(svm_uuid, '{CLUSTER_SCOPE}')", name="ck_ipsec_policies_scope_key"
    ),
    info={"owned_by_svm": True},
)

# The audit log (`/api/security/audit/messages`, migration 0010): one row per change
# request, in the order the server answered them (`seq`, served as ONTAP's `index`). Never a
# body: the method and target only. Bounded: the oldest rows go (domain/backends/audit.py).
audit_messages = sa.Table(
    "audit_messages",
    metadata,
    sa.Column(
        "seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True,
        autoincrement=True,
    ),
    sa.Column("timestamp", sa.DateTime, nullable=False),
    sa.Column("node_name", varchar(255), nullable=False),
    sa.Column("node_uuid", varchar(36), nullable=False),
    sa.Column("application", varchar(16), nullable=False),
    sa.Column("location", varchar(64), nullable=False),
    sa.Column("user_name", varchar(64), nullable=True),
    sa.Column("role", varchar(32), nullable=True),
    sa.Column("input", text(), nullable=False),
    sa.Column("state", varchar(16), nullable=False),
    sa.Column("scope", varchar(8), nullable=False),
    sa.Column("svm_uuid", varchar(36), nullable=True, index=True),
    sa.Column("svm_name", varchar(64), nullable=True),
    sa.Column("session_id", varchar(64), nullable=False),
    sa.Column("command_id", varchar(64), nullable=False),
    sa.Column("message", text(), nullable=True),
)
