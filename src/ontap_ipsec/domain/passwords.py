"""Passwords: scrypt hashes (the only form a password is ever stored in) and ONTAP's
default password rules for the ones set through the API."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

from ontap_ipsec.domain.errors import DomainError

_N, _R, _P = 2**14, 8, 1

# ONTAP's codes for its default password policy (the security login password
# references' tables): at least 8 characters, letters and digits, not the user's name.
CONTAINS_NAME = "7077918"
TOO_SHORT = "7077919"
NEEDS_LETTERS_AND_DIGITS = "7077920"
MIN_LENGTH = 8


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


def stand_in_hash() -> str:
    """What an unknown or locked account's check verifies against, so that it costs what
    a known account's does: how long a refusal takes says nothing of the name."""
    if not _STAND_IN:
        _STAND_IN.append(hash_password(secrets.token_urlsafe(24)))
    return _STAND_IN[0]


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def check_policy(name: str, password: str) -> None:
    """ONTAP's default rules for a new password; the message never shows the password."""
    if "\x00" in password:
        raise DomainError("262185", "The password cannot hold NUL characters.", target="password")
    if len(password) < MIN_LENGTH:
        raise DomainError(
            TOO_SHORT,
            f"The minimum length for new password does not meet the policy "
            f"(at least {MIN_LENGTH} characters).",
            target="password",
        )
    if not (any(c.isalpha() for c in password) and any(c.isdigit() for c in password)):
        raise DomainError(
            NEEDS_LETTERS_AND_DIGITS,
            "New password must have both letters and numbers.",
            target="password",
        )
    if name and name.lower() in password.lower():
        raise DomainError(
            CONTAINS_NAME, "The password cannot contain the username.", target="password"
        )
