"""Subject alternative names as ONTAP's bodies give them: ``{"dns": [...], "email": [...],
"ip": [...], "uri": [...]}`` -> X.509 general names, each checked."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence

from cryptography import x509

from ontap_ipsec.domain.errors import DomainError

INVALID_VALUE = "262185"
KINDS = ("dns", "email", "ip", "uri")


def _invalid(kind: str, value: str, reason: str) -> DomainError:
    return DomainError(
        INVALID_VALUE,
        f'"{value}" is an invalid value for field "subject_alternatives.{kind}" ({reason})',
        target=f"subject_alternatives.{kind}",
    )


def general_names(sans: Mapping[str, Sequence[str]]) -> list[x509.GeneralName]:
    """The names in `sans` (kinds in ONTAP's order, duplicates once), refusing what no
    certificate can carry."""
    names: list[x509.GeneralName] = []
    for kind in KINDS:
        for value in dict.fromkeys(sans.get(kind) or ()):
            names.append(_name(kind, value))
    return names


def _name(kind: str, value: str) -> x509.GeneralName:
    if not value or not value.isascii() or any(c.isspace() for c in value):
        raise _invalid(kind, value, "ASCII without spaces was expected")
    if kind == "ip":
        try:
            return x509.IPAddress(ipaddress.ip_address(value))
        except ValueError:
            raise _invalid(kind, value, "an IPv4 or IPv6 address was expected") from None
    if kind == "email":
        if value.count("@") != 1 or value.startswith("@") or value.endswith("@"):
            raise _invalid(kind, value, "an e-mail address was expected")
        return x509.RFC822Name(value)
    if kind == "uri":
        if ":" not in value:
            raise _invalid(kind, value, "a URI with a scheme was expected")
        return x509.UniformResourceIdentifier(value)
    return x509.DNSName(value)
