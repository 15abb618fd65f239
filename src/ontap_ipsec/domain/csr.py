"""POST /api/security/certificate-signing-request: a new key pair and a CSR for it.

Nothing is stored: ONTAP's "general utility API" hands back the CSR and the generated
private key. Defaults as documented: security_strength 112, hash_function sha256,
algorithm rsa. A security strength is a key size by NIST SP 800-57's equivalences
(RSA 2048/3072/4096 bits for 112/128/150; EC P-224/P-256/P-384/P-521 for 112/128/192/256).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ontap_ipsec.domain import san
from ontap_ipsec.domain.errors import DomainError
from ontap_ipsec.domain.pki import signing_hash
from ontap_ipsec.domain.x509 import pkcs8_pem

INVALID_VALUE = "262185"
MISSING_VALUE = "262212"
ALGORITHMS = ("rsa", "ec")
HASHES = ("sha256", "sha224", "sha384", "sha512")
KEY_USAGES = (
    "digitalsignature",
    "nonrepudiation",
    "keyencipherment",
    "dataencipherment",
    "keyagreement",
    "keycertsign",
    "crlsign",
    "encipheronly",
    "decipheronly",
)
EXTENDED_KEY_USAGES = {
    "serverauth": ExtendedKeyUsageOID.SERVER_AUTH,
    "clientauth": ExtendedKeyUsageOID.CLIENT_AUTH,
    "codesigning": ExtendedKeyUsageOID.CODE_SIGNING,
    "emailprotection": ExtendedKeyUsageOID.EMAIL_PROTECTION,
    "timestamping": ExtendedKeyUsageOID.TIME_STAMPING,
    "ocspsigning": ExtendedKeyUsageOID.OCSP_SIGNING,
}
RSA_BITS = {112: 2048, 128: 3072, 150: 4096}
EC_CURVES: dict[int, ec.EllipticCurve] = {
    112: ec.SECP224R1(),
    128: ec.SECP256R1(),
    192: ec.SECP384R1(),
    256: ec.SECP521R1(),
}
_NAME_KEYS = {
    "C": NameOID.COUNTRY_NAME,
    "ST": NameOID.STATE_OR_PROVINCE_NAME,
    "L": NameOID.LOCALITY_NAME,
    "O": NameOID.ORGANIZATION_NAME,
    "OU": NameOID.ORGANIZATIONAL_UNIT_NAME,
    "CN": NameOID.COMMON_NAME,
    "E": NameOID.EMAIL_ADDRESS,
    "EMAILADDRESS": NameOID.EMAIL_ADDRESS,
}


@dataclass(frozen=True)
class Generated:
    csr: str
    private_key: str


def _invalid(field: str, value: object, reason: str) -> DomainError:
    return DomainError(
        INVALID_VALUE, f'"{value}" is an invalid value for field "{field}" ({reason})', target=field
    )


def subject(text: str) -> x509.Name:
    """"C=US,O=NTAP,CN=test.domain.com" -> the Name, its attributes in the order given."""
    attributes = []
    for part in (p.strip() for p in text.split(",")):
        key, sep, value = part.partition("=")
        oid = _NAME_KEYS.get(key.strip().upper())
        if not sep or oid is None or not value.strip():
            raise _invalid(
                "subject_name", text, "comma-separated key=value pairs of C, ST, L, O, OU, CN, E"
            )
        if oid == NameOID.COUNTRY_NAME and len(value.strip()) != 2:
            raise _invalid("subject_name", text, "a country is two letters")
        attributes.append(x509.NameAttribute(oid, value.strip()))
    return x509.Name(attributes)


def generate(
    *,
    subject_name: str | None,
    subject_alternatives: Mapping[str, Sequence[str]] | None = None,
    security_strength: int | None = None,
    hash_function: str | None = None,
    algorithm: str | None = None,
    key_usages: Sequence[str] | None = None,
    extended_key_usages: Sequence[str] | None = None,
) -> Generated:
    names = san.general_names(subject_alternatives or {})
    if not subject_name and not names:
        raise DomainError(
            MISSING_VALUE,
            'Request is missing required value: "subject_name" (or "subject_alternatives").',
            target="subject_name",
        )
    name = subject(subject_name) if subject_name else x509.Name([])
    strength = 112 if security_strength is None else security_strength
    algorithm = algorithm or "rsa"
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    if algorithm == "rsa":
        if strength not in RSA_BITS:
            raise _invalid("security_strength", strength, "112, 128 or 150 with rsa")
        key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS[strength])
    else:
        if strength not in EC_CURVES:
            raise _invalid("security_strength", strength, "112, 128, 192 or 256 with ec")
        key = ec.generate_private_key(EC_CURVES[strength])
    builder = x509.CertificateSigningRequestBuilder().subject_name(name)
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    if key_usages:
        builder = builder.add_extension(_key_usage(key_usages), critical=True)
    if extended_key_usages:
        builder = builder.add_extension(_extended(extended_key_usages), critical=False)
    csr = builder.sign(key, signing_hash(hash_function or "sha256"))
    return Generated(csr.public_bytes(Encoding.PEM).decode("ascii"), pkcs8_pem(key))


def _key_usage(usages: Sequence[str]) -> x509.KeyUsage:
    for usage in usages:
        if usage not in KEY_USAGES:
            raise _invalid("key_usages", usage, "|".join(KEY_USAGES))
    given = set(usages)
    if ("encipheronly" in given or "decipheronly" in given) and "keyagreement" not in given:
        raise _invalid("key_usages", ",".join(usages), "encipheronly and decipheronly need "
                       "keyagreement")
    return x509.KeyUsage(**{_KEY_USAGE_ARGS[u]: u in given for u in KEY_USAGES})


_KEY_USAGE_ARGS = {
    "digitalsignature": "digital_signature",
    "nonrepudiation": "content_commitment",
    "keyencipherment": "key_encipherment",
    "dataencipherment": "data_encipherment",
    "keyagreement": "key_agreement",
    "keycertsign": "key_cert_sign",
    "crlsign": "crl_sign",
    "encipheronly": "encipher_only",
    "decipheronly": "decipher_only",
}


def _extended(usages: Sequence[str]) -> x509.ExtendedKeyUsage:
    oids = []
    for usage in usages:
        oid = EXTENDED_KEY_USAGES.get(usage)
        if oid is None:
            raise _invalid("extended_key_usages", usage, "|".join(EXTENDED_KEY_USAGES))
        oids.append(oid)
    return x509.ExtendedKeyUsage(list(dict.fromkeys(oids)))
