"""Console sessions: a sealed cookie, its CSRF token, and the account it stands for.

The session is the cookie itself, sealed with AES-256-GCM under a key of the data dir
(`keys/console.key`, 0600, shared by every worker of the server): the browser holds an
opaque token it cannot read (HttpOnly) nor alter, and any worker can open it. It carries
the account's credential, since the console calls /api as that account, plus a random
CSRF secret and a tag of the account's stored password hash at sign-in.

A session ends when it has been idle for IDLE seconds, at MAX_AGE, at sign-out (its tag is
listed in the data dir's `console/signed-out`, :mod:`ontap_ipsec.console.revoked`), or as soon
as its account changes password or is locked or removed: every request reads the
account's row, and a different hash (a new password, even the same one again: a new
salt), a lock or no row at all ends it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa

from ontap_ipsec.console.revoked import Revoked
from ontap_ipsec.domain.pki import KeyVault
from ontap_ipsec.store.prepared import Reader
from ontap_ipsec.store.tables import accounts

COOKIE = "__Host-ontap-console"
LOGIN_COOKIE = "__Host-ontap-login"  # the login form's CSRF secret, before any session
IDLE = 30 * 60
MAX_AGE = 12 * 3600
REFRESH = 60  # a session used again after this long gets a new cookie (a new idle clock)
LOGIN_FORM_AGE = 3600


@dataclass
class Session:
    user: str
    secret: str  # the account's password, so that /api sees this account's own credential
    tag: str  # of the account's stored password hash at sign-in
    csrf: str
    issued: float
    seen: float
    role: str = "readonly"  # as the account's row says now, read at each request

    @property
    def authorization(self) -> str:
        token = base64.b64encode(f"{self.user}:{self.secret}".encode()).decode("ascii")
        return f"Basic {token}"

    @property
    def admin(self) -> bool:
        return self.role == "admin"

    def __repr__(self) -> str:  # never the credential, in a log or a traceback
        return f"Session(user={self.user!r}, role={self.role!r})"


def hash_tag(stored_hash: str) -> str:
    return hashlib.blake2b(stored_hash.encode(), digest_size=12).hexdigest()


def same(a: str, b: str) -> bool:
    return bool(a) and hmac.compare_digest(a.encode(), b.encode())


class Sessions:
    """Seals and opens session cookies, and checks them against the accounts table."""

    def __init__(self, data_dir: Path, reader: Reader) -> None:
        self._vault = KeyVault.from_file(data_dir / "keys" / "console.key")
        self._revoked = Revoked(data_dir / "console" / "signed-out")
        self._reader = reader

    def account(self, user: str) -> tuple[str, str] | None:
        """(hash tag, role) of an account that may sign in now; None if missing or locked."""
        prepared = self._reader.prepare("console-account", _account_select)
        rows = self._reader.fetch(prepared, {"name": user})
        if not rows:
            return None
        stored, role, locked = rows[0]
        return None if locked or stored is None else (hash_tag(stored), str(role))

    def start(self, user: str, secret: str, tag: str, role: str) -> Session:
        now = time.time()
        return Session(user, secret, tag, secrets.token_urlsafe(24), now, now, role)

    def seal(self, session: Session) -> str:
        fields = asdict(session)
        fields.pop("role")
        return self._wrap(orjson.dumps(fields).decode())

    def open(self, cookie: str | None) -> Session | None:
        """The session in `cookie` if it is genuine, not expired, and its account unchanged."""
        fields = self._unseal(cookie)
        if fields is None:
            return None
        try:
            session = Session(**fields)
        except TypeError:
            return None
        now = time.time()
        if now - session.issued > MAX_AGE or now - session.seen > IDLE:
            return None
        if session.csrf in self._revoked:
            return None
        current = self.account(session.user)
        if current is None or not same(current[0], session.tag):
            return None
        session.role = current[1]
        return session

    def end(self, session: Session) -> None:
        """Sign out: this session's cookie, and every copy of it, opens no more."""
        self._revoked.add(session.csrf, session.issued + MAX_AGE)

    def login_token(self) -> tuple[str, str]:
        """A new login form's (cookie value, token): the token must come back with the cookie."""
        token = secrets.token_urlsafe(24)
        sealed = orjson.dumps({"csrf": token, "issued": time.time()}).decode()
        return self._wrap(sealed), token

    def login_token_ok(self, cookie: str | None, token: str) -> bool:
        fields = self._unseal(cookie)
        if fields is None or time.time() - float(fields.get("issued", 0)) > LOGIN_FORM_AGE:
            return False
        return same(str(fields.get("csrf", "")), token)

    def _wrap(self, plain: str) -> str:
        """Sealed, as a cookie value: urlsafe base64 without its padding."""
        return self._vault.encrypt(plain).removeprefix("v1:").rstrip("=")

    def _unseal(self, cookie: str | None) -> dict[str, Any] | None:
        if not cookie or len(cookie) > 4096:
            return None
        try:
            padded = cookie + "=" * (-len(cookie) % 4)
            fields = orjson.loads(self._vault.decrypt("v1:" + padded))
        except (ValueError, orjson.JSONDecodeError):
            return None
        return fields if isinstance(fields, dict) else None


def _account_select() -> sa.Select[Any]:
    return sa.select(accounts.c.password_hash, accounts.c.role, accounts.c.locked).where(
        accounts.c.name == sa.bindparam("name", value=None),
        accounts.c.scope_key == "cluster",  # the console is the cluster's accounts'
    )
