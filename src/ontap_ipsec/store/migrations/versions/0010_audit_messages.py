"""the audit log of change requests (/api/security/audit/messages)

One row per POST, PATCH or DELETE the API answered: when, who, from where, the method
and target (never a body), the outcome. `seq` orders them and is served as ONTAP's
`index`; the SVM columns say whose records an SVM account may read. No foreign key to
the SVM: a record outlives what it names, as a log does.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _text(length: int | None = None) -> sa.types.TypeEngine[str]:
    if length is None:
        return sa.Text().with_variant(sa.Text(collation="C"), "postgresql")
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "audit_messages",
        sa.Column(
            "seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True,
            autoincrement=True,
        ),
        sa.Column("timestamp", sa.DateTime, nullable=False),
        sa.Column("node_name", _text(255), nullable=False),
        sa.Column("node_uuid", _text(36), nullable=False),
        sa.Column("application", _text(16), nullable=False),
        sa.Column("location", _text(64), nullable=False),
        sa.Column("user_name", _text(64)),
        sa.Column("role", _text(32)),
        sa.Column("input", _text(), nullable=False),
        sa.Column("state", _text(16), nullable=False),
        sa.Column("scope", _text(8), nullable=False),
        sa.Column("svm_uuid", _text(36)),
        sa.Column("svm_name", _text(64)),
        sa.Column("session_id", _text(64), nullable=False),
        sa.Column("command_id", _text(64), nullable=False),
        sa.Column("message", _text()),
    )
    op.create_index("ix_audit_messages_svm_uuid", "audit_messages", ["svm_uuid"])


def downgrade() -> None:
    op.drop_index("ix_audit_messages_svm_uuid", "audit_messages")
    op.drop_table("audit_messages")
