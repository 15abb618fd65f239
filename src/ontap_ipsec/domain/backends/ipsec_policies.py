"""IPsec policies: create, modify, delete; and each scope's policies as a daemon needs them.

The rules of ONTAP's POST and PATCH pages (:mod:`ontap_ipsec.domain.ipsec_policy_rules`):
a name once per scope; traffic selectors of one family; esp_transport and esp_udp
authenticated by a pre-shared key or by an end-entity certificate of the same scope whose
private key is held here; bypass and discard by nothing. `action`, `authentication_method`,
the name, the scope and the keys are set once, at creation. The pre-shared key and the
post-quantum one are sealed with the data dir's key before they reach the store, exactly as
private keys are, and leave it only through :meth:`IpsecPolicies.connections_of`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import orjson

from ontap_ipsec.domain import errors, events
from ontap_ipsec.domain import ipsec_policy_rules as rules
from ontap_ipsec.domain import scope as scopes
from ontap_ipsec.domain.backends.ipsec_config import read_config
from ontap_ipsec.domain.clock import naive_utc
from ontap_ipsec.domain.errors import DomainError
from ontap_ipsec.domain.events import EventBus, IpsecConfigRecord, IpsecPolicyRecord
from ontap_ipsec.store import ipsec_policies as rows
from ontap_ipsec.store.engine import Store
from ontap_ipsec.store.errors import Conflict
from ontap_ipsec.store.prepared import Tx

if TYPE_CHECKING:
    from ontap_ipsec.domain.pki import KeyVault

DEFAULT_IPSPACE = "Default"
_FULL_NAMES = (*rows.STORED, "svm_name", "cert_name")
_CONNECTION_NAMES = (*_FULL_NAMES, "public_certificate", "cert_private_key", "intermediates")


@dataclass(frozen=True)
class Endpoint:
    """One traffic selector of a policy, as ONTAP stores and shows it."""

    address: str | None  # e.g. "10.1.1.0"; IPv6 compressed
    netmask: str | None  # the prefix length, e.g. "24" (a dotted IPv4 mask is stored so)
    family: str | None  # "ipv4" | "ipv6"
    port: str | None  # a range of one port, "443-443"; "0-0" is any port


@dataclass(frozen=True)
class ConnectionSpec:
    """One policy, decrypted, as a daemon needs it. The keys never show in its repr."""

    uuid: str
    name: str
    scope_key: str
    svm_name: str | None
    enabled: bool
    action: str  # esp_transport | esp_udp | bypass | discard
    authentication_method: str  # none | psk | pki
    local_endpoint: Endpoint | None
    remote_endpoint: Endpoint | None
    protocol: str  # "any", "tcp", "udp", "icmp", or a number as text
    local_identity: str | None
    remote_identity: str | None
    secret_key: str | None = field(repr=False)  # the PSK as given ("0x..." hex, "0s..." Base64)
    certificate_pem: str | None = field(repr=False)  # the policy's certificate
    private_key_pem: str | None = field(repr=False)
    intermediate_pems: tuple[str, ...] = field(repr=False)
    ppk_identity: str | None = None
    ppk_secret: str | None = field(default=None, repr=False)


def policy_record(row: Sequence[Any]) -> IpsecPolicyRecord:
    """A policy as events carry it, from a row of `rows.RECORD_COLUMNS`."""
    uuid_, name, scope_key, svm_uuid, svm_name, enabled, action, method, cert = row
    return IpsecPolicyRecord(
        uuid_, name, scope_key, svm_uuid, svm_name, bool(enabled), action, method, cert
    )


def _record_of(values: dict[str, Any], svm_name: str | None) -> IpsecPolicyRecord:
    return IpsecPolicyRecord(
        values["uuid"],
        values["name"],
        values["scope_key"],
        values["svm_uuid"],
        svm_name,
        bool(values["enabled"]),
        values["action"],
        values["authentication_method"],
        values["certificate_uuid"],
    )


class IpsecPolicies:
    def __init__(
        self,
        store: Store,
        bus: EventBus,
        now: Callable[[], datetime],
        vault: Callable[[], KeyVault],
    ) -> None:
        self.store = store
        self.bus = bus
        self.now = now
        self.vault = vault

    # ------------------------------------------------------------------ changes

    def create(self, fields: dict[str, Any], ref: scopes.ScopeRef) -> IpsecPolicyRecord:
        """Create the policy `fields` describe (ONTAP's field names, dotted) in the scope
        `ref` names."""
        name = rules.check_name(fields.get("name"))
        action = fields.get("action") or "esp_transport"
        if action not in rules.ACTIONS:
            raise errors.invalid_value("action", action, "|".join(rules.ACTIONS))
        secret = fields.get("secret_key")
        cert_uuid, cert_name = fields.get("certificate.uuid"), fields.get("certificate.name")
        method = rules.authentication(
            action,
            fields.get("authentication_method"),
            secret=secret is not None,
            certificate=cert_uuid is not None or cert_name is not None,
        )
        if method != "psk":
            secret = None  # bypass and discard ignore what they are given
        if method != "pki":
            cert_uuid = cert_name = None
        if secret is not None:
            rules.check_key("secret_key", secret)
        ppk_identity, ppk_key = fields.get("ppk.identity"), fields.get("ppk.shared_key")
        if method == "none":
            ppk_identity = ppk_key = None
        rules.ppk_checks(method, ppk_identity, ppk_key)
        local_identity = rules.check_identity("local_identity", fields.get("local_identity"))
        remote_identity = rules.check_identity("remote_identity", fields.get("remote_identity"))
        if method == "pki":
            rules.pki_identities(local_identity, remote_identity)
        selectors: dict[str, Any] = {}
        for side in rules.SIDES:
            selectors.update(rules.endpoint(side, rules.endpoint_parts(fields, side), None))
        rules.endpoints_agree(selectors)
        policy_uuid = str(uuid.uuid4())
        values: dict[str, Any] = {
            "uuid": policy_uuid,
            "name": name,
            "enabled": True if fields.get("enabled") is None else bool(fields["enabled"]),
            "action": action,
            "authentication_method": method,
            "certificate_modify_keepsa": bool(fields.get("certificate_modify_keepsa")),
            **selectors,
            "protocol": rules.protocol(fields.get("protocol")),
            "local_identity": local_identity,
            "remote_identity": remote_identity,
            "secret_key": self.vault().encrypt(secret) if secret is not None else None,
            "ppk_identity": ppk_identity,
            "ppk_shared_key": self.vault().encrypt(ppk_key) if ppk_key is not None else None,
            "created": naive_utc(self.now()),
        }
        with self.store.transaction() as tx:
            scope = _resolve(tx, ref)
            values["svm_uuid"], values["scope_key"] = scope.svm_uuid, scope.key
            values["ipspace_name"], values["ipspace_uuid"] = _ipspace(
                tx, scope, fields.get("ipspace.name"), fields.get("ipspace.uuid")
            )
            values["certificate_uuid"] = (
                _certificate(tx, scope.key, cert_uuid, cert_name) if method == "pki" else None
            )
            if tx.first(rows.NAME_TAKEN, {"scope": scope.key, "name": name, "other": ""}):
                raise rules.name_taken()
            try:
                tx.run(rows.INSERT, values)
            except Conflict:
                raise self._lost_race(scope, name) from None
        created = _record_of(values, scope.svm_name)
        self.bus.publish([events.IpsecPolicyCreated(created)])
        return created

    def _lost_race(self, scope: scopes.Scope, name: str) -> DomainError:
        """The database refused the insert after the checks passed: a concurrent change won
        (the name taken, or the SVM or the certificate deleted)."""
        if self.store.first(rows.NAME_TAKEN, {"scope": scope.key, "name": name, "other": ""}):
            return rules.name_taken()
        if scope.svm_uuid and not self.store.first(rows.SVM_IPSPACE, {"svm": scope.svm_uuid}):
            return DomainError(
                rules.SVM_UUID_INVALID, "The specified SVM UUID is invalid.", target="svm.uuid"
            )
        return DomainError(
            rules.CERTIFICATE_NOT_FOUND,
            "Certificate with the specified UUID was not found.",
            target="certificate.uuid",
        )

    def modify(self, policy_uuid: str, changes: dict[str, Any]) -> IpsecPolicyRecord:
        """Change what a PATCH may change: `enabled`, the endpoints, `protocol`, the
        identities, the certificate of a PKI policy, `certificate_modify_keepsa` and the
        post-quantum key's identity."""
        if not changes:
            raise DomainError(
                rules.NO_CHANGES, "You must provide one or more values to apply your changes."
            )
        with self.store.transaction() as tx:
            found = tx.first(rows.FULL, {"uuid": policy_uuid})
            if found is None:
                raise errors.not_found("uuid")
            current = dict(zip(_FULL_NAMES, found, strict=True))
            new = self._changed(tx, current, changes)
            merged = {**current, **new}
            rules.endpoints_agree(merged)
            if merged["authentication_method"] == "pki":
                rules.pki_identities(merged["local_identity"], merged["remote_identity"])
            columns = tuple(sorted(new))
            tx.run(
                rows.update(columns), {"uuid": policy_uuid, **{f"new_{c}": new[c] for c in columns}}
            )
        old = _record_of(current, current["svm_name"])
        modified = _record_of(merged, current["svm_name"])
        self.bus.publish([events.IpsecPolicyModified(old, modified)])
        return modified

    def _changed(self, tx: Tx, current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
        new: dict[str, Any] = {}
        for side in rules.SIDES:
            given = rules.endpoint_parts(changes, side)
            if given:
                new.update(rules.endpoint(side, given, current))
        if "protocol" in changes:
            new["protocol"] = rules.protocol(changes["protocol"])
        for key in ("local_identity", "remote_identity"):
            if key in changes:
                new[key] = rules.check_identity(key, changes[key])
        for key in ("enabled", "certificate_modify_keepsa"):
            if key in changes:
                if changes[key] is None:
                    raise errors.invalid_value(key, None)
                new[key] = bool(changes[key])
        if "certificate.uuid" in changes or "certificate.name" in changes:
            if current["authentication_method"] != "pki":
                raise DomainError(
                    errors.INVALID,
                    "Cannot set a certificate for an IPsec policy whose authentication_method "
                    f'is "{current["authentication_method"]}".',
                    target="certificate",
                )
            cert_uuid, cert_name = changes.get("certificate.uuid"), changes.get("certificate.name")
            if cert_uuid is None and cert_name is None:
                raise rules.pki_needs_certificate()
            new["certificate_uuid"] = _certificate(tx, current["scope_key"], cert_uuid, cert_name)
        if "ppk.identity" in changes:
            identity = changes["ppk.identity"]
            if current["ppk_shared_key"] is None:
                raise DomainError(
                    errors.INVALID,
                    "The policy has no post-quantum pre-shared key; it is given when the "
                    "policy is created.",
                    target="ppk.identity",
                )
            if identity is None or not str(identity).strip():
                raise errors.invalid_value("ppk.identity", identity)
            new["ppk_identity"] = rules.check_identity("ppk.identity", identity)
        return new

    def delete(self, policy_uuid: str) -> IpsecPolicyRecord:
        with self.store.transaction() as tx:
            found = tx.first(rows.RECORD, {"uuid": policy_uuid})
            if found is None or not tx.run(rows.DELETE, {"uuid": policy_uuid}):
                raise errors.not_found("uuid")
        deleted = policy_record(found)
        self.bus.publish([events.IpsecPolicyDeleted(deleted)])
        return deleted

    # ------------------------------------------------------------------ reads

    def connections_of(self, scope_key: str) -> list[ConnectionSpec]:
        """Every policy of the scope (an SVM's uuid, or "cluster"), enabled or not, ordered
        by uuid, with its keys and its certificate's material decrypted."""
        found = self.store.rows(rows.OF_SCOPE, {"scope": scope_key})
        if not found:
            return []
        vault = self.vault()

        def opened(token: str | None) -> str | None:
            return vault.decrypt(token) if token is not None else None

        out = []
        for row in found:
            p = dict(zip(_CONNECTION_NAMES, row, strict=True))
            chain = orjson.loads(p["intermediates"]) if p["intermediates"] else []
            out.append(
                ConnectionSpec(
                    uuid=p["uuid"],
                    name=p["name"],
                    scope_key=p["scope_key"],
                    svm_name=p["svm_name"],
                    enabled=bool(p["enabled"]),
                    action=p["action"],
                    authentication_method=p["authentication_method"],
                    local_endpoint=_endpoint(p, "local"),
                    remote_endpoint=_endpoint(p, "remote"),
                    protocol=p["protocol"],
                    local_identity=p["local_identity"],
                    remote_identity=p["remote_identity"],
                    secret_key=opened(p["secret_key"]),
                    certificate_pem=p["public_certificate"] if p["certificate_uuid"] else None,
                    private_key_pem=opened(p["cert_private_key"])
                    if p["certificate_uuid"]
                    else None,
                    intermediate_pems=tuple(chain) if p["certificate_uuid"] else (),
                    ppk_identity=p["ppk_identity"],
                    ppk_secret=opened(p["ppk_shared_key"]),
                )
            )
        return out

    def config(self) -> IpsecConfigRecord:
        """The cluster's IPsec configuration (enabled, replay window, offload)."""
        return read_config(self.store)


def _endpoint(p: dict[str, Any], side: str) -> Endpoint | None:
    if p[f"{side}_address"] is None:
        return None
    return Endpoint(*(p[f"{side}_{part}"] for part in ("address", "netmask", "family", "port")))


def _resolve(tx: Tx, ref: scopes.ScopeRef) -> scopes.Scope:
    """The scope a POST names; an SVM that does not exist is ONTAP's 66257202/66257203."""
    try:
        return scopes.resolve(tx, ref)
    except DomainError as exc:
        if exc.code == errors.INVALID and exc.target == "svm.name":
            raise DomainError(
                rules.SVM_NAME_INVALID, "The specified SVM name is invalid.", target="svm.name"
            ) from None
        if exc.code == errors.INVALID and exc.target == "svm.uuid":
            raise DomainError(
                rules.SVM_UUID_INVALID, "The specified SVM UUID is invalid.", target="svm.uuid"
            ) from None
        raise


def _ipspace(tx: Tx, scope: scopes.Scope, name: Any, ipspace_uuid: Any) -> tuple[str, str]:
    """The policy's IPspace: its SVM's, or the cluster's (only "Default" exists)."""
    if scope.svm_uuid is not None:
        home_name, home_uuid = tx.first(rows.SVM_IPSPACE, {"svm": scope.svm_uuid})
    else:
        home_name, home_uuid = DEFAULT_IPSPACE, tx.first(rows.CLUSTER_IPSPACE, {})[0]
    if name is not None and name != home_name:
        raise errors.invalid_value("ipspace.name", name, f'only "{DEFAULT_IPSPACE}" exists')
    if ipspace_uuid is not None and ipspace_uuid != home_uuid:
        raise errors.invalid_value(
            "ipspace.uuid", ipspace_uuid, f'only the "{DEFAULT_IPSPACE}" IPspace exists'
        )
    return home_name, home_uuid


def _certificate(tx: Tx, scope_key: str, cert_uuid: Any, cert_name: Any) -> str:
    """The uuid of the end-entity certificate of the scope a body names by uuid or name."""
    target = "certificate.uuid" if cert_uuid is not None else "certificate.name"
    row = tx.first(
        rows.certificate_in_scope(cert_uuid is not None, cert_name is not None),
        {"scope": scope_key, "uuid": cert_uuid, "name": cert_name},
    )
    refused = rules.certificate_refused(row, target)
    if refused is not None:
        raise refused
    return str(row[0])
