"""cluster, accounts, svms and jobs

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cluster",
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
    op.create_table(
        "accounts",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("locked", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "svms",
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
    op.create_table(
        "jobs",
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


def downgrade() -> None:
    for table in ("jobs", "svms", "accounts", "cluster"):
        op.drop_table(table)
