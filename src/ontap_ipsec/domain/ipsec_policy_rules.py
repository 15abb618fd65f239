"""The rules of an IPsec policy's fields, as ONTAP's POST and PATCH pages give them.

Plain functions over plain values, no storage: an endpoint's address, netmask, family and
port as ONTAP shows them (the address as given, IPv6 compressed; the netmask as a prefix
length; the port as a range, "0-0" for any), the protocol by name, the authentication
method an action needs, a pre-shared key's form. The codes are ONTAP's where its pages
document one; docs/fidelity.md lists the choices made where they do not. No message ever
holds a key.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from typing import Any

from ontap_ipsec.domain import errors
from ontap_ipsec.domain.errors import DomainError

ACTIONS = ("bypass", "discard", "esp_transport", "esp_udp")
PROTECTING = ("esp_transport", "esp_udp")  # the actions that need IKE authentication
METHODS = ("none", "psk", "pki")
CERTIFICATE_TYPES = ("client", "server")
FAMILIES = ("ipv4", "ipv6")
SIDES = ("local", "remote")
PARTS = ("address", "family", "netmask", "port")
ANY_PORT = "0-0"
KEY_LENGTH = (18, 128)  # netapp_ontap's and NetApp's OpenAPI's length of secret_key

# ONTAP's codes (POST/PATCH /security/ipsec/policies)
ONE_PROTOCOL = "66257099"
ONE_PORT = {"local": "66257100", "remote": "66257101"}
NAME_TAKEN = "66257104"
BAD_HEX_KEY = "66257107"
BAD_BASE64_KEY = "66257109"
NEEDS_AUTHENTICATION = "66257111"
ONE_SUBNET = {"local": "66257113", "remote": "66257114"}
PORT_RANGE = "66257115"
NEEDS_NETMASK = {"local": "66257125", "remote": "66257126"}
LOCAL_ZERO = "66257127"
BAD_WILDCARD = "66257128"
WILDCARD_NEEDS_PORT = "66257129"
BAD_PORT = "66257132"
PSK_NEEDS_KEY = "66257133"
PKI_NEEDS_CERTIFICATE = "66257134"
PKI_TAKES_NO_KEY = "66257137"
CERTIFICATE_NOT_FOUND = "66257139"
CERTIFICATE_TYPE = "66257140"
SVM_NAME_INVALID = "66257202"
SVM_UUID_INVALID = "66257203"
MISSING_VALUE = "262212"
NO_CHANGES = "262190"

# Protocols ONTAP shows by name (na_ontap_security_ipsec_policy maps 0, 6 and 17 to these
# "to avoid idempotency issue"); any other protocol number is shown as its number.
PROTOCOL_NAMES = {"0": "any", "1": "icmp", "6": "tcp", "17": "udp"}
_PORT = re.compile(r"^(\d{1,5})(?:-(\d{1,5}))?$")


def missing(field: str) -> DomainError:
    return DomainError(
        MISSING_VALUE, f'Request is missing required value: "{field}".', target=field
    )


def check_name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip() or len(name) > 64:
        raise errors.invalid_value("name", name, "a policy name is 1 to 64 characters")
    return name


def name_taken() -> DomainError:
    return DomainError(
        NAME_TAKEN,
        "IPsec policy with same name already exists in this SVM.",
        target="name",
        kind="conflict",
    )


def protocol(value: Any) -> str:
    """ONTAP's form of a protocol: a name for any, icmp, tcp and udp, else its number."""
    if value is None:
        return "any"
    if not isinstance(value, str):
        raise errors.invalid_value("protocol", value)
    text = value.strip().lower()
    if "," in text:
        raise DomainError(ONE_PROTOCOL, "Only one protocol can be specified.", target="protocol")
    if text in PROTOCOL_NAMES.values():
        return text
    if text.isdigit() and int(text) <= 255:
        number = str(int(text))
        return PROTOCOL_NAMES.get(number, number)
    raise errors.invalid_value(
        "protocol", value, "any, tcp, udp, icmp or a protocol number from 0 to 255"
    )


def _address(side: str, value: Any) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    field = f"{side}_endpoint.address"
    if not isinstance(value, str):
        raise errors.invalid_value(field, value)
    if "," in value:
        word = "local" if side == "local" else "remote"
        raise DomainError(
            ONE_SUBNET[side], f"Only one {word} IP subnet can be specified.", target=field
        )
    try:
        if "%" in value:  # an IPv6 zone is not a traffic selector's
            raise ValueError(value)
        return ipaddress.ip_address(value.strip())
    except ValueError:
        raise errors.invalid_value(
            field, value, "an IPv4 or IPv6 address; the netmask is a field of its own"
        ) from None


