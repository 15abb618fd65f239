"""`security ipsec policy create | show | modify | delete`: the IPsec policies.

The CLI names a policy by its vserver and name; REST keys it by uuid, so modify and
delete look it up by `svm.name` (or `scope=cluster`) and `name` first. The preshared
key goes into the POST body and nowhere else: never printed, never part of an error.
Without `-shared-key`, a PSK policy's key is asked for as ONTAP asks for it, without
echo, and only on a terminal.

The cipher suite and the SA lifetimes are CLI-only fields of ONTAP's, absent from REST:
`show` prints ONTAP's defaults for them, SUITEB_GCM256, 86400 s, 28800 s and 0 bytes
(what every policy here negotiates).
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ontap_ipsec.cli.commands.common import (
    VSERVER,
    VSERVER_QUERY,
    Field,
    Row,
    Scope,
    emit_json,
    fields_param,
    query_scope,
    scope_of,
    show,
    vserver_of,
)
from ontap_ipsec.cli.errors import CliError, usage
from ontap_ipsec.cli.spec import INSTANCE, LIST, Command, Param
from ontap_ipsec.cli.tables import Column, dash, table

PATH = ("security", "ipsec", "policy")
POLICIES = "/api/security/ipsec/policies"
REST_FIELDS = (
    "uuid,name,svm.name,scope,enabled,action,authentication_method,certificate.name,"
    "local_endpoint,remote_endpoint,protocol,local_identity,remote_identity"
)
ACTIONS = {
    "ESP_TRA": "esp_transport",
    "ESP_UDP": "esp_udp",
    "BYPASS": "bypass",
    "DISCARD": "discard",
}
SHOWN_ACTIONS = {rest: cli for cli, rest in ACTIONS.items()}
PROTECTING = ("esp_transport", "esp_udp")  # the actions IKE authenticates
METHODS = ("PSK", "PKI", "NONE")
BOOLEAN = ("true", "false")
CIPHER_SUITE = "SUITEB_GCM256"
IKE_LIFETIME, IPSEC_LIFETIME, IPSEC_LIFETIME_BYTES = "86400", "28800", "0"
SUBNET_CODES = {"local": "66257113", "remote": "66257114"}

if TYPE_CHECKING:
    from ontap_ipsec.cli.connection import Session

NAME = Param("name", "Policy Name", required=True, help="the policy's name (1 to 64 characters)")


def _subnets(side: str, required: bool) -> Param:
    return Param(
        f"{side}-ip-subnets",
        f"{side.capitalize()} IP Subnets",
        kind=LIST,
        required=required,
        metavar="IP/Mask",
        help=f"the {side} traffic selector: one address and prefix length (or IPv4 mask)",
    )


def _ports(side: str) -> Param:
    return Param(
        f"{side}-ports",
        f"{side.capitalize()} Ports",
        metavar="port",
        help=f"the {side} port covered; 0 or 0-0 (the default) is any port",
    )


PROTOCOLS = Param(
    "protocols",
    "Protocols",
    metavar="protocol",
    help="the protocol covered: any (the default), tcp, udp, icmp or a protocol number",
)
ENABLED = Param(
    "is-enabled", "Is Policy Enabled", choices=BOOLEAN, metavar="true|false", help="default true"
)
LOCAL_IDENTITY = Param("local-identity", "Local Identity", help="the IKE identity of this end")
REMOTE_IDENTITY = Param(
    "remote-identity",
    "Remote Identity",
    help="the IKE identity of the peer (ANYTHING: any peer, with PKI)",
)
CERT_NAME = Param(
    "cert-name",
    "Certificate for Local Identity",
    help="an installed client or server certificate of the vserver (PKI)",
)

SHOW_FIELDS = (
    Field("vserver", "Vserver", key=True),
    Field("name", "Policy Name", key=True),
    Field("local-ip-subnets", "Local IP Subnets"),
    Field("remote-ip-subnets", "Remote IP Subnets"),
    Field("local-ports", "Local Ports"),
    Field("remote-ports", "Remote Ports"),
    Field("protocols", "Protocols"),
    Field("action", "Action"),
    Field("cipher-suite", "Cipher Suite"),
    Field("ike-lifetime", "IKE Security Association Lifetime"),
    Field("ipsec-lifetime", "IPsec Security Association Lifetime"),
    Field("ipsec-lifetime-bytes", "IPsec Security Association Lifetime (bytes)"),
    Field("is-enabled", "Is Policy Enabled"),
    Field("local-identity", "Local Identity"),
    Field("remote-identity", "Remote Identity"),
    Field("auth-method", "Authentication Method"),
    Field("cert-name", "Certificate for Local Identity"),
)
COLUMNS = (
    Column(7, ("Vserver",)),
    Column(10, ("Policy", "Name")),
    Column(18, ("Local IP Subnet",)),
    Column(18, ("Remote IP Subnet",)),
    Column(14, ("Cipher", "Suite")),
    Column(7, ("Action",)),
)
TABLE_KEYS = ("vserver", "name", "local-ip-subnets", "remote-ip-subnets", "cipher-suite", "action")


def _endpoint(side: str, opts: dict[str, Any]) -> dict[str, str]:
    """The REST endpoint of `-<side>-ip-subnets` and `-<side>-ports`, as far as given."""
    endpoint: dict[str, str] = {}
    option = f"{side}-ip-subnets"
    if option in opts:
        subnets = opts[option]
        if len(subnets) > 1:
            raise CliError(f"Only one {side} IP subnet can be specified.", SUBNET_CODES[side])
        address, slash, mask = subnets[0].rpartition("/")
        if not slash or not address or not mask:
            raise usage(f'"{subnets[0]}" is an invalid value for field "-{option} <IP/Mask>"')
        endpoint.update(address=address, netmask=mask)
    if f"{side}-ports" in opts:
        endpoint["port"] = opts[f"{side}-ports"]
    return endpoint


def _common_body(opts: dict[str, Any]) -> dict[str, Any]:
    """What create and modify share: the selectors, protocol, identities, certificate."""
    body: dict[str, Any] = {}
    for side in ("local", "remote"):
        endpoint = _endpoint(side, opts)
        if endpoint:
            body[f"{side}_endpoint"] = endpoint
    if "protocols" in opts:
        body["protocol"] = opts["protocols"]
    if "is-enabled" in opts:
        body["enabled"] = opts["is-enabled"] == "true"
    for option in ("local-identity", "remote-identity"):
        if option in opts:
            body[option.replace("-", "_")] = opts[option]
    if "cert-name" in opts:
        body["certificate"] = {"name": opts["cert-name"]}
    return body


def _needs_key(action: str, method: str | None, opts: dict[str, Any]) -> bool:
    """A PSK policy: told so, or an ESP action with neither method nor certificate given."""
    if action not in PROTECTING:
        return False
    return method == "psk" or (method is None and "cert-name" not in opts)


def _ask_key(name: str, vserver: str) -> str:
    """ONTAP's prompt, without echo; only a terminal is asked."""
    if not sys.stdin.isatty():
        raise usage(
            'Missing required parameter "-shared-key": a PSK policy needs a preshared key, '
            "and it is asked for only on a terminal."
        )
    try:
        return getpass.getpass(
            f"Enter the preshared key for IPsec Policy {name} on Vserver {vserver}: "
        )
    except EOFError:
        raise CliError("no preshared key was entered") from None


