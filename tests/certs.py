"""Real certificates, keys and CSRs built on the fly for any test suite.

Keys are cached per (kind, slot) for the whole test session, because RSA key
generation dominates the suite's run time; pass a different ``slot`` when two
certificates in one chain must hold different keys.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes
from cryptography.x509.oid import NameOID

KeyKind = Literal["rsa2048", "rsa3072", "rsa4096", "p256", "p384", "ed25519", "dsa"]
PrivateKey = CertificateIssuerPrivateKeyTypes
SignHash = hashes.SHA224 | hashes.SHA256 | hashes.SHA384 | hashes.SHA512
HASHES: dict[str, SignHash] = {
    "sha224": hashes.SHA224(),
    "sha256": hashes.SHA256(),
    "sha384": hashes.SHA384(),
    "sha512": hashes.SHA512(),
}


def new_key(kind: KeyKind) -> PrivateKey:
    """A fresh, uncached key of the given kind."""
    if kind.startswith("rsa"):
        return rsa.generate_private_key(public_exponent=65537, key_size=int(kind[3:]))
    if kind == "p256":
        return ec.generate_private_key(ec.SECP256R1())
    if kind == "p384":
        return ec.generate_private_key(ec.SECP384R1())
    if kind == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    if kind == "dsa":
        return dsa.generate_private_key(key_size=2048)
    raise ValueError(f"unknown key kind {kind!r}")


@functools.cache
def cached_key(kind: KeyKind, slot: int = 0) -> PrivateKey:
    """The same key for the same (kind, slot) for the whole session."""
    return new_key(kind)


def name(cn: str | None, **extra: str) -> x509.Name:
    """A subject; ``extra`` maps NameOID attribute names (``ORGANIZATION_NAME``) to values."""
    attrs = [x509.NameAttribute(getattr(NameOID, k), v) for k, v in extra.items()]
    if cn is not None:
        attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(attrs)


def san_extension(san: Mapping[str, Sequence[str]]) -> x509.SubjectAlternativeName:
    """Build a SAN from ``{"dns": [...], "ip": [...], "email": [...], "uri": [...]}``."""
    general: list[x509.GeneralName] = []
    general += [x509.DNSName(v) for v in san.get("dns", ())]
    general += [x509.IPAddress(ipaddress.ip_address(v)) for v in san.get("ip", ())]
    general += [x509.RFC822Name(v) for v in san.get("email", ())]
    general += [x509.UniformResourceIdentifier(v) for v in san.get("uri", ())]
    return x509.SubjectAlternativeName(general)


def _signing_hash(key: PrivateKey, hash_name: str) -> SignHash | None:
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return None
    return HASHES[hash_name]


def make_ca(
    key: KeyKind | PrivateKey = "rsa2048",
    cn: str | None = "Test Root CA",
    *,
    slot: int = 0,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    issuer: tuple[x509.Certificate, PrivateKey] | None = None,
    is_ca: bool = True,
    san: Mapping[str, Sequence[str]] | None = None,
    subject: x509.Name | None = None,
    serial: int | None = None,
    hash_name: str = "sha256",
    key_ids: bool = True,
) -> tuple[x509.Certificate, PrivateKey]:
    """Build a certificate: self-signed unless ``issuer`` is (cert, key) of the signer.

    Defaults: valid from a day ago for a year, random serial, basicConstraints
    critical, SKI always and AKI from the issuer's key (``key_ids=False`` drops both).
    """
    own_key = cached_key(key, slot) if isinstance(key, str) else key
    now = datetime.now(UTC)
    subject_name = subject if subject is not None else name(cn)
    issuer_name, signer = (issuer[0].subject, issuer[1]) if issuer else (subject_name, own_key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject_name)
        .issuer_name(issuer_name)
        .public_key(own_key.public_key())
        .serial_number(serial if serial is not None else x509.random_serial_number())
        .not_valid_before(not_before or now - timedelta(days=1))
        .not_valid_after(not_after or now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
    )
    if key_ids:
        builder = builder.add_extension(
            x509.SubjectKeyIdentifier.from_public_key(own_key.public_key()), critical=False
        ).add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
    if san:
        builder = builder.add_extension(san_extension(san), critical=False)
    cert = builder.sign(signer, _signing_hash(signer, hash_name))
    return cert, own_key


def make_leaf(
    issuer: tuple[x509.Certificate, PrivateKey],
    cn: str | None = "server.example.com",
    *,
    key: KeyKind | PrivateKey = "p256",
    slot: int = 9,
    **kwargs: object,
) -> tuple[x509.Certificate, PrivateKey]:
    """An end-entity certificate (CA:FALSE) signed by ``issuer``."""
    return make_ca(key, cn, slot=slot, issuer=issuer, is_ca=False, **kwargs)  # type: ignore[arg-type]


def make_csr(
    key: KeyKind | PrivateKey = "p256",
    cn: str | None = "client.example.com",
    *,
    slot: int = 0,
    san: Mapping[str, Sequence[str]] | None = None,
    is_ca: bool | None = None,
    hash_name: str = "sha256",
) -> x509.CertificateSigningRequest:
    """A CSR; ``is_ca`` adds a requested basicConstraints extension when not None."""
    own_key = cached_key(key, slot) if isinstance(key, str) else key
    builder = x509.CertificateSigningRequestBuilder().subject_name(name(cn))
    if san:
        builder = builder.add_extension(san_extension(san), critical=False)
    if is_ca is not None:
        builder = builder.add_extension(
            x509.BasicConstraints(ca=is_ca, path_length=None), critical=True
        )
    return builder.sign(own_key, _signing_hash(own_key, hash_name))


def pem(cert: x509.Certificate) -> str:
    """Certificate as PEM text."""
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def csr_pem(csr: x509.CertificateSigningRequest) -> str:
    """CSR as PEM text."""
    return csr.public_bytes(serialization.Encoding.PEM).decode("ascii")


def key_pem(key: PrivateKey, fmt: Literal["pkcs8", "traditional"] = "pkcs8") -> str:
    """Unencrypted key PEM; ``traditional`` is PKCS#1 for RSA and SEC1 for EC."""
    private_format = (
        serialization.PrivateFormat.PKCS8
        if fmt == "pkcs8"
        else serialization.PrivateFormat.TraditionalOpenSSL
    )
    return key.private_bytes(
        serialization.Encoding.PEM, private_format, serialization.NoEncryption()
    ).decode("ascii")


