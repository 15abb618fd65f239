"""What a certificate signed for a CSR takes from it, and what it never does.

ONTAP documents no rule for the extensions of a signed certificate (docs/fidelity.md,
"Signing a CSR"); these are ours. The certificate is always an end-entity: basic
constraints CA:FALSE (critical), key usage of our choosing (critical), the CSR's subject
(which must not be empty), its subject alternative names when each is a well-formed DNS
name, IP address, e-mail address or URI, and its extended key usage when it asks only for
purposes an end-entity of a cluster has. Any other extension the CSR asks for is not copied.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID, ObjectIdentifier

from ontap_ipsec.domain.errors import DomainError

INVALID_VALUE = "262185"
IPSEC_IKE = ObjectIdentifier("1.3.6.1.5.5.7.3.17")  # id-kp-ipsecIKE (RFC 4945)
#: Purposes an end-entity may be signed for; anything else (code signing, time stamping,
#: OCSP signing for the CA, "any purpose") is refused.
ALLOWED_PURPOSES = frozenset(
    {
        ExtendedKeyUsageOID.SERVER_AUTH,
        ExtendedKeyUsageOID.CLIENT_AUTH,
        ExtendedKeyUsageOID.EMAIL_PROTECTION,
        IPSEC_IKE,
    }
)
_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


def refused(reason: str) -> DomainError:
    return DomainError(
        INVALID_VALUE,
        f'Invalid value for field "signing_request" ({reason})',
        target="signing_request",
    )


def _requested(
    csr: x509.CertificateSigningRequest, kind: type[x509.ExtensionType]
) -> x509.ExtensionType | None:
    try:
        return csr.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None
    except ValueError:
        raise refused("the requested extensions cannot be read") from None


def extensions(
    csr: x509.CertificateSigningRequest, public_key: CertificatePublicKeyTypes
) -> list[tuple[x509.ExtensionType, bool]]:
    """The extensions (and whether each is critical) of the certificate signed for `csr`,
    besides the key identifiers; a CSR asking for what an end-entity must not carry is
    refused."""
    if len(csr.subject) == 0:
        raise refused("the subject is empty: a signed certificate needs one")
    constraints = _requested(csr, x509.BasicConstraints)
    if isinstance(constraints, x509.BasicConstraints) and constraints.ca:
        raise refused("it asks for a CA certificate (CA:TRUE); only end-entity certificates "
                      "are signed")
    out: list[tuple[x509.ExtensionType, bool]] = [
        (x509.BasicConstraints(ca=False, path_length=None), True),
        (_key_usage(public_key), True),
    ]
    purposes = _requested(csr, x509.ExtendedKeyUsage)
    if isinstance(purposes, x509.ExtendedKeyUsage):
        unwanted = [p for p in purposes if p not in ALLOWED_PURPOSES]
        if unwanted or len(purposes) == 0:
            names = ", ".join(getattr(p, "_name", p.dotted_string) for p in unwanted)
            raise refused(f"extended key usage not signed for an end-entity: {names or 'none'}")
        out.append((x509.ExtendedKeyUsage(list(dict.fromkeys(purposes))), False))
    alternatives = _requested(csr, x509.SubjectAlternativeName)
    if isinstance(alternatives, x509.SubjectAlternativeName):
        if len(alternatives) == 0:
            raise refused("the subject alternative names are empty")
        for name in alternatives:
            _check_name(name)
        out.append((x509.SubjectAlternativeName(list(alternatives)), False))
    return out


def _key_usage(public_key: CertificatePublicKeyTypes) -> x509.KeyUsage:
    """digitalSignature, and keyEncipherment for an RSA key (an EC key does not encipher)."""
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=isinstance(public_key, rsa.RSAPublicKey),
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


def _check_name(name: x509.GeneralName) -> None:
    if isinstance(name, x509.DNSName):
        if not is_dns_name(name.value):
            raise refused(f'"{name.value}" is not a DNS name a certificate can be signed for')
    elif isinstance(name, x509.IPAddress):
        value = name.value
        if not isinstance(value, ipaddress.IPv4Address | ipaddress.IPv6Address):
            raise refused(f'"{value}" is a network, not an IP address')
        if value.is_unspecified or value.is_multicast:
            raise refused(f'"{value}" is not an address of a host')
    elif isinstance(name, x509.RFC822Name):
        local, at, domain = name.value.rpartition("@")
        if not at or not local or not is_dns_name(domain, wildcard=False):
            raise refused(f'"{name.value}" is not an e-mail address')
    elif isinstance(name, x509.UniformResourceIdentifier):
        if not _is_uri(name.value):
            raise refused(f'"{name.value}" is not a URI with a scheme and a host')
    else:
        raise refused(f"a subject alternative name of kind {type(name).__name__} is not signed")


def is_dns_name(value: str, *, wildcard: bool = True) -> bool:
    """A host name of LDH labels; a wildcard only as the whole leftmost label of a name with
    at least two labels after it (``*.example.com``, never ``*`` or ``*.com``)."""
    if not value.isascii() or len(value.rstrip(".")) > 253:
        return False
    labels = value.rstrip(".").split(".")
    if wildcard and labels[0] == "*":
        labels = labels[1:]
        if len(labels) < 2:
            return False
    return bool(labels) and all(_LABEL.match(label) for label in labels)


def _is_uri(value: str) -> bool:
    if not value.isascii() or any(c.isspace() or ord(c) < 0x20 for c in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    host = parts.hostname or ""
    return bool(parts.scheme) and (is_dns_name(host, wildcard=False) or _is_ip(host))


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True
