"""the IPsec configuration and the IPsec policies, watched by the trust counter

`ipsec_config` holds the one row of `/api/security/ipsec` (IPsec disabled, no replay
window, no offload on a new cluster); `ipsec_policies` the policies of
`/api/security/ipsec/policies`, whose pre-shared and post-quantum keys are sealed with the
data dir's key. Both tables join the triggers of migration 0005, so that a change to a
policy or to the configuration, made by any process, bumps `trust_changes.generation`
(and on PostgreSQL sends NOTIFY ontap_ipsec_trust at the commit) as a change to the IPsec
CA list does: the strongSwan agent hears of it.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_WATCHED = ("ipsec_policies", "ipsec_config")
_EVENTS = ("INSERT", "UPDATE", "DELETE")
_BUMP = "UPDATE trust_changes SET generation = generation + 1 WHERE id = 1"


def _text(length: int | None = None) -> sa.types.TypeEngine[str]:
    if length is None:
        return sa.Text().with_variant(sa.Text(collation="C"), "postgresql")
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def _endpoint(side: str) -> list[sa.Column[str]]:
    return [
        sa.Column(f"{side}_address", _text(45)),
        sa.Column(f"{side}_netmask", _text(15)),
        sa.Column(f"{side}_family", _text(4)),
        sa.Column(f"{side}_port", _text(11)),
    ]


def upgrade() -> None:
    op.create_table(
        "ipsec_config",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("replay_window", sa.Integer, nullable=False),
        sa.Column("offload_enabled", sa.Boolean, nullable=False),
        sa.CheckConstraint("id = 1", name="ck_ipsec_config_one_row"),
    )
    op.execute(
        "INSERT INTO ipsec_config (id, enabled, replay_window, offload_enabled) "
        "VALUES (1, false, 0, false)"
    )
    op.create_table(
        "ipsec_policies",
        sa.Column("uuid", _text(36), primary_key=True),
        sa.Column("name", _text(64), nullable=False),
        sa.Column("svm_uuid", _text(36), sa.ForeignKey("svms.uuid", ondelete="CASCADE")),
        sa.Column("scope_key", _text(36), nullable=False),
        sa.Column("ipspace_name", _text(64), nullable=False),
        sa.Column("ipspace_uuid", _text(36), nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("action", _text(16), nullable=False),
        sa.Column("authentication_method", _text(8), nullable=False),
        sa.Column(
            "certificate_uuid",
            _text(36),
            sa.ForeignKey("certificates.uuid", ondelete="RESTRICT"),
        ),
        sa.Column("certificate_modify_keepsa", sa.Boolean, nullable=False),
        *_endpoint("local"),
        *_endpoint("remote"),
        sa.Column("protocol", _text(8), nullable=False),
        sa.Column("local_identity", _text(255)),
        sa.Column("remote_identity", _text(255)),
        sa.Column("secret_key", _text()),
        sa.Column("ppk_identity", _text(255)),
        sa.Column("ppk_shared_key", _text()),
        sa.Column("created", sa.DateTime, nullable=False),
        sa.UniqueConstraint("scope_key", "name", name="uq_ipsec_policies_scope_name"),
        sa.CheckConstraint(
            "scope_key = COALESCE(svm_uuid, 'cluster')", name="ck_ipsec_policies_scope_key"
        ),
    )
    op.create_index("ix_ipsec_policies_svm_uuid", "ipsec_policies", ["svm_uuid"])
    op.create_index("ix_ipsec_policies_certificate_uuid", "ipsec_policies", ["certificate_uuid"])
    if op.get_bind().dialect.name == "sqlite":
        for table in _WATCHED:
            for event in _EVENTS:
                op.execute(
                    f"CREATE TRIGGER trust_{table}_{event.lower()} AFTER {event} ON {table} "
                    f"BEGIN {_BUMP}; END"
                )
    else:  # the function of migration 0005: bump, and NOTIFY with the table's name
        for table in _WATCHED:
            op.execute(
                f"CREATE TRIGGER {table}_trust_changed AFTER {' OR '.join(_EVENTS)} ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION bump_trust_changes()"
            )


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in _WATCHED:
        if sqlite:
            for event in _EVENTS:
                op.execute(f"DROP TRIGGER trust_{table}_{event.lower()}")
        else:
            op.execute(f"DROP TRIGGER {table}_trust_changed ON {table}")
    op.drop_index("ix_ipsec_policies_certificate_uuid", "ipsec_policies")
    op.drop_index("ix_ipsec_policies_svm_uuid", "ipsec_policies")
    op.drop_table("ipsec_policies")
    op.drop_table("ipsec_config")
