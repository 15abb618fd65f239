"""accounts owned by the cluster or an SVM, with their applications and comment

ONTAP keys an account by its owner and its name (`/api/security/accounts/{owner.uuid}/
{name}`): the table's key becomes (scope_key, name), scope_key being "cluster" or the
owning SVM's uuid (whose delete takes its accounts along). The password hash may be
absent (an account that logs in by no password); `applications` holds the account's
application tuples as JSON, `origin` says who made it ("server": the first admin and
`ontap-ipsec passwd`; "api": POST /api/security/accounts). SQLite cannot change a
primary key in place, so the table is rebuilt on both databases and the triggers of
migration 0003 made again on it. Existing accounts become cluster accounts with the
http and console applications by password, as they logged in before.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_EVENTS = ("INSERT", "UPDATE", "DELETE")
_BUMP = "UPDATE account_changes SET generation = generation + 1 WHERE id = 1"
_BEFORE = (
    '[{"application": "http", "authentication_methods": ["password"]}, '
    '{"application": "console", "authentication_methods": ["password"]}]'
)


def _text(length: int | None = None) -> sa.types.TypeEngine[str]:
    if length is None:
        return sa.Text().with_variant(sa.Text(collation="C"), "postgresql")
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def _triggers(sqlite: bool) -> list[str]:
    if sqlite:
        return [
            f"CREATE TRIGGER accounts_{event.lower()} AFTER {event} ON accounts BEGIN {_BUMP}; END"
            for event in _EVENTS
        ]
    return [  # the function of migration 0003
        f"CREATE TRIGGER accounts_changed AFTER {' OR '.join(_EVENTS)} ON accounts "
        "FOR EACH STATEMENT EXECUTE FUNCTION bump_account_changes()"
    ]


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.create_table(
        "accounts_scoped",
        sa.Column("scope_key", _text(36), primary_key=True, server_default="cluster"),
        sa.Column("name", _text(64), primary_key=True),
        sa.Column("svm_uuid", _text(36), sa.ForeignKey("svms.uuid", ondelete="CASCADE")),
        sa.Column("password_hash", _text(255)),
        sa.Column("role", _text(32), nullable=False),
        sa.Column("locked", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("comment", _text(255)),
        sa.Column("applications", _text()),
        sa.Column("origin", _text(8), nullable=False, server_default="server"),
        sa.CheckConstraint(
            "scope_key = COALESCE(svm_uuid, 'cluster')", name="ck_accounts_scope_key"
        ),
    )
    op.execute(
        "INSERT INTO accounts_scoped (scope_key, name, password_hash, role, locked, "
        f"applications, origin) SELECT 'cluster', name, password_hash, role, locked, "
        f"'{_BEFORE}', 'server' FROM accounts"
    )
    op.drop_table("accounts")  # its triggers go with it
    op.rename_table("accounts_scoped", "accounts")
    if not sqlite:  # PostgreSQL names the key and the check after the table they were made on
        op.execute("ALTER INDEX accounts_scoped_pkey RENAME TO accounts_pkey")
    op.create_index("ix_accounts_svm_uuid", "accounts", ["svm_uuid"])
    for statement in _triggers(sqlite):
        op.execute(statement)
    op.execute(_BUMP)  # remembered credentials are read again


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.create_table(
        "accounts_named",
        sa.Column("name", _text(64), primary_key=True),
        sa.Column("password_hash", _text(255), nullable=False),
        sa.Column("role", _text(32), nullable=False),
        sa.Column("locked", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.execute(
        "INSERT INTO accounts_named (name, password_hash, role, locked) "
        "SELECT name, password_hash, role, locked FROM accounts "
        "WHERE scope_key = 'cluster' AND password_hash IS NOT NULL "
        "AND role IN ('admin', 'readonly')"
    )
    op.drop_index("ix_accounts_svm_uuid", "accounts")
    op.drop_table("accounts")
    op.rename_table("accounts_named", "accounts")
    if not sqlite:
        op.execute("ALTER INDEX accounts_named_pkey RENAME TO accounts_pkey")
    for statement in _triggers(sqlite):
        op.execute(statement)
