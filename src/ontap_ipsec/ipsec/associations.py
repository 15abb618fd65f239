"""A daemon's IKE and CHILD SAs (VICI `list-sas`) as ONTAP's security associations: pure.

Only SAs of our connections are shown (one per IPsec policy); an operator's own
connections on the same daemon are not ONTAP's. Each IKE SA is a record of `type`
ike, each of its CHILD_SAs one of `type` ipsec, as ONTAP lists them.

Where ONTAP says less than charon knows, the choices (docs/fidelity.md):

* `uuid`: a UUID derived from the scope and the SA's SPIs, stable while the SA lives
  and new for a rekeyed one, as an SA's identity is.
* `lifetime`: the configured lifetime in seconds (86400 for IKE, 28800 for IPsec).
* `cipher_suite`: from the negotiated ESP algorithm of a CHILD_SA (AES-GCM:
  suiteb_gcm256, AES-GMAC: suiteb_gmac256, AES-CBC: suite_aescbc); an IKE SA reports
  its policy's suite, suiteb_gcm256, whose IKE proposal it negotiated.
* `ike.state`: charon's CONNECTING is connecting, ESTABLISHED, REKEYING and REKEYED are
  established, everything else none. `ipsec.state`: charon's CHILD_SA state in lower case
  (ONTAP's CLI shows INSTALLED; no enum is published).
* SPIs as charon writes them, hexadecimal without "0x", as ONTAP's CLI shows them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .connections import CHILD_LIFETIME, IKE_LIFETIME, policy_uuid_of

_NAMESPACE = uuid.UUID("6f1c2c5e-8a0b-4c39-9a57-0e3f5d1b7a21")
_IKE_STATES = {
    "CONNECTING": "connecting",
    "ESTABLISHED": "established",
    "REKEYING": "established",
    "REKEYED": "established",
}
_SUITES = {"AES_GCM_16": "suiteb_gcm256", "AES_GMAC": "suiteb_gmac256", "AES_CBC": "suite_aescbc"}
_AUTH = {"pki": "cert", "psk": "psk"}


@dataclass(frozen=True)
class PolicyInfo:
    """What an SA record says of its policy."""

    name: str
    action: str
    authentication_method: str


@dataclass(frozen=True)
class ScopeInfo:
    """The scope a daemon serves, and the node it stands for."""

    key: str  # an SVM's uuid or "cluster"
    svm_uuid: str | None
    svm_name: str | None
    node_name: str
    node_uuid: str


def _t(value: Any) -> str | None:
    if value is None:
        return None
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _int(value: Any) -> int | None:
    text = _t(value)
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def sa_uuid(scope_key: str, *parts: str | None) -> str:
    return str(uuid.uuid5(_NAMESPACE, "/".join([scope_key, *(p or "" for p in parts)])))


def rows(
    sas: Iterable[tuple[str, Mapping[str, Any]]],
    scope: ScopeInfo,
    policies: Mapping[str, PolicyInfo],
) -> list[dict[str, Any]]:
    """The records (flat, by column name) of the SAs of our connections."""
    out: list[dict[str, Any]] = []
    common = {
        "svm_uuid": scope.svm_uuid,
        "svm_name": scope.svm_name,
        "scope": "cluster" if scope.svm_uuid is None else "svm",
        "node_name": scope.node_name,
        "node_uuid": scope.node_uuid,
    }
    for conn, sa in sas:
        policy_uuid = policy_uuid_of(conn)
        policy = policies.get(policy_uuid) if policy_uuid else None
        if policy is None:
            continue
        ispi, rspi = _t(sa.get("initiator-spi")), _t(sa.get("responder-spi"))
        local, remote = _t(sa.get("local-host")), _t(sa.get("remote-host"))
        out.append(
            {
                **common,
                "uuid": sa_uuid(scope.key, "ike", ispi, rspi),
                "type": "ike",
                "local_address": local,
                "remote_address": remote,
                "policy_name": policy.name,
                "cipher_suite": "suiteb_gcm256",
                "lifetime": IKE_LIFETIME,
                "ike_authentication": _AUTH.get(policy.authentication_method, "none"),
                "ike_initiator_spi": ispi,
                "ike_responder_spi": rspi,
                "ike_is_initiator": _t(sa.get("initiator")) == "yes",
                "ike_state": _IKE_STATES.get(_t(sa.get("state")) or "", "none"),
                "ike_version": _int(sa.get("version")),
            }
        )
        children = sa.get("child-sas") or {}
        for child in children.values():
            spi_in, spi_out = _t(child.get("spi-in")), _t(child.get("spi-out"))
            mode = (_t(child.get("mode")) or "").upper()
            out.append(
                {
                    **common,
                    "uuid": sa_uuid(scope.key, "ipsec", ispi, rspi, spi_in, spi_out),
                    "type": "ipsec",
                    "local_address": local,
                    "remote_address": remote,
                    "policy_name": policy.name,
                    "cipher_suite": _SUITES.get(_t(child.get("encr-alg")) or ""),
                    "lifetime": CHILD_LIFETIME,
                    "ipsec_action": "esp_transport" if mode == "TRANSPORT" else policy.action,
                    "ipsec_state": (_t(child.get("state")) or "").lower() or None,
                    "in_spi": spi_in,
                    "in_bytes": _int(child.get("bytes-in")),
                    "in_packets": _int(child.get("packets-in")),
                    "out_spi": spi_out,
                    "out_bytes": _int(child.get("bytes-out")),
                    "out_packets": _int(child.get("packets-out")),
                }
            )
    return out
