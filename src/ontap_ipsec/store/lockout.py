"""The lockout's statements: a failed login counted (and the lock it may set), a success
clearing the count, and the database's own clock for what a read shows as locked.

Each is one UPDATE whose WHERE leaves a lock in force untouched, so that workers and
servers counting the failures of one account at once count every one of them, and a
lock that ended counts afresh from one.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from ontap_ipsec.store.prepared import Statement
from ontap_ipsec.store.tables import accounts as t


class utc_now(FunctionElement[Any]):  # noqa: N801 - an SQL function's name
    """The database's time now, in UTC without a zone, as the DateTime columns hold it."""

    type = sa.DateTime()
    inherit_cache = True


@compiles(utc_now, "sqlite")
def _sqlite_now(_element: Any, _compiler: Any, **_kw: Any) -> str:
    return "strftime('%Y-%m-%d %H:%M:%f', 'now')"


@compiles(utc_now)
def _now(_element: Any, _compiler: Any, **_kw: Any) -> str:
    return "(CURRENT_TIMESTAMP AT TIME ZONE 'UTC')"


def _bind(name: str, type_: Any = None) -> Any:
    return sa.bindparam(name, value=None, type_=type_)


def in_force(locked: Any, until: Any) -> Any:
    """A lock that holds now: an admin's (no end), or one whose end is still to come."""
    return sa.and_(locked, sa.or_(until.is_(None), until > utc_now()))


def _free() -> Any:  # no lock, or one that ended
    return sa.or_(
        t.c.locked == sa.false(),
        sa.and_(t.c.locked_until.is_not(None), t.c.locked_until <= _bind("now", sa.DateTime())),
    )


def _key() -> Any:
    return sa.and_(t.c.scope_key == _bind("scope"), t.c.name == _bind("name"))


def _failed() -> Any:
    count = sa.case((t.c.locked == sa.true(), 1), else_=t.c.failed_logins + 1)
    reached = count >= _bind("max", sa.Integer())
    return (
        t.update()
        .where(_key(), _free())
        .values(
            failed_logins=count,
            locked=sa.case((reached, sa.true()), else_=sa.false()),
            locked_until=sa.case((reached, _bind("until", sa.DateTime())), else_=sa.null()),
        )
    )


FAILED = Statement(("lockout", "failed"), _failed)
SUCCEEDED = Statement(
    ("lockout", "succeeded"),
    lambda: t.update()
    .where(_key(), _free(), sa.or_(t.c.failed_logins > 0, t.c.locked == sa.true()))
    .values(failed_logins=0, locked=False, locked_until=None),
)
STATE = Statement(
    ("lockout", "state"),
    lambda: sa.select(t.c.locked, t.c.failed_logins).where(_key()),
)
