"""Issuing certificates (self-signed and CSR signing) and keeping private keys sealed.

Split from :mod:`ontap_ipsec.domain.x509`, which only reads certificates.
Every refusal is a :class:`DomainError` with the code ONTAP answers with.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from ontap_ipsec.domain import csr_policy, san
from ontap_ipsec.domain.errors import DomainError
from ontap_ipsec.domain.x509 import (
    CERT_EXPIRED,
    INVALID_VALUE,
    UNSUPPORTED_KEY_TYPE,
    load_private_key,
    load_single_pem_certificate,
    pkcs8_pem,
)

UNSUPPORTED_KEY_SIZE = "3735700"
WEAK_HASH = "52560173"
SAME_COMMON_NAME = "3735629"
PAST_CA_EXPIRY = "3735630"
EXPIRY_OUT_OF_RANGE = "3735701"

SUPPORTED_KEY_SIZES = (2048, 3072, 4096)
SigningHash = hashes.SHA224 | hashes.SHA256 | hashes.SHA384 | hashes.SHA512
_SIGNING_HASHES: dict[str, type[SigningHash]] = {
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}
_WEAK_HASHES = frozenset({"md5", "sha1"})
#: Backdating absorbs clock skew between us and whoever checks the certificate.
BACKDATE = timedelta(minutes=1)


def _invalid(field: str, value: object, reason: str = "") -> DomainError:
    suffix = f" ({reason})" if reason else ""
    return DomainError(
        INVALID_VALUE, f'"{value}" is an invalid value for field "{field}"{suffix}', target=field
    )


def signing_hash(name: str) -> SigningHash:
    """Map an ONTAP hash name to an algorithm, refusing ones too weak to sign with."""
    key = name.lower() if isinstance(name, str) else ""
    if key in _WEAK_HASHES:
        raise DomainError(
            WEAK_HASH,
            "The hash function is not supported for digital signatures.",
            target="hash_function",
        )
    if key not in _SIGNING_HASHES:
        raise _invalid("hash_function", name)
    return _SIGNING_HASHES[key]()


def _check_key_size(key_size: int) -> None:
    if isinstance(key_size, bool) or key_size not in SUPPORTED_KEY_SIZES:
        raise DomainError(
            UNSUPPORTED_KEY_SIZE, "The specified key size is not supported.", target="key_size"
        )


def _serial() -> int:
    """Random positive 64-bit serial: unpredictable, and never the forbidden zero."""
    return secrets.randbelow(2**64 - 1) + 1


def _check_lifetime(not_after: datetime, now: datetime) -> None:
    if not_after <= now:
        raise _invalid("expiry_time", not_after.isoformat(), "must be later than now")


def create_self_signed(
    *,
    common_name: str,
    key_size: int = 2048,
    hash_function: str = "sha256",
    not_after: datetime,
    now: datetime,
    is_ca: bool,
    key_type: str = "rsa",
    sans: Mapping[str, Sequence[str]] | None = None,
) -> tuple[str, str]:
    """Create a fresh RSA key and a self-signed certificate; returns (cert PEM, PKCS#8 key PEM).

    `sans` (ONTAP's ``subject_alternatives``) become the certificate's SAN extension."""
    if key_type != "rsa":
        raise _invalid("key_type", key_type)
    _check_key_size(key_size)
    algorithm = signing_hash(hash_function)
    if not isinstance(common_name, str) or not 1 <= len(common_name) <= 64:
        raise _invalid("common_name", common_name, "must be 1 to 64 characters")
    _check_lifetime(not_after, now)
    names = san.general_names(sans) if sans else None

    key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    return build_self_signed(
        key,
        common_name=common_name,
        not_after=not_after,
        now=now,
        is_ca=is_ca,
        algorithm=algorithm,
        alternative_names=names,
    )


def build_self_signed(
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
    *,
    common_name: str,
    not_after: datetime,
    now: datetime,
    is_ca: bool,
    algorithm: SigningHash | None = None,
    alternative_names: list[x509.GeneralName] | None = None,
) -> tuple[str, str]:
    """A self-signed certificate for `key` (no validation: callers check their input)."""
    algorithm = algorithm or hashes.SHA256()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(_serial())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=is_ca)
        .add_extension(_key_usage(is_ca), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False
        )
    )
    if alternative_names:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(alternative_names), critical=False
        )
    elif not is_ca and common_name.isascii():
        # Modern clients ignore the CN, so a server certificate names itself in the SAN too.
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(common_name)]), critical=False
        )
    cert = builder.sign(key, algorithm)
    return cert.public_bytes(Encoding.PEM).decode("ascii"), pkcs8_pem(key)


def _key_usage(is_ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=not is_ca,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=is_ca,
        crl_sign=is_ca,
        encipher_only=False,
        decipher_only=False,
    )


def _bad_csr(reason: str = "") -> DomainError:
    message = 'Invalid value for field "signing_request"'
    return DomainError(
        INVALID_VALUE, f"{message} ({reason})" if reason else message, target="signing_request"
    )


def _common_name(name: x509.Name) -> str | None:
    found = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(found[0].value) if found else None


def _load_csr(csr_pem: str) -> x509.CertificateSigningRequest:
    try:
        csr = x509.load_pem_x509_csr(csr_pem.strip().encode("ascii"))
    except (ValueError, UnicodeError, AttributeError):
        raise _bad_csr() from None
    try:
        valid = csr.is_signature_valid
    except (ValueError, UnsupportedAlgorithm):
        valid = False
    if not valid:
        raise _bad_csr("the signature of the signing request is invalid")
    return csr


def sign_csr(
    *,
    ca_cert_pem: str,
    ca_key_pem: str,
    csr_pem: str,
    not_after: datetime,
    now: datetime,
    hash_function: str = "sha256",
    clamp: bool = True,
) -> str:
    """Issue a certificate for a CSR under a CA we hold the key of; returns the cert PEM.

    A CSR whose common name is the CA's is refused (3735629). A lifetime the caller asked
    for that outlives the CA is refused (3735630); the default one (`clamp`) is cut to the
    CA's own, since a certificate outliving its issuer would fail validation anyway.
    """
    algorithm = signing_hash(hash_function)
    csr = _load_csr(csr_pem)
    public_key = csr.public_key()
    if not isinstance(public_key, (rsa.RSAPublicKey, ec.EllipticCurvePublicKey)):
        raise DomainError(UNSUPPORTED_KEY_TYPE, "Unsupported key type.", target="signing_request")
    ca_cert = load_single_pem_certificate(ca_cert_pem)
    ca_key = load_private_key(ca_key_pem)
    if not isinstance(ca_key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
        raise DomainError(UNSUPPORTED_KEY_TYPE, "Unsupported key type.", target="private_key")
    if ca_cert.not_valid_after_utc < now:
        raise DomainError(CERT_EXPIRED, "The certificate has expired.")
    if _common_name(csr.subject) is not None and _common_name(csr.subject) == _common_name(
        ca_cert.subject
    ):
        raise DomainError(
            SAME_COMMON_NAME,
            "The common name of the certificate signing request cannot be the same as the "
            "common name of the signing CA certificate.",
            target="signing_request",
        )
    if not clamp and not_after > ca_cert.not_valid_after_utc:
        raise DomainError(
            PAST_CA_EXPIRY,
            "The expiry time of the signed certificate cannot be later than the expiry time "
            f"of the CA certificate ({ca_cert.not_valid_after_utc.isoformat()}).",
            target="expiry_time",
        )
    not_after = min(not_after, ca_cert.not_valid_after_utc)
    _check_lifetime(not_after, now)

    wanted = csr_policy.extensions(csr, public_key)  # an end-entity: csr_policy.py
    builder = (
        x509.CertificateBuilder()
        .subject_name(csr.subject)
        .issuer_name(ca_cert.subject)
        .public_key(public_key)
        .serial_number(_serial())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
    )
    for extension, critical in wanted:
        builder = builder.add_extension(extension, critical=critical)
    cert = builder.sign(ca_key, algorithm)
    return cert.public_bytes(Encoding.PEM).decode("ascii")


class KeyVault:
    """Seals private keys at rest with AES-256-GCM, so a database dump alone leaks no key."""

    _PREFIX = "v1:"
    _NONCE_BYTES = 12

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("a KeyVault key must be exactly 32 bytes")
        self._aead = AESGCM(key)

    @classmethod
    def ephemeral(cls) -> KeyVault:
        """An in-memory key for tests: nothing it seals survives the process."""
        return cls(AESGCM.generate_key(bit_length=256))

    @classmethod
    def from_file(cls, path: Path) -> KeyVault:
        """Use the key in ``path``, creating a random one (mode 0600) on first use.

        Creation goes through a temporary file that is hard-linked into place,
        so a reader never sees a half-written key and two processes starting
        together end up sharing whichever key landed first.
        """
        path = Path(path)
        if not path.exists():
            cls._create_key_file(path)
        key = path.read_bytes()
        if len(key) != 32:
            raise ValueError(f"key file {path} does not hold a 32-byte key")
        return cls(key)

    @staticmethod
    def _create_key_file(path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as handle:
                os.fchmod(handle.fileno(), 0o600)
                handle.write(AESGCM.generate_key(bit_length=256))
                handle.flush()
                os.fsync(handle.fileno())
            try:
                os.link(tmp, path)  # fails if another process won the race
            except FileExistsError:
                pass
            except OSError:
                os.replace(tmp, path)  # filesystems without hard links
        finally:
            tmp.unlink(missing_ok=True)

    def encrypt(self, plain: str) -> str:
        """Seal text; a fresh nonce each time, so equal keys give different tokens."""
        nonce = os.urandom(self._NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plain.encode("utf-8"), None)
        return self._PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def decrypt(self, token: str) -> str:
        """Open a sealed token; ValueError when it was altered or sealed with another key."""
        if not isinstance(token, str) or not token.startswith(self._PREFIX):
            raise ValueError("not a sealed key")
        try:
            raw = base64.urlsafe_b64decode(token[len(self._PREFIX) :].encode("ascii"))
        except (binascii.Error, UnicodeError):
            raise ValueError("sealed key is not valid base64") from None
        if len(raw) <= self._NONCE_BYTES:
            raise ValueError("sealed key is truncated")
        try:
            plain = self._aead.decrypt(raw[: self._NONCE_BYTES], raw[self._NONCE_BYTES :], None)
        except InvalidTag:
            raise ValueError("sealed key was altered or sealed with another key") from None
        return plain.decode("utf-8")