def encrypted_key_pem(key: PrivateKey, password: bytes = b"secret") -> str:
    """Password-protected PKCS#8 PEM, which the service must refuse."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(password),
    ).decode("ascii")


# sha256WithRSAEncryption AlgorithmIdentifier, and the legacy ones of equal length.
_RSA_SHA256_ALGID = bytes.fromhex("300d06092a864886f70d01010b0500")
_LEGACY_OID_LAST_BYTE = {"md5": 0x04, "sha1": 0x05}
_LEGACY_HASH: dict[str, hashes.HashAlgorithm] = {"md5": hashes.MD5(), "sha1": hashes.SHA1()}


def legacy_signed(
    cert: x509.Certificate, key: rsa.RSAPrivateKey, hash_name: str
) -> x509.Certificate:
    """Re-sign an RSA/SHA-256 self-signed certificate with MD5 or SHA-1.

    ``cryptography`` no longer builds such certificates, but ONTAP still has to
    read them, so we patch the algorithm OID (same length) and re-sign the TBS.
    """
    legacy_algid = _RSA_SHA256_ALGID[:-3] + bytes([_LEGACY_OID_LAST_BYTE[hash_name]]) + b"\x05\x00"
    der = cert.public_bytes(serialization.Encoding.DER)
    tbs = cert.tbs_certificate_bytes
    new_tbs = tbs.replace(_RSA_SHA256_ALGID, legacy_algid)
    signature = key.sign(new_tbs, padding.PKCS1v15(), _LEGACY_HASH[hash_name])
    assert len(signature) == len(cert.signature)
    patched = der.replace(tbs, new_tbs).replace(_RSA_SHA256_ALGID + b"\x03", legacy_algid + b"\x03")
    patched = patched.replace(cert.signature, signature)
    return x509.load_der_x509_certificate(patched)
