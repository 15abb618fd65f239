"""An IPsec policy as a strongSwan daemon takes it: the VICI messages, pure.

One enabled policy of an attached scope becomes one connection (`load-conn`) named
`ontap-ipsec-policy-<uuid>`, with one child of the same name holding its traffic
selectors, and, by its authentication method, one shared key (`load-shared`, id
`ontap-ipsec-psk-<uuid>`; a PPK `ontap-ipsec-ppk-<uuid>`) or its certificate inline in
the connection and its private key (`load-key`, known by the key's id).

How ONTAP's fields map (docs/fidelity.md has the table and the reasons):

* `action`: esp_transport is a transport-mode child, esp_udp the same with UDP
  encapsulation forced (`encap`), bypass a `pass` and discard a `drop` shunt. Every
  child starts on traffic (`start_action = trap`), as ONTAP's policies do.
* The endpoints are `local_addrs`/`remote_addrs` (a subnet answers any of its hosts)
  and the children's traffic selectors, with `protocol` and the ports.
* Proposals are those of ONTAP's default cipher suite, SUITEB_GCM256: IKE
  aes256-sha384-ecp384 (RFC 6379's IKE part of Suite-B-GCM-256), ESP aes256gcm16;
  lifetimes are ONTAP's defaults, 86400 s for the IKE SA and 28800 s for the CHILD_SA.
* `remote_identity` ANYTHING is `%any`; an identity left out is the address (strongSwan's
  default), as ONTAP's own identity defaults are.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa

from ontap_ipsec.domain.backends.ipsec_policies import ConnectionSpec, Endpoint

from .names import CONN_PREFIX, PPK_PREFIX, PSK_PREFIX

IKE_PROPOSALS = ("aes256-sha384-ecp384",)
ESP_PROPOSALS = ("aes256gcm16",)
IKE_LIFETIME = 86400
CHILD_LIFETIME = 28800
ANYTHING = "ANYTHING"
_MODES = {"esp_transport": "transport", "esp_udp": "transport", "bypass": "pass", "discard": "drop"}
_ANY_PORT = ("0-0", "0", "any", None, "")


def conn_name(policy_uuid: str) -> str:
    return f"{CONN_PREFIX}{policy_uuid}"


def policy_uuid_of(name: str) -> str | None:
    """The policy a connection (or child) of ours stands for; None if not ours."""
    if name.startswith(CONN_PREFIX) and len(name) > len(CONN_PREFIX):
        return name[len(CONN_PREFIX) :]
    return None


@dataclass(frozen=True)
class Shared:
    """A shared secret to load: its id (ours), type (IKE or PPK), owners and data."""

    id: str
    type: str
    owners: tuple[str, ...]
    data: bytes = field(repr=False)

    def message(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "type": self.type, "data": self.data}
        if self.owners:
            out["owners"] = list(self.owners)
        return out


@dataclass(frozen=True)
class Loadable:
    """What one policy asks of a daemon: its connection, and the secrets it needs."""

    name: str
    conn: dict[str, Any]
    shared: tuple[Shared, ...] = ()
    key_pem: str | None = field(default=None, repr=False)
    key_id: str | None = None  # charon's id of `key_pem`

    def digest(self) -> str:
        """What changes when anything loaded for this policy changes (secrets included,
        hashed: a new PSK under the same policy must be loaded again)."""
        h = hashlib.sha256(json.dumps(self.conn, sort_keys=True, default=_text).encode())
        for s in self.shared:
            h.update(b"\0" + s.id.encode() + b"\0" + s.data)
        if self.key_pem:
            h.update(b"\0key\0" + self.key_pem.encode())
        return h.hexdigest()


def _text(value: Any) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)


def secret_bytes(value: str) -> bytes:
    """ONTAP's forms of a key: "0x..." hexadecimal, "0s..." Base64, else the text."""
    if value[:2].lower() == "0x":
        try:
            return binascii.unhexlify(value[2:])
        except (binascii.Error, ValueError):
            pass
    elif value[:2] == "0s":
        try:
            return base64.b64decode(value[2:], validate=True)
        except (binascii.Error, ValueError):
            pass
    return value.encode("utf-8")


