"""Accounts, roles and HTTP Basic authentication.

Passwords are stored only as scrypt hashes. Verifying scrypt on every request
would cost tens of milliseconds, so a verified credential is remembered under a
keyed digest of the credential together with the stored hash it matched: a
changed password (a different stored hash) can never match a remembered entry.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ontap_ipsec.store.prepared import Reader, Version
from ontap_ipsec.store.tables import accounts

ROLES = ("admin", "readonly")
_N, _R, _P = 2**14, 8, 1
_CACHE_SIZE = 1024


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    enc = base64.b64encode
    return f"scrypt${_N}${_R}${_P}${enc(salt).decode()}${enc(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt_b64, digest_b64 = stored.split("$")
        if scheme != "scrypt":
            return False
        salt = base64.b64decode(salt_b64)
        expected = base64.b64decode(digest_b64)
        digest = hashlib.scrypt(
            password.encode(),
            salt=salt,
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
            maxmem=64 * 1024 * 1024,
        )
    except (ValueError, binascii.Error):
        return False
    return hmac.compare_digest(digest, expected)


_STAND_IN: list[str] = []  # a hash no password matches, made on first need


def _stand_in_hash() -> str:
    """What an unknown or locked account's check verifies against, so that it costs what
    a known account's does: how long a refusal takes says nothing of the name."""
    if not _STAND_IN:
        _STAND_IN.append(hash_password(secrets.token_urlsafe(24)))
    return _STAND_IN[0]


def generate_password() -> str:
    return secrets.token_urlsafe(12)


@dataclass(frozen=True)
class Principal:
    name: str
    role: str


def parse_basic(header: str | None) -> tuple[str, str] | None:
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "basic" or not token:
        return None
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):  # ValueError: not ASCII
        return None
    user, sep, password = decoded.partition(":")
    if not sep or "\x00" in decoded:  # no account's name or password holds NUL
        return None
    return user, password


class WouldHash(Exception):
    """Checking the credential takes a password hash, and the caller said not here (the
    event loop): it is to check it again where a hash may take its time."""


class _Accepted(NamedTuple):
    epoch: int  # of the read connection whose version `data` is
    data: int
    accounts: int  # the accounts' generation, comparable across connections
    principal: Principal


class Authenticator:
    """Checks Basic credentials against the accounts table, with two safe caches.

    - A verified password is remembered under a keyed digest of the credential
      together with the stored hash it matched: a changed password misses at once,
      and the slow hash is computed once per credential, not per request.
    - An accepted credential is trusted without reading its account while the
      store shows nothing committed since (:meth:`Reader.version`), or else while
      the generation the database's triggers keep for the accounts table is the
      same. A new password, a new role or a locked account, from any process,
      changes that generation, and the next request reads the account afresh.
    """

    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)  # per process: the caches never leave memory
        self._verified: OrderedDict[bytes, str] = OrderedDict()
        self._accepted: OrderedDict[bytes, _Accepted] = OrderedDict()

    def authenticate(
        self,
        reader: Reader,
        header: str | None,
        version: Version | None = None,
        *,
        may_hash: bool = True,
    ) -> Principal | None:
        """The principal `header` authenticates, or None. With `may_hash` False, a check
        that needs a password hash raises :class:`WouldHash` instead of computing it."""
        if not header:
            return None
        if version is None:
            return self._check(reader, header, may_hash)
        seen = self._digest(header)
        accepted = self._accepted.get(seen)
        if accepted is not None and (accepted.epoch, accepted.data) == version:
            return accepted.principal
        accounts = reader.accounts_generation()
        if accepted is not None and accepted.accounts == accounts:
            self._accepted[seen] = _Accepted(
                version.epoch, version.data, accounts, accepted.principal
            )
            return accepted.principal
        principal = self._check(reader, header, may_hash)
        if principal is not None:
            self._accepted[seen] = _Accepted(version.epoch, version.data, accounts, principal)
            if len(self._accepted) > _CACHE_SIZE:
                self._accepted.popitem(last=False)
        return principal

    def remembered(self, header: str, version: Version) -> Principal | None:
        """The principal of a credential accepted with nothing committed since; else None
        (the caller then goes through :meth:`authenticate`). Reads nothing."""
        accepted = self._accepted.get(self._digest(header))
        if accepted is not None and (accepted.epoch, accepted.data) == version:
            return accepted.principal
        return None

    def _token(self, user: str, password: str) -> bytes:
        return hashlib.blake2b(
            f"{user}\0{password}".encode(), key=self._key, digest_size=32
        ).digest()

    def _digest(self, header: str) -> bytes:
        return hashlib.blake2b(header.encode(), key=self._key, digest_size=32).digest()

    def _check(self, reader: Reader, header: str, may_hash: bool = True) -> Principal | None:
        creds = parse_basic(header)
        if creds is None:
            return None
        user, password = creds
        prepared = reader.prepare("account", _account_select)
        rows = reader.fetch(prepared, {"name": user})
        if not rows or rows[0][2]:  # unknown or locked: refused at a known account's cost
            if not may_hash:
                raise WouldHash
            verify_password(password, _stand_in_hash())
            return None
        stored, role, _locked = rows[0]
        token = self._token(user, password)
        if self._verified.get(token) == stored:
            self._verified.move_to_end(token)
            return Principal(user, role)
        if not may_hash:
            raise WouldHash
        if not verify_password(password, stored):
            return None
        self._verified[token] = stored
        if len(self._verified) > _CACHE_SIZE:
            self._verified.popitem(last=False)
        return Principal(user, role)


def _account_select() -> sa.Select[Any]:
    return sa.select(accounts.c.password_hash, accounts.c.role, accounts.c.locked).where(
        accounts.c.name == sa.bindparam("name", value=None)
    )


def set_password(conn: Connection, name: str, password: str, role: str = "admin") -> None:
    """Create the account or change its password (and role)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    hashed = hash_password(password)
    updated = conn.execute(
        accounts.update().where(accounts.c.name == name).values(password_hash=hashed, role=role)
    )
    if updated.rowcount == 0:
        conn.execute(accounts.insert().values(name=name, password_hash=hashed, role=role))