def _prefix(side: str, value: Any, family: str) -> int:
    field = f"{side}_endpoint.netmask"
    text = value.strip() if isinstance(value, str) else None
    most = 32 if family == "ipv4" else 128
    if text is not None and text.isdigit() and int(text) <= most:
        return int(text)
    if text is not None and family == "ipv4" and text.count(".") == 3:
        try:
            return ipaddress.IPv4Network(f"0.0.0.0/{text}").prefixlen
        except ValueError:
            pass
    hint = (
        "a length from 0 to 32 or a mask such as 255.255.255.0"
        if most == 32
        else ("a length from 0 to 128")
    )
    raise errors.invalid_value(field, value, hint)


def port(side: str, value: Any) -> str:
    """ONTAP's form of a port: a range of one port, "23-23"; "0-0" (or "0") is any."""
    if value is None:
        return ANY_PORT
    field = f"{side}_endpoint.port"
    text = value.strip() if isinstance(value, str) else str(value)
    if "," in text:
        word = "local" if side == "local" else "remote"
        raise DomainError(ONE_PORT[side], f"Only one {word} port can be specified.", target=field)
    found = _PORT.match(text)
    if found is None or max(int(g) for g in found.groups() if g is not None) > 65535:
        raise DomainError(
            BAD_PORT,
            "Invalid value for port field. Value should be in range <0-65535>.",
            target=field,
        )
    low = int(found.group(1))
    high = int(found.group(2)) if found.group(2) is not None else low
    if low != high:
        raise DomainError(
            PORT_RANGE,
            "Port ranges containing more than one port are not supported.",
            target=field,
        )
    return f"{low}-{low}"


def endpoint(
    side: str, given: dict[str, Any], current: dict[str, Any] | None
) -> dict[str, str | None]:
    """The columns of one endpoint (`<side>_address`, ...), from the parts a body gives
    (`given`: address, family, netmask, port; a PATCH may give some) over the stored ones
    (`current`, None on POST)."""
    now = {p: (current or {}).get(f"{side}_{p}") for p in PARTS}
    address_field = f"{side}_endpoint.address"
    if "address" in given:
        if given["address"] is None:
            raise errors.invalid_value(address_field, None)
        if given.get("netmask") is None:
            raise DomainError(
                NEEDS_NETMASK[side],
                f"The {side}_endpoint.address must be specified with {side}_endpoint.netmask.",
                target=f"{side}_endpoint.netmask",
            )
    if "address" in given:
        address = _address(side, given["address"])
    elif now["address"] is not None:
        address = ipaddress.ip_address(now["address"])
    else:
        raise missing(address_field)
    family = "ipv4" if address.version == 4 else "ipv6"
    if given.get("family") is not None:
        asked = given["family"]
        if not isinstance(asked, str) or asked.lower() != family:
            raise errors.invalid_value(
                f"{side}_endpoint.family", asked, f"the address {address} is {family}"
            )
    if "netmask" in given:
        prefix = _prefix(side, given["netmask"], family)
    else:
        prefix = int(now["netmask"]) if now["netmask"] is not None else 0
    zero = int(address) == 0
    if zero != (prefix == 0):
        raise DomainError(BAD_WILDCARD, "Invalid ANY wildcard subnet.", target=address_field)
    if zero and side == "local":
        raise DomainError(
            LOCAL_ZERO,
            "The local subnet must be configured as a non-zero subnet.",
            target=address_field,
        )
    chosen_port = port(side, given["port"]) if "port" in given else (now["port"] or ANY_PORT)
    return {
        f"{side}_address": address.compressed,
        f"{side}_netmask": str(prefix),
        f"{side}_family": family,
        f"{side}_port": chosen_port,
    }


def endpoints_agree(columns: dict[str, Any]) -> None:
    """Both endpoints of one family; a wildcard remote subnet needs a specific port."""
    if columns["local_family"] != columns["remote_family"]:
        raise errors.invalid_value(
            "remote_endpoint.address",
            columns["remote_address"],
            f"the local endpoint is {columns['local_family']}",
        )
    if (
        columns["remote_netmask"] == "0"
        and ANY_PORT == columns["local_port"] == columns["remote_port"]
    ):
        raise DomainError(
            WILDCARD_NEEDS_PORT,
            "A specific local or remote port number is required when the remote subnet is "
            "configured as an ANY wildcard subnet.",
            target="remote_endpoint.port",
        )


