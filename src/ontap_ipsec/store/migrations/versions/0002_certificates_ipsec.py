"""security certificates and the IPsec CA list

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "certificates",
        sa.Column("uuid", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column(
            "svm_uuid", sa.String(36), sa.ForeignKey("svms.uuid", ondelete="CASCADE"), nullable=True
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
        sa.Column("private_key", sa.Text, nullable=True),
        sa.Column("intermediate_certificates", sa.Text, nullable=True),
        sa.Column("is_ca", sa.Boolean, nullable=False),
        sa.Column("issuer_serial", sa.String(128), nullable=False),
        sa.Column("created", sa.DateTime, nullable=False),
        sa.UniqueConstraint("scope_key", "name", name="uq_certificates_scope_name"),
        sa.UniqueConstraint(
            "scope_key", "issuer_serial", name="uq_certificates_scope_issuer_serial"
        ),
        sa.UniqueConstraint("uuid", "scope_key", "is_ca", name="uq_certificates_uuid_scope_ca"),
        sa.CheckConstraint(
            "scope_key = COALESCE(svm_uuid, 'cluster')", name="ck_certificates_scope_key"
        ),
    )
    op.create_index("ix_certificates_svm_uuid", "certificates", ["svm_uuid"])
    op.create_table(
        "certificate_sans",
        sa.Column(
            "certificate_uuid",
            sa.String(36),
            sa.ForeignKey("certificates.uuid", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("kind", sa.String(8), primary_key=True),
        sa.Column("value", sa.String(1024), primary_key=True),
    )
    op.create_table(
        "ipsec_ca_certificates",
        sa.Column("certificate_uuid", sa.String(36), primary_key=True),
        sa.Column(
            "svm_uuid", sa.String(36), sa.ForeignKey("svms.uuid", ondelete="CASCADE"), nullable=True
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
        sa.CheckConstraint("scope_key = COALESCE(svm_uuid, 'cluster')", name="ck_ipsec_scope_key"),
    )
    op.create_index("ix_ipsec_ca_certificates_svm_uuid", "ipsec_ca_certificates", ["svm_uuid"])


def downgrade() -> None:
    op.drop_table("ipsec_ca_certificates")
    op.drop_table("certificate_sans")
    op.drop_table("certificates")
