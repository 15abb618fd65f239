"""a counter of changes to the accounts, kept by the database itself

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_SQLITE_TRIGGERS = [
    f"CREATE TRIGGER accounts_{event.lower()} AFTER {event} ON accounts "
    "BEGIN UPDATE account_changes SET generation = generation + 1 WHERE id = 1; END"
    for event in ("INSERT", "UPDATE", "DELETE")
]
_POSTGRESQL_TRIGGER = [
    "CREATE FUNCTION bump_account_changes() RETURNS trigger AS $$ BEGIN "
    "UPDATE account_changes SET generation = generation + 1 WHERE id = 1; RETURN NULL; "
    "END $$ LANGUAGE plpgsql",
    "CREATE TRIGGER accounts_changed AFTER INSERT OR UPDATE OR DELETE ON accounts "
    "FOR EACH STATEMENT EXECUTE FUNCTION bump_account_changes()",
]


def upgrade() -> None:
    op.create_table(
        "account_changes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("generation", sa.Integer, nullable=False),
        sa.CheckConstraint("id = 1", name="ck_account_changes_one_row"),
    )
    op.execute("INSERT INTO account_changes (id, generation) VALUES (1, 0)")
    dialect = op.get_bind().dialect.name
    for statement in _SQLITE_TRIGGERS if dialect == "sqlite" else _POSTGRESQL_TRIGGER:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER accounts_{event}")
    else:
        op.execute("DROP TRIGGER accounts_changed ON accounts")
        op.execute("DROP FUNCTION bump_account_changes()")
    op.drop_table("account_changes")