def create(session: Session, opts: dict[str, Any]) -> int:
    scope = scope_of(session, opts["vserver"])
    action = ACTIONS[opts.get("action", "ESP_TRA")]
    method = opts["auth-method"].lower() if "auth-method" in opts else None
    body: dict[str, Any] = {"name": opts["name"], **scope.body(), **_common_body(opts)}
    if "action" in opts:
        body["action"] = action
    if method is not None:
        body["authentication_method"] = method
    if "shared-key" in opts:
        body["secret_key"] = opts["shared-key"]
    elif _needs_key(action, method, opts):
        body["secret_key"] = _ask_key(opts["name"], scope.vserver)
    params = {"return_records": "true"} if session.json_output else None
    answer = session.post(POLICIES, body, params)
    if session.json_output:
        emit_json(answer.get("records", []))
    return 0


def _find(session: Session, scope: Scope, name: str) -> dict[str, Any]:
    found = session.records(
        POLICIES, {"name": name, "fields": "uuid,name,svm.name,scope", **scope.query()}
    )
    named = [r for r in found if r.get("name") == name]
    if not named:
        raise CliError("entry doesn't exist")
    return named[0]


def modify(session: Session, opts: dict[str, Any]) -> int:
    scope = scope_of(session, opts["vserver"])
    body = _common_body(opts)
    if not body:
        raise usage("At least one parameter to modify must be specified.")
    found = _find(session, scope, opts["name"])
    session.request("PATCH", f"{POLICIES}/{found['uuid']}", json=body)
    return 0


def delete(session: Session, opts: dict[str, Any]) -> int:
    scope = scope_of(session, opts["vserver"])
    found = _find(session, scope, opts["name"])
    session.delete(f"{POLICIES}/{found['uuid']}")
    if session.json_output:
        emit_json([found])
    return 0


