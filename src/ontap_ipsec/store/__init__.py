"""Persistence: SQLAlchemy Core tables, engine set-up, Query -> SQL, migrations."""
