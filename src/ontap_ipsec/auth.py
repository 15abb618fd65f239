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
import json
import logging
import secrets
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ontap_ipsec.domain.passwords import (
    generate_password,
    hash_password,
    stand_in_hash,
    verify_password,
)
from ontap_ipsec.store.prepared import Reader, Version
from ontap_ipsec.store.tables import CLUSTER_SCOPE, accounts, svms

__all__ = ["generate_password", "hash_password", "verify_password"]

ROLES = ("admin", "readonly")  # of the accounts `ontap-ipsec passwd` sets
_CACHE_SIZE = 1024
_log = logging.getLogger("ontap_ipsec.auth")
_stand_in_hash = stand_in_hash  # the name the tests have known it by


@dataclass(frozen=True)
class Principal:
    """An authenticated account: its name, role and owner (the cluster, or an SVM)."""

    name: str
    role: str
    scope_key: str = CLUSTER_SCOPE  # "cluster" or the owning SVM's uuid
    svm_name: str | None = None

    @property
    def svm_uuid(self) -> str | None:
        return None if self.scope_key == CLUSTER_SCOPE else self.scope_key


# The server's own accounts' applications: REST and the console by password (0009).
_LEGACY_APPLICATIONS = [
    {
        "application": a,
        "authentication_methods": ["password"],
        "second_authentication_method": "none",
    }
    for a in ("http", "console")
]
_LEGACY = _LEGACY_APPLICATIONS


def logs_in_over_http(applications: str | None, method: str = "password") -> bool:
    """Whether an account's applications let it call the REST API by `method` (`password`,
    or `cert`: a client certificate)."""
    try:
        tuples = json.loads(applications) if applications else _LEGACY
    except ValueError:
        return False
    return any(
        isinstance(t, dict)
        and t.get("application") == "http"
        and method in (t.get("authentication_methods") or ())
        for t in tuples
    )


def certificate_principal(
    reader: Reader, leaf_pem: str, hint: tuple[str, str] | None = None
) -> Principal | None:
    """The account a client certificate logs in as (ontap_ipsec.client_certs), or None:
    the certificate valid now and issued by a client CA installed now, its common name an
    unlocked account of the CA's owner with the `cert` method for `http`."""
    from ontap_ipsec import client_certs

    installed = reader.fetch(reader.prepare("client_cas", client_certs.client_ca_select), {})
    verified = client_certs.verified_name(leaf_pem, installed, client_certs.utc_now())
    if verified is None:
        return None
    name, scopes = verified
    rows = [
        r
        for r in reader.fetch(reader.prepare("account", _account_select), {"name": name})
        if client_certs.admits(scopes, r[0])
    ]
    row = choose(rows, hint) if rows else None
    if row is None or not logs_in_over_http(row[5], "cert"):
        return None
    if row[4] and (row[7] is None or _moment(row[7]) > _utc_now()):
        return None  # locked
    return Principal(name, row[3], row[0], row[1])


def choose(rows: Sequence[Any], hint: tuple[str, str] | None) -> Any:
    """The account a login name means among the accounts of that name (scope_key, SVM name,
    ...): the one of the SVM the request names (`X-Dot-SVM-Name`/`-UUID`, standing for
    the SVM's management interface) if it has one, else the cluster's, else the only one;
    None when several SVMs have it and nothing says which (docs/fidelity.md)."""
    if hint is not None:
        name, uuid = hint
        for row in rows:
            if row[0] != CLUSTER_SCOPE and (row[1] == name if name else row[0] == uuid):
                return row
    for row in rows:
        if row[0] == CLUSTER_SCOPE:
            return row
    return rows[0] if len(rows) == 1 else None


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


@dataclass(frozen=True)
class Lockout:
    """ONTAP's `security login role config` `-max-failed-login-attempts` and
    `-lockout-duration`: after `attempts` failed password logins in a row an account is
    locked for `seconds` (0: until an admin unlocks it); `attempts` 0 locks nobody."""

    attempts: int = 0
    seconds: float = 0.0

    @property
    def on(self) -> bool:
        return self.attempts > 0


