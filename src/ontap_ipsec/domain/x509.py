"""Reading and checking X.509 certificates and private keys the way ONTAP does.

Everything here works on PEM text and returns plain values, so the REST and
storage layers never touch ``cryptography`` objects; every refusal is a
:class:`DomainError` carrying the ONTAP code the real system answers with.
Creating and signing certificates lives in :mod:`ontap_ipsec.domain.pki`.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import (
    PrivateKeyTypes,
    PublicKeyTypes,
)
from cryptography.x509.oid import NameOID

from ontap_ipsec.domain.errors import DomainError

# ONTAP error codes raised from this module.
BAD_CERTIFICATE = "52559975"
CERT_NOT_YET_VALID = "52559972"
CERT_EXPIRED = "52559973"
KEY_MISMATCH = "52559976"
BAD_KEY = "52560123"
UNSUPPORTED_KEY_TYPE = "52363366"
INVALID_VALUE = "262185"

#: Signature hashes ONTAP reports by name; anything else shows up as ``None``.
KNOWN_HASHES = frozenset({"md5", "sha1", "sha224", "sha256", "sha384", "sha512"})

#: Bounds for a requested expiry, relative to "now".
MIN_LIFETIME = timedelta(days=1)
MAX_LIFETIME_MONTHS = 120  # ten calendar years

# One PEM certificate and nothing else: ONTAP refuses bundles in a field meant
# for a single certificate, and we refuse anything we could silently misread.
_PEM_CERT = re.compile(
    r"-----BEGIN CERTIFICATE-----\n"
    r"(?P<body>[A-Za-z0-9+/=\n \t]+)\n?"
    r"-----END CERTIFICATE-----"
)
_DURATION = re.compile(
    r"P(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?"
)


@dataclass(frozen=True)
class CertificateInfo:
    """What ONTAP stores and shows about a certificate, read once at upload."""

    pem: str
    common_name: str | None
    serial_number: str
    ca: str | None
    not_before: datetime
    expiry_time: datetime
    hash_function: str | None
    key_type: str
    key_size: int
    subject_key_identifier: str | None
    authority_key_identifier: str | None
    subject_alternatives: dict[str, list[str]]
    is_ca: bool
    is_self_signed: bool
    issuer_der: bytes
    fingerprint_sha256: str


def _bad_certificate() -> DomainError:
    return DomainError(
        BAD_CERTIFICATE,
        "Failed to read the certificate due to incorrect formatting.",
        target="public_certificate",
    )


def _bad_key() -> DomainError:
    return DomainError(
        BAD_KEY, "Failed to read the key due to incorrect formatting.", target="private_key"
    )


def _hex_colon(data: bytes) -> str:
    """Render bytes the way ONTAP prints key identifiers: ``26:1F:C5:...``."""
    return ":".join(f"{b:02X}" for b in data)


def _first_cn(name: x509.Name) -> str | None:
    attrs = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    if not attrs:
        return None
    value = attrs[0].value
    return value if isinstance(value, str) else value.decode("utf-8", "replace")


def load_single_pem_certificate(text: str) -> x509.Certificate:
    """Load exactly one PEM certificate, refusing bundles, DER and junk alike."""
    if not isinstance(text, str):
        raise _bad_certificate()
    stripped = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    match = _PEM_CERT.fullmatch(stripped)
    if match is None:
        raise _bad_certificate()
    try:
        certs = x509.load_pem_x509_certificates(stripped.encode("ascii"))
    except (ValueError, UnicodeError):
        raise _bad_certificate() from None
    if len(certs) != 1:
        raise _bad_certificate()
    return certs[0]


# Keys past these are refused before any work on them: validating a 16384-bit RSA key
# takes half a minute of a core, and no CA an IPsec peer meets needs one. Curves weaker
# than P-256 (P-192, P-224) or outside NIST's P-256/384/521 are refused as well.
MAX_RSA_BITS = 8192
CURVES = frozenset({"secp256r1", "secp384r1", "secp521r1"})


def key_type_and_size(
    public_key: PublicKeyTypes, target: str = "public_certificate"
) -> tuple[str, int]:
    """ONTAP only handles RSA and EC keys; everything else is refused up front."""
    if isinstance(public_key, rsa.RSAPublicKey):
        if public_key.key_size > MAX_RSA_BITS:
            raise DomainError(
                UNSUPPORTED_KEY_TYPE,
                f"RSA keys of more than {MAX_RSA_BITS} bits are not supported "
                f"(this one has {public_key.key_size}).",
                target=target,
            )
        return "rsa", public_key.key_size
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        if public_key.curve.name not in CURVES:
            raise DomainError(
                UNSUPPORTED_KEY_TYPE,
                f"The elliptic curve {public_key.curve.name} is not supported "
                "(P-256, P-384 and P-521 are).",
                target=target,
            )
        return "ec", public_key.curve.key_size
    raise DomainError(UNSUPPORTED_KEY_TYPE, "Unsupported key type.", target=target)


def _hash_name(cert: x509.Certificate) -> str | None:
    try:
        algorithm = cert.signature_hash_algorithm
    except UnsupportedAlgorithm:
        return None
    if algorithm is None:
        return None
    return algorithm.name if algorithm.name in KNOWN_HASHES else None


def _extension(cert: x509.Certificate, kind: type[x509.ExtensionType]) -> x509.ExtensionType | None:
    try:
        return cert.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None


def _alternatives(san: x509.ExtensionType | None) -> dict[str, list[str]]:
    if not isinstance(san, x509.SubjectAlternativeName):
        return {}
    found = {
        "dns": [str(v) for v in san.get_values_for_type(x509.DNSName)],
        "email": [str(v) for v in san.get_values_for_type(x509.RFC822Name)],
        "ip": [str(v) for v in san.get_values_for_type(x509.IPAddress)],
        "uri": [str(v) for v in san.get_values_for_type(x509.UniformResourceIdentifier)],
    }
    return {kind: values for kind, values in found.items() if values}


def _describe(cert: x509.Certificate) -> CertificateInfo:
    """Read every field; raises ValueError for content ``cryptography`` rejects lazily."""
    key_type, key_size = key_type_and_size(cert.public_key())
    ski = _extension(cert, x509.SubjectKeyIdentifier)
    aki = _extension(cert, x509.AuthorityKeyIdentifier)
    constraints = _extension(cert, x509.BasicConstraints)
    aki_id = aki.key_identifier if isinstance(aki, x509.AuthorityKeyIdentifier) else None
    issuer_cn = _first_cn(cert.issuer)
    return CertificateInfo(
        pem=cert.public_bytes(serialization.Encoding.PEM).decode("ascii"),
        common_name=_first_cn(cert.subject),
        serial_number=format(cert.serial_number, "X"),
        ca=issuer_cn if issuer_cn is not None else cert.issuer.rfc4514_string(),
        not_before=cert.not_valid_before_utc,
        expiry_time=cert.not_valid_after_utc,
        hash_function=_hash_name(cert),
        key_type=key_type,
        key_size=key_size,
        subject_key_identifier=(
            _hex_colon(ski.digest) if isinstance(ski, x509.SubjectKeyIdentifier) else None
        ),
        authority_key_identifier=_hex_colon(aki_id) if aki_id is not None else None,
        subject_alternatives=_alternatives(_extension(cert, x509.SubjectAlternativeName)),
        is_ca=isinstance(constraints, x509.BasicConstraints) and constraints.ca,
        is_self_signed=cert.issuer == cert.subject,
        issuer_der=cert.issuer.public_bytes(),
        fingerprint_sha256=_hex_colon(cert.fingerprint(hashes.SHA256())),
    )


def parse_certificate(text: str, *, now: datetime) -> CertificateInfo:
    """Validate one uploaded PEM certificate and read what ONTAP keeps about it.

    Dates are checked before the key type, as ONTAP reports an expired
    certificate as expired whatever key it carries.
    """
    cert = load_single_pem_certificate(text)
    try:
        not_before, not_after = cert.not_valid_before_utc, cert.not_valid_after_utc
    except ValueError:
        raise _bad_certificate() from None
    if not_after < now:
        raise DomainError(CERT_EXPIRED, "The certificate has expired.", target="public_certificate")
    if not_before > now:
        raise DomainError(
            CERT_NOT_YET_VALID,
            "The certificates start date is later than the current date.",
            target="public_certificate",
        )
    try:
        info = _describe(cert)
    except (ValueError, UnsupportedAlgorithm):
        raise _bad_certificate() from None
    if any("\x00" in str(attr.value) for attr in cert.subject):
        raise _bad_certificate()  # no name ONTAP shows holds NUL
    if info.is_self_signed:
        try:
            _verify_own_signature(cert)
        except (InvalidSignature, ValueError, TypeError, UnsupportedAlgorithm):
            raise DomainError(
                BAD_CERTIFICATE,
                "The certificate is self-signed, but its signature does not verify.",
                target="public_certificate",
            ) from None
    return info


def _verify_own_signature(cert: x509.Certificate) -> None:
    """The signature of a self-signed certificate, checked with its own key. Done by hand
    rather than by X.509 verification, which refuses the MD5 and SHA-1 signatures that
    ONTAP still reads."""
    key = cert.public_key()
    algorithm = cert.signature_hash_algorithm
    if algorithm is None:
        raise UnsupportedAlgorithm("no hash")
    if isinstance(key, rsa.RSAPublicKey):
        scheme = cert.signature_algorithm_parameters  # PKCS#1 v1.5 or PSS, as signed
        if not isinstance(scheme, padding.PKCS1v15 | padding.PSS):
            scheme = padding.PKCS1v15()
        key.verify(cert.signature, cert.tbs_certificate_bytes, scheme, algorithm)
    elif isinstance(key, ec.EllipticCurvePublicKey):
        key.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(algorithm))
    else:
        raise UnsupportedAlgorithm("key type")


def parse_intermediates(items: list[str], *, now: datetime) -> list[CertificateInfo]:
    """Each intermediate gets the same scrutiny as the certificate it vouches for."""
    return [parse_certificate(item, now=now) for item in items]


def load_private_key(key_pem: str) -> PrivateKeyTypes:
    """Load an unencrypted PEM key (PKCS#1, PKCS#8 or SEC1); encrypted keys count as bad."""
    if not isinstance(key_pem, str):
        raise _bad_key()
    try:
        raw = key_pem.strip().encode("ascii")
        # Its size first, without the (costly) consistency check a large RSA key makes slow.
        unchecked = serialization.load_pem_private_key(
            raw, password=None, unsafe_skip_rsa_key_validation=True
        )
        if isinstance(unchecked, rsa.RSAPrivateKey):
            key_type_and_size(unchecked.public_key(), target="private_key")
        return serialization.load_pem_private_key(raw, password=None)
    except (ValueError, TypeError, UnicodeError, UnsupportedAlgorithm):
        raise _bad_key() from None


def _spki(key: PublicKeyTypes) -> bytes:
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def pkcs8_pem(key: PrivateKeyTypes) -> str:
    """One canonical encoding for stored keys, whatever the user uploaded."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def check_key_matches(info: CertificateInfo, key_pem: str) -> str:
    """Refuse a private key that does not belong to the certificate; return it as PKCS#8."""
    key = load_private_key(key_pem)
    cert = x509.load_pem_x509_certificate(info.pem.encode("ascii"))
    if _spki(key.public_key()) != _spki(cert.public_key()):
        raise DomainError(
            KEY_MISMATCH, "The certificate and private key do not match.", target="private_key"
        )
    return pkcs8_pem(key)


def _invalid_expiry(value: str, reason: str = "", code: str = INVALID_VALUE) -> DomainError:
    suffix = f" ({reason})" if reason else ""
    return DomainError(
        code,
        f'"{value}" is an invalid value for field "expiry_time"{suffix}',
        target="expiry_time",
    )


def add_months(moment: datetime, months: int) -> datetime:
    """`moment` that many calendar months later; a day the month lacks is its last day
    (31 January + 1 month is 28 or 29 February)."""
    total = moment.month - 1 + months
    year, month = moment.year + total // 12, total % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def _after_duration(text: str, now: datetime) -> datetime | None:
    """`now` plus an ISO 8601 duration, counted in calendar time: years and months on the
    calendar (P1Y from 29 February is 28 February), weeks, days and the time part exact."""
    match = _DURATION.fullmatch(text.upper())
    if match is None or not any(match.groupdict().values()):
        return None
    parts = {name: float(v) if v else 0.0 for name, v in match.groupdict().items()}
    whole = parts["years"] * 12 + parts["months"]
    if whole != int(whole):
        return None  # a fraction of a month has no calendar length
    return add_months(now, int(whole)) + timedelta(
        days=parts["weeks"] * 7 + parts["days"],
        hours=parts["hours"],
        minutes=parts["minutes"],
        seconds=parts["seconds"],
    )


def latest_expiry(now: datetime) -> datetime:
    """The furthest expiry ONTAP allows: ten calendar years from now."""
    return add_months(now, MAX_LIFETIME_MONTHS)


def parse_expiry(value: str, *, now: datetime, range_code: str = INVALID_VALUE) -> datetime:
    """Turn a requested ``expiry_time`` (duration or date-time) into an absolute UTC time;
    one outside 1 day..10 years is refused with `range_code`."""
    if not isinstance(value, str) or not value.strip():
        raise _invalid_expiry(str(value))
    text = value.strip()
    try:
        if text[:1] in ("P", "p"):
            after = _after_duration(text, now)
            if after is None:
                raise _invalid_expiry(value)
            result = after
        else:
            result = datetime.fromisoformat(text)
            if result.tzinfo is None:
                result = result.replace(tzinfo=UTC)
            result = result.astimezone(UTC)
    except (ValueError, OverflowError):
        raise _invalid_expiry(value) from None
    if not now + MIN_LIFETIME <= result <= latest_expiry(now):
        raise _invalid_expiry(value, "must be between 1 day and 10 years", range_code)
    return result