def endpoint_parts(fields: dict[str, Any], side: str) -> dict[str, Any]:
    """The parts of `side`'s endpoint a body gives, by part name."""
    prefix = f"{side}_endpoint."
    return {k[len(prefix) :]: v for k, v in fields.items() if k.startswith(prefix)}


def authentication(action: str, method: str | None, *, secret: bool, certificate: bool) -> str:
    """The authentication method of a new policy. bypass and discard protect nothing: what
    authentication they are given is ignored ("none"), as na_ontap_security_ipsec_policy
    observes. esp_transport and esp_udp take psk or pki, told or inferred from the key or
    certificate given."""
    if action not in PROTECTING:
        return "none"
    if method is None:
        method = "pki" if certificate else "psk" if secret else None
    if method in (None, "none"):
        raise DomainError(
            NEEDS_AUTHENTICATION,
            "The IPsec policy with action ESP TRANSPORT provides packet protection and "
            "requires a secret key or certificate for authentication.",
            target="authentication_method",
        )
    if method == "psk" and not secret:
        raise DomainError(
            PSK_NEEDS_KEY,
            "A pre-shared key is needed for the PSK authentication method. Use the "
            "secret_key option to specify a key.",
            target="secret_key",
        )
    if method == "psk" and certificate:
        raise DomainError(
            errors.INVALID,
            "A certificate is not needed for the PSK authentication method.",
            target="certificate",
        )
    if method == "pki" and not certificate:
        raise pki_needs_certificate()
    if method == "pki" and secret:
        raise DomainError(
            PKI_TAKES_NO_KEY,
            "A pre-shared key is not needed for the PKI authentication method.",
            target="secret_key",
        )
    return method


def pki_needs_certificate() -> DomainError:
    return DomainError(
        PKI_NEEDS_CERTIFICATE,
        "An end-entity certificate is needed for the PKI authentication method. Use the "
        "certificate.uuid option to specify an end-entity certificate.",
        target="certificate.uuid",
    )


def check_key(field: str, value: Any) -> str:
    """A pre-shared key (or a post-quantum one): 18 to 128 characters; "0x..." must be
    hexadecimal, "0s..." Base64. The key itself is never part of a message."""
    low, high = KEY_LENGTH
    if not isinstance(value, str) or not low <= len(value) <= high:
        raise DomainError(
            "262185",
            f'The value of field "{field}" is invalid: a key is {low} to {high} characters.',
            target=field,
        )
    prefix, body = value[:2].lower(), value[2:]
    if prefix == "0x" and not re.fullmatch(r"(?:[0-9A-Fa-f]{2})+", body):
        raise DomainError(
            BAD_HEX_KEY,
            "The specified pre-shared key is not a valid hexadecimal string.",
            target=field,
        )
    if prefix == "0s":
        try:
            decoded = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            decoded = b""
        if not decoded:
            raise DomainError(
                BAD_BASE64_KEY,
                "The specified pre-shared key is not a valid Base64 encoded binary string.",
                target=field,
            )
    return value


def check_identity(field: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise errors.invalid_value(field, value)
    return value


def pki_identities(local: str | None, remote: str | None) -> None:
    """PKI needs both identities (ONTAP's IPsec set-up guide: "mandatory")."""
    for field, value in (("local_identity", local), ("remote_identity", remote)):
        if not value:
            raise missing(field)


def ppk_checks(method: str, identity: Any, shared_key: Any) -> None:
    """A post-quantum pre-shared key (9.17.1 on): its identity and key together, PSK only."""
    if identity is None and shared_key is None:
        return
    if method != "psk":
        raise DomainError(
            errors.INVALID,
            "A post-quantum pre-shared key is used only by the PSK authentication method.",
            target="ppk",
        )
    if identity is None or (isinstance(identity, str) and not identity.strip()):
        raise missing("ppk.identity")
    if shared_key is None:
        raise missing("ppk.shared_key")
    check_identity("ppk.identity", identity)
    check_key("ppk.shared_key", shared_key)


def certificate_refused(row: Any, field: str) -> DomainError | None:
    """Why a certificate row (uuid, name, type, key held) cannot authenticate a policy."""
    if row is None:
        return DomainError(
            CERTIFICATE_NOT_FOUND,
            "Certificate with the specified UUID was not found.",
            target=field,
        )
    if row[2] not in CERTIFICATE_TYPES:
        return DomainError(
            CERTIFICATE_TYPE,
            "Only certificates with a client or server type are supported.",
            target=field,
        )
    if not row[3]:
        return DomainError(
            errors.INVALID,
            "The certificate's private key is not installed: IKE cannot authenticate with it.",
            target=field,
        )
    return None
