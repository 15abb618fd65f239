"""What the store reports when the database says no: no HTTP, no driver types.

Backends catch :class:`Conflict` to tell a lost race from a rule they checked;
the application maps them all to ONTAP's envelope in one place.
"""

from __future__ import annotations


class StoreError(Exception):
    """A failure of the database, not of the request's rules."""


class Conflict(StoreError):
    """A constraint refused the change (unique key, foreign key, check)."""


class Unavailable(StoreError):
    """The database could not be reached or was busy past its timeout: retryable."""


class Full(Unavailable):
    """The database has no room left to write (SQLite's file system is full, SQLITE_FULL;
    PostgreSQL's disk_full): nothing was written; writes work again once there is room.
    An Unavailable, so that the connection is replaced as after any failed write."""


class Deadlock(Unavailable):
    """PostgreSQL rolled this transaction back to break a deadlock with another one (or a
    serialization failure): nothing of it was written, so running it again is safe."""


class BadData(StoreError):
    """The database refused a value (out of its integer range, an invalid byte), or a
    statement too large for it (`too_large`: thousands of alternatives in one filter)."""

    def __init__(self, message: str, *, too_large: bool = False) -> None:
        super().__init__(message)
        self.too_large = too_large
