"""Private keys in a state snapshot: sealed with a key derived from the user's passphrase.

scrypt (N=2^15, r=8, p=1) derives 64 bytes from the passphrase and the document's salt:
an AES-256-GCM key and a MAC key. Each private key is sealed with AES-256-GCM, its
certificate's uuid as associated data, under a nonce that is an HMAC of the uuid and the
key: the same key in the same document seals the same way (so an export of an import is
the same document), and two different keys never share a nonce. A check value sealed the
same way tells a wrong passphrase apart from a damaged key. The passphrase is never
stored or shown; a key in the clear never leaves the vault but through here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ontap_ipsec.domain import errors
from ontap_ipsec.domain.errors import DomainError

KDF = {"kdf": "scrypt", "n": 2**15, "r": 8, "p": 1}
CIPHER = "AES-256-GCM"
CHECK = "ontap-ipsec private keys"
MIN_PASSPHRASE = 8


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def document_salt(cluster_uuid: str) -> bytes:
    """The salt of a server's documents: fixed by its cluster, so exports compare."""
    return hashlib.sha256(f"ontap-ipsec state keys {cluster_uuid}".encode()).digest()[:16]


class Sealer:
    def __init__(self, passphrase: str, salt: bytes, n: int = 2**15, r: int = 8, p: int = 1):
        if len(passphrase) < MIN_PASSPHRASE:
            raise errors.invalid_value(
                "passphrase", "(not shown)", f"at least {MIN_PASSPHRASE} characters"
            )
        derived = hashlib.scrypt(
            passphrase.encode(), salt=salt, n=n, r=r, p=p, maxmem=256 * 1024 * 1024, dklen=64
        )
        self._aead = AESGCM(derived[:32])
        self._mac = derived[32:]
        self.salt = salt
        self.params = {"n": n, "r": r, "p": p}

    @classmethod
    def from_header(cls, passphrase: str, header: Any) -> Sealer:
        """The sealer of a document's ``private_keys`` header (its salt and parameters)."""
        try:
            salt = base64.b64decode(header["salt"], validate=True)
            n, r, p = int(header["n"]), int(header["r"]), int(header["p"])
            ok = header["kdf"] == "scrypt" and header["cipher"] == CIPHER
        except (KeyError, TypeError, ValueError):
            ok = False
        if not ok or not (2**10 <= n <= 2**20 and 1 <= r <= 32 and 1 <= p <= 16):
            raise DomainError(errors.INVALID, "private_keys: an unknown key encryption.")
        sealer = cls(passphrase, salt, n, r, p)
        try:
            opened = sealer.open("check", header.get("check"))
        except DomainError:
            opened = None
        if opened != CHECK:
            raise DomainError(errors.INVALID, "private_keys: the passphrase does not open them.")
        return sealer

    def header(self) -> dict[str, Any]:
        return {
            "kdf": "scrypt",
            **self.params,
            "salt": _b64(self.salt),
            "cipher": CIPHER,
            "check": self.seal("check", CHECK),
        }

    def seal(self, context: str, plaintext: str) -> str:
        data = plaintext.encode()
        nonce = hmac.new(self._mac, context.encode() + b"\0" + data, hashlib.sha256).digest()
        return _b64(nonce[:12] + self._aead.encrypt(nonce[:12], data, context.encode()))

    def open(self, context: str, token: Any) -> str:
        try:
            raw = base64.b64decode(token, validate=True)
            return self._aead.decrypt(raw[:12], raw[12:], context.encode()).decode()
        except (InvalidTag, TypeError, ValueError):
            raise DomainError(
                errors.INVALID, f"private_keys: the key of {context} does not open."
            ) from None
