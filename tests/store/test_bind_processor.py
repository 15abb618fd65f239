"""Pins the one private SQLAlchemy call of the prepared statements (store/prepared.py).

`bind_processor` must return what Core applies to a bound value before the driver, so that
values the prepared statements write and compare are stored exactly as Core's would be. If
an upgrade of SQLAlchemy renames or changes the private call, these fail first.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ontap_ipsec.store.prepared import bind_processor


def core_parameter(type_: sa.types.TypeEngine, value: object, dialect: sa.Dialect) -> object:
    """The value Core itself binds for a parameter of `type_`."""
    stmt = sa.select(sa.literal(1)).where(sa.bindparam("v", type_=type_) == sa.bindparam("v"))
    compiled = stmt.compile(dialect=dialect)
    processors = compiled._bind_processors  # the compiled statement's own (Core's path)
    process = processors.get("v")
    return process(value) if process is not None else value


def test_sqlite_datetimes_are_bound_as_cores_text() -> None:
    dialect = sqlite.dialect()
    moment = datetime(2031, 5, 6, 7, 8, 9)
    process = bind_processor(sa.DateTime(), dialect)
    assert process is not None
    assert process(moment) == "2031-05-06 07:08:09.000000"
    assert process(moment) == core_parameter(sa.DateTime(), moment, dialect)


def test_sqlite_booleans_are_bound_as_core_binds_them() -> None:
    dialect = sqlite.dialect()
    process = bind_processor(sa.Boolean(), dialect)
    bound = process(True) if process is not None else True
    assert bound == core_parameter(sa.Boolean(), True, dialect)


def test_plain_strings_need_no_processing() -> None:
    assert bind_processor(sa.String(36), sqlite.dialect()) is None
    assert bind_processor(sa.String(36), postgresql.psycopg.dialect()) is None


def test_the_processor_is_the_one_core_caches() -> None:
    dialect = sqlite.dialect()
    type_ = sa.DateTime()
    assert bind_processor(type_, dialect) is bind_processor(type_, dialect)
