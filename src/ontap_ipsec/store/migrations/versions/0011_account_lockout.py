"""the lockout after failed logins: a count per account and the end of the lock it sets

`failed_logins` counts the failed password logins in a row (a success sets it back to 0);
`locked_until` is when a lock set by them ends. An account locked by an admin has
`locked` and no end. Added columns only: the accounts' triggers stay.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "accounts", sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0")
    )
    op.add_column("accounts", sa.Column("locked_until", sa.DateTime, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("locked_until")
        batch.drop_column("failed_logins")