NO_LOCKOUT = Lockout()


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
        hint: tuple[str, str] | None = None,
        lockout: Lockout = NO_LOCKOUT,
    ) -> Principal | None:
        """The principal `header` authenticates, or None. With `may_hash` False, a check
        that needs a password hash raises :class:`WouldHash` instead of computing it.
        `hint` is the SVM the request names (name, uuid), which picks among accounts of
        one name in several SVMs. A failed password counts towards `lockout`."""
        if not header:
            return None
        if version is None:
            return self._check(reader, header, may_hash, hint, lockout)
        seen = self._digest(header, hint)
        accepted = self._accepted.get(seen)
        if accepted is not None and (accepted.epoch, accepted.data) == version:
            return accepted.principal
        accounts = reader.accounts_generation()
        if accepted is not None and accepted.accounts == accounts:
            self._accepted[seen] = _Accepted(
                version.epoch, version.data, accounts, accepted.principal
            )
            return accepted.principal
        principal = self._check(reader, header, may_hash, hint, lockout)
        if principal is not None:
            self._accepted[seen] = _Accepted(version.epoch, version.data, accounts, principal)
            if len(self._accepted) > _CACHE_SIZE:
                self._accepted.popitem(last=False)
        return principal

    def remembered(
        self, header: str, version: Version, hint: tuple[str, str] | None = None
    ) -> Principal | None:
        """The principal of a credential accepted with nothing committed since; else None
        (the caller then goes through :meth:`authenticate`). Reads nothing."""
        accepted = self._accepted.get(self._digest(header, hint))
        if accepted is not None and (accepted.epoch, accepted.data) == version:
            return accepted.principal
        return None

    def _token(self, user: str, password: str) -> bytes:
        return hashlib.blake2b(
            f"{user}\0{password}".encode(), key=self._key, digest_size=32
        ).digest()

    def _digest(self, header: str, hint: tuple[str, str] | None = None) -> bytes:
        text = header if hint is None else f"{header}\0{hint[0]}\0{hint[1]}"
        return hashlib.blake2b(text.encode(), key=self._key, digest_size=32).digest()

    def _check(
        self,
        reader: Reader,
        header: str,
        may_hash: bool = True,
        hint: tuple[str, str] | None = None,
        lockout: Lockout = NO_LOCKOUT,
    ) -> Principal | None:
        creds = parse_basic(header)
        if creds is None:
            return None
        user, password = creds
        prepared = reader.prepare("account", _account_select)
        row = choose(reader.fetch(prepared, {"name": user}), hint)
        now = _utc_now()
        locked = row is not None and bool(row[4]) and (row[7] is None or _moment(row[7]) > now)
        if row is None or locked or row[2] is None or not logs_in_over_http(row[5]):
            # unknown, ambiguous, locked, without a password or without REST access:
            # refused at a known account's cost, and alike (a lock is not told apart)
            if not may_hash:
                raise WouldHash
            verify_password(password, _stand_in_hash())
            return None
        scope_key, svm_name, stored, role = row[0], row[1], row[2], row[3]
        principal = Principal(user, role, scope_key, svm_name)
        # a count to clear, or a lockout that ended: a write, never on the event loop
        to_clear = row[6] > 0 or bool(row[4])
        token = self._token(f"{scope_key}/{user}", password)
        if self._verified.get(token) == stored and not (to_clear and not may_hash):
            self._verified.move_to_end(token)
            if to_clear:
                _clear(reader, scope_key, user, now)
            return principal
        if not may_hash:
            raise WouldHash
        if not verify_password(password, stored):
            if lockout.on:
                _count_failure(reader, scope_key, user, now, lockout)
            return None
        self._verified[token] = stored
        if len(self._verified) > _CACHE_SIZE:
            self._verified.popitem(last=False)
        if to_clear:
            _clear(reader, scope_key, user, now)
        return principal


def _moment(value: datetime | str) -> datetime:
    """A DateTime column's value as read without SQLAlchemy (SQLite gives its text)."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def _utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _count_failure(reader: Reader, scope_key: str, user: str, now: datetime, policy: Lockout
                   ) -> None:
    """One failed password login of an account: counted, and the account locked when it
    is the policy's last; logged with the account's name, never the password tried."""
    from ontap_ipsec.store import lockout as rows

    until = now + timedelta(seconds=policy.seconds) if policy.seconds > 0 else None
    values = {"scope": scope_key, "name": user, "now": now, "max": policy.attempts,
              "until": until}
    with reader.transaction() as tx:
        tx.run(rows.FAILED, values)
        state = tx.first(rows.STATE, values)
    if state is not None and state[0] and state[1] >= policy.attempts:
        _log.warning(
            "account %s/%s locked after %d failed logins (%s)", scope_key, user, state[1],
            f"until {until.isoformat()}Z" if until else "until an admin unlocks it",
        )


def _clear(reader: Reader, scope_key: str, user: str, now: datetime) -> None:
    from ontap_ipsec.store import lockout as rows

    with reader.transaction() as tx:
        tx.run(rows.SUCCEEDED, {"scope": scope_key, "name": user, "now": now})


def _account_select() -> sa.Select[Any]:
    a = accounts.c
    return (
        sa.select(
            a.scope_key, svms.c.name, a.password_hash, a.role, a.locked, a.applications,
            a.failed_logins, a.locked_until,
        )
        .select_from(accounts.outerjoin(svms, a.svm_uuid == svms.c.uuid))
        .where(a.name == sa.bindparam("name", value=None))
        .order_by(a.scope_key)
    )


def set_password(conn: Connection, name: str, password: str, role: str = "admin") -> None:
    """Create the cluster account or change its password (and role)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    hashed = hash_password(password)
    updated = conn.execute(
        accounts.update()
        .where(accounts.c.name == name, accounts.c.scope_key == CLUSTER_SCOPE)
        .values(password_hash=hashed, role=role)
    )
    if updated.rowcount == 0:
        conn.execute(
            accounts.insert().values(
                scope_key=CLUSTER_SCOPE,
                name=name,
                password_hash=hashed,
                role=role,
                applications=json.dumps(_LEGACY_APPLICATIONS),
            )
        )
