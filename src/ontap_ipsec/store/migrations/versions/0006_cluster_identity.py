"""the cluster's contact and location (PATCH /api/cluster)

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _text() -> sa.types.TypeEngine[str]:
    return sa.String(255).with_variant(sa.String(255, collation="C"), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("cluster") as batch:
        batch.add_column(sa.Column("contact", _text()))
        batch.add_column(sa.Column("location", _text()))


def downgrade() -> None:
    with op.batch_alter_table("cluster") as batch:
        batch.drop_column("location")
        batch.drop_column("contact")