def _subnet(endpoint: dict[str, Any]) -> str:
    address, netmask = endpoint.get("address"), endpoint.get("netmask")
    if not address:
        return "-"
    return f"{address}/{netmask}" if netmask not in (None, "") else str(address)


def _row(session: Session, rec: dict[str, Any]) -> Row:
    local = rec.get("local_endpoint") or {}
    remote = rec.get("remote_endpoint") or {}
    action = rec.get("action")
    enabled = rec.get("enabled")
    return {
        "vserver": vserver_of(session, rec),
        "name": dash(rec.get("name")),
        "local-ip-subnets": _subnet(local),
        "remote-ip-subnets": _subnet(remote),
        "local-ports": dash(local.get("port")),
        "remote-ports": dash(remote.get("port")),
        "protocols": dash(rec.get("protocol")),
        "action": SHOWN_ACTIONS.get(str(action), dash(action).upper()),
        "cipher-suite": CIPHER_SUITE,
        "ike-lifetime": IKE_LIFETIME,
        "ipsec-lifetime": IPSEC_LIFETIME,
        "ipsec-lifetime-bytes": IPSEC_LIFETIME_BYTES,
        "is-enabled": "-" if enabled is None else ("true" if enabled else "false"),
        "local-identity": dash(rec.get("local_identity")),
        "remote-identity": dash(rec.get("remote_identity")),
        "auth-method": dash(rec.get("authentication_method")).upper(),
        "cert-name": dash((rec.get("certificate") or {}).get("name")),
    }


def show_policies(session: Session, opts: dict[str, Any]) -> int:
    params = {"fields": REST_FIELDS, **query_scope(session, opts.get("vserver"))}
    if opts.get("name"):
        params["name"] = opts["name"]
    records = session.records(POLICIES, params)
    if session.json_output:
        emit_json(records)
        return 0
    rows = sorted((_row(session, r) for r in records), key=lambda r: (r["vserver"], r["name"]))
    return show(opts, SHOW_FIELDS, rows, _table)


def _table(rows: Sequence[Row]) -> list[str]:
    return table(COLUMNS, [[r[k] for k in TABLE_KEYS] for r in rows])


COMMANDS = (
    Command(
        (*PATH, "create"),
        "Create an IPsec policy",
        create,
        (
            VSERVER,
            NAME,
            _subnets("local", True),
            _subnets("remote", True),
            _ports("local"),
            _ports("remote"),
            PROTOCOLS,
            Param(
                "action",
                "Action",
                choices=tuple(ACTIONS),
                metavar="action",
                help="what is done with the traffic (default ESP_TRA)",
            ),
            ENABLED,
            LOCAL_IDENTITY,
            REMOTE_IDENTITY,
            Param(
                "auth-method",
                "Authentication Method",
                choices=METHODS,
                metavar="method",
                help="how IKE authenticates (default PSK; ESP_TRA and ESP_UDP only)",
            ),
            CERT_NAME,
            Param(
                "shared-key",
                "Preshared Key",
                help="the PSK (18 to 128 characters; 0x... hexadecimal, 0s... Base64); "
                "asked for without echo when omitted on a terminal",
            ),
        ),
        "Creates an IPsec policy of the Vserver (the cluster's name for cluster scope). "
        "A PSK policy's key is never shown; without -shared-key it is asked for, as ONTAP "
        "asks for it, only on a terminal.",
    ),
    Command(
        (*PATH, "show"),
        "Display IPsec policies",
        show_policies,
        (fields_param(SHOW_FIELDS), INSTANCE, VSERVER_QUERY, Param("name", "Policy Name")),
        "Displays the IPsec policies. The cipher suite and the SA lifetimes are not part of "
        "ONTAP's REST API: ONTAP's defaults are shown for them.",
        show_fields=tuple(f.name for f in SHOW_FIELDS),
    ),
    Command(
        (*PATH, "modify"),
        "Modify an IPsec policy",
        modify,
        (
            VSERVER,
            NAME,
            _subnets("local", False),
            _subnets("remote", False),
            _ports("local"),
            _ports("remote"),
            PROTOCOLS,
            ENABLED,
            LOCAL_IDENTITY,
            REMOTE_IDENTITY,
            CERT_NAME,
        ),
        "Modifies an IPsec policy. The name, vserver, action, authentication method and "
        "preshared key are set when the policy is created. Set -is-enabled false first to "
        "flush the policy's security associations.",
    ),
    Command(
        (*PATH, "delete"),
        "Delete an IPsec policy",
        delete,
        (VSERVER, NAME),
        "Deletes an IPsec policy.",
    ),
)
