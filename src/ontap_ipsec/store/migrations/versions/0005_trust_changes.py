"""a counter of changes to what IPsec trusts, and a NOTIFY of them on PostgreSQL

Whoever changes the IPsec CA list, an SVM or the cluster's name (the names a
strongSwan daemon is attached by), in whatever process on whatever host, the
database itself bumps `trust_changes.generation` in the same transaction. On
PostgreSQL it also sends NOTIFY ontap_ipsec_trust, delivered at the commit to
every process LISTENing on the database, so each host's daemons converge without
polling; on SQLite the agent notices the bump after `PRAGMA data_version` moved.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

CHANNEL = "ontap_ipsec_trust"
_WATCHED = {
    "ipsec_ca_certificates": ("INSERT", "UPDATE", "DELETE"),
    "svms": ("INSERT", "UPDATE", "DELETE"),
    "cluster": ("UPDATE",),
}
_BUMP = "UPDATE trust_changes SET generation = generation + 1 WHERE id = 1"


def _sqlite_triggers() -> list[str]:
    return [
        f"CREATE TRIGGER trust_{table}_{event.lower()} AFTER {event} ON {table} "
        f"BEGIN {_BUMP}; END"
        for table, events in _WATCHED.items()
        for event in events
    ]


def _postgresql_triggers() -> list[str]:
    statements = [
        "CREATE FUNCTION bump_trust_changes() RETURNS trigger AS $$ BEGIN "
        f"{_BUMP}; PERFORM pg_notify('{CHANNEL}', TG_TABLE_NAME); RETURN NULL; "
        "END $$ LANGUAGE plpgsql"
    ]
    for table, events in _WATCHED.items():
        statements.append(
            f"CREATE TRIGGER {table}_trust_changed AFTER {' OR '.join(events)} ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION bump_trust_changes()"
        )
    return statements


def upgrade() -> None:
    op.create_table(
        "trust_changes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("generation", sa.Integer, nullable=False),
        sa.CheckConstraint("id = 1", name="ck_trust_changes_one_row"),
    )
    op.execute("INSERT INTO trust_changes (id, generation) VALUES (1, 0)")
    dialect = op.get_bind().dialect.name
    for statement in _sqlite_triggers() if dialect == "sqlite" else _postgresql_triggers():
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table, events in _WATCHED.items():
        if dialect == "sqlite":
            for event in events:
                op.execute(f"DROP TRIGGER trust_{table}_{event.lower()}")
        else:
            op.execute(f"DROP TRIGGER {table}_trust_changed ON {table}")
    if dialect != "sqlite":
        op.execute("DROP FUNCTION bump_trust_changes()")
    op.drop_table("trust_changes")
