"""A PostgreSQL database of its own whose default collation is language-aware (ICU en-US).

Collation is chosen per database, so the schema-per-test `pg_url` of tests/conftest.py
(whose database is usually C-collated) cannot show what a cluster created with
``initdb --locale-provider=icu`` or an en_US locale does to text comparison.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from tests.conftest import PG_BASE, require_postgresql

ICU_LOCALE = "en-US"


@contextmanager
def icu_database() -> Iterator[str]:
    """The URL of a new database collating by ICU's en-US rules; dropped afterwards."""
    require_postgresql()
    name = f"ontap_icu_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(
                sa.text(
                    f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\' '
                    f"LOCALE_PROVIDER icu ICU_LOCALE '{ICU_LOCALE}' LOCALE 'C.UTF-8'"
                )
            )
        url = sa.make_url(PG_BASE).set(database=name)
        probe = sa.create_engine(url)
        try:
            with probe.connect() as conn:
                # The database must really order by language rules (lowercase before
                # uppercase, letters before case), or the tests using it prove nothing.
                language_aware = conn.execute(sa.text("SELECT 'a' < 'B' AND 'b' < 'B'")).scalar()
        finally:
            probe.dispose()
        assert language_aware, f"database {name} does not collate by {ICU_LOCALE} rules"
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