def key_id(pem: str) -> str:
    """The id charon gives a private key (`load-key`'s answer): the SHA-1 of its public
    key's encoding (PKCS#1 for RSA, the uncompressed point for EC, the raw key for EdDSA)."""
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    pub = key.public_key()
    if isinstance(pub, rsa.RSAPublicKey):
        raw = pub.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    elif isinstance(pub, ec.EllipticCurvePublicKey):
        raw = pub.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    elif isinstance(pub, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
        raw = pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    else:  # pragma: no cover - the certificate rules admit no other key type
        raw = pub.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    return hashlib.sha1(raw).hexdigest()  # noqa: S324 - charon's key id, not a security use


def _cidr(end: Endpoint | None) -> str:
    if end is None or not end.address:
        return "0.0.0.0/0"
    if end.netmask:
        return f"{end.address}/{end.netmask}"
    return end.address


def _selector(end: Endpoint | None, protocol: str) -> str:
    proto = "" if protocol in ("any", "0", "", None) else protocol
    port = None if end is None or end.port in _ANY_PORT else end.port
    if port is not None:
        low, _, high = port.partition("-")
        port = low if not high or low == high else f"{low}-{high}"
    if not proto and port is None:
        return _cidr(end)
    return f"{_cidr(end)}[{proto or '%any'}{'/' + port if port is not None else ''}]"


def _auth(identity: str | None, method: str, *, remote: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"auth": "pubkey" if method == "pki" else "psk"}
    if identity == ANYTHING and remote:
        out["id"] = "%any"
    elif identity:
        out["id"] = identity
    return out


def loadable(spec: ConnectionSpec, replay_window: int = 0) -> Loadable:
    """The connection and secrets of one policy (enabled or not: the caller decides)."""
    name = conn_name(spec.uuid)
    mode = _MODES[spec.action]
    child: dict[str, Any] = {
        "mode": mode,
        "start_action": "trap",
        "local_ts": [_selector(spec.local_endpoint, spec.protocol)],
        "remote_ts": [_selector(spec.remote_endpoint, spec.protocol)],
    }
    conn: dict[str, Any] = {
        "version": "2",
        "local_addrs": [_cidr(spec.local_endpoint)],
        "remote_addrs": [_cidr(spec.remote_endpoint)],
        "children": {name: child},
    }
    shared: list[Shared] = []
    key_pem = None
    if mode in ("pass", "drop"):
        # a shunt: installed as kernel policies, never negotiated
        conn["local"] = {"auth": "psk"}
        conn["remote"] = {"auth": "psk"}
        return Loadable(name, conn)
    child.update(
        esp_proposals=list(ESP_PROPOSALS),
        rekey_time=f"{CHILD_LIFETIME}s",
        replay_window=str(replay_window),
    )
    conn.update(
        proposals=list(IKE_PROPOSALS),
        rekey_time=f"{IKE_LIFETIME}s",
        send_cert="always" if spec.authentication_method == "pki" else "never",
    )
    if spec.action == "esp_udp":
        conn["encap"] = "yes"
    method = spec.authentication_method
    local = _auth(spec.local_identity, method, remote=False)
    remote = _auth(spec.remote_identity, method, remote=True)
    if method == "pki":
        if spec.certificate_pem:
            local["certs"] = [spec.certificate_pem.encode()]
        key_pem = spec.private_key_pem
    elif spec.secret_key:
        ids = (spec.local_identity, spec.remote_identity)
        owners = tuple(i for i in ids if i and i != ANYTHING)
        psk = secret_bytes(spec.secret_key)
        shared.append(Shared(f"{PSK_PREFIX}{spec.uuid}", "IKE", owners, psk))
    if spec.ppk_identity and spec.ppk_secret:
        conn["ppk_id"] = spec.ppk_identity
        conn["ppk_required"] = "yes"
        shared.append(
            Shared(
                f"{PPK_PREFIX}{spec.uuid}",
                "PPK",
                (spec.ppk_identity,),
                secret_bytes(spec.ppk_secret),
            )
        )
    conn["local"] = local
    conn["remote"] = remote
    return Loadable(name, conn, tuple(shared), key_pem, key_id(key_pem) if key_pem else None)


def desired(specs: Iterable[ConnectionSpec], replay_window: int = 0) -> dict[str, Loadable]:
    """name -> what to load, for the enabled policies among `specs`."""
    return {conn_name(s.uuid): loadable(s, replay_window) for s in specs if s.enabled}
