"""job progression: a job's plan, its pending change and its polls; the progression
setting and the job failure rules of the test toolkit

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _text(length: int | None = None) -> sa.types.TypeEngine[str]:
    if length is None:
        return sa.Text().with_variant(sa.Text(collation="C"), "postgresql")
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("plan", _text()))
        batch.add_column(sa.Column("payload", _text()))
        batch.add_column(sa.Column("polls", sa.Integer, nullable=False, server_default="0"))
    op.create_table(
        "job_progression",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("mode", _text(16), nullable=False),
        sa.Column("queued", sa.Float, nullable=False),
        sa.Column("running", sa.Float, nullable=False),
        sa.CheckConstraint("id = 1", name="ck_job_progression_one_row"),
    )
    op.create_table(
        "job_rules",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("method", _text(16), nullable=False),
        sa.Column("path", _text(1024), nullable=False),
        sa.Column("test_id", _text(255)),
        sa.Column("nth", sa.Integer),
        sa.Column("probability", sa.Float),
        sa.Column("remaining", sa.Integer),
        sa.Column("seen", sa.Integer, nullable=False, server_default="0"),
        sa.Column("fired", sa.Integer, nullable=False, server_default="0"),
        sa.Column("message", _text(1024), nullable=False),
        sa.Column("code", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("job_rules")
    op.drop_table("job_progression")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("polls")
        batch.drop_column("payload")
        batch.drop_column("plan")
