"""State snapshots: the whole state out as one document, and a document in, all or nothing.

Export reads every section in one read transaction; private keys are left out unless a
passphrase is given, and then sealed with it (:mod:`ontap_ipsec.domain.key_seal`).
Import checks the whole document first (every error names its line), replaces the state
in one transaction (:func:`ontap_ipsec.store.state.replace_all`: the cluster's identity,
SVMs, certificates, the IPsec list, ended jobs and, when the document has them, the
accounts), and after the commit publishes what changed: everything there was, removed
(cause ``import``), then everything the document holds, added, so that subscribers such
as the strongSwan reconciler converge. Job progression and failure rules stay.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import orjson

from ontap_ipsec.domain import certificate_types as kinds
from ontap_ipsec.domain import events
from ontap_ipsec.domain import state_document as doc
from ontap_ipsec.domain.events import (
    CertificateRecord,
    ClusterRecord,
    Event,
    EventBus,
    IpsecCaEntry,
    IpsecConfigRecord,
    IpsecPolicyRecord,
    SvmRecord,
)
from ontap_ipsec.domain.key_seal import Sealer, document_salt
from ontap_ipsec.store import state as rows
from ontap_ipsec.store.engine import Store

if TYPE_CHECKING:
    from ontap_ipsec.domain.pki import KeyVault

CAUSE = "import"
POLICY_SECRETS = ("secret_key", "ppk_shared_key")
SAN_KINDS = ("dns", "email", "ip", "uri")


class State:
    def __init__(self, store: Store, bus: EventBus, vault: Callable[[], KeyVault]) -> None:
        self.store = store
        self.bus = bus
        self.vault = vault

    def export(self, passphrase: str | None = None) -> str:
        """The state as a YAML document; private keys sealed with `passphrase`, or left out."""
        found = rows.read_all(self.store)
        cluster = found["cluster"][0]
        sealer = Sealer(passphrase, document_salt(cluster["uuid"])) if passphrase else None
        for cert in found["certificates"]:
            token = cert.pop("private_key")
            if sealer is not None and token is not None:
                cert["private_key"] = sealer.seal(cert["uuid"], self.vault().decrypt(token))
        for policy in found["ipsec_policies"]:
            for name in POLICY_SECRETS:  # like private keys: sealed, or left out
                token = policy.pop(name)
                if sealer is not None and token is not None:
                    context = f"{policy['uuid']}/{name}"
                    policy[name] = sealer.seal(context, self.vault().decrypt(token))
        document: dict[str, Any] = {"format": doc.FORMAT, "version": doc.VERSION}
        document["cluster"] = cluster
        for section in rows.SECTIONS[1:]:
            found_rows = found[section.name]
            document[section.name] = found_rows[0] if section in rows.SINGLE else found_rows
        if sealer is not None:
            document["private_keys"] = sealer.header()
        return doc.render(document)

    def load(
        self, text: str | bytes, passphrase: str | None = None, *, keep_accounts: bool = False
    ) -> dict[str, int]:
        """Replace the state with a document's; how many records of each section. With
        `keep_accounts` (or a document without them) the accounts there are stay."""
        document = doc.parse(text)
        if keep_accounts:
            document.pop("accounts", None)
        checked = {s.name: doc.records(document, s) for s in rows.SECTIONS}
        sealer = self._sealer(document, passphrase)
        certificates = checked[rows.CERTIFICATES.name]
        for line, cert in certificates:
            cert["private_key"] = self._key(document, sealer, line, cert)
        for line, policy in checked[rows.POLICIES.name]:
            for name in POLICY_SECRETS:
                token = policy.get(name)
                if token is not None:
                    context = f"{policy.get('uuid')}/{name}"
                    policy[name] = self._open(sealer, line, context, token)
        _check_values(checked)
        _one_admin(document, checked[rows.ACCOUNTS.name])
        values = {name: [v for _, v in found] for name, found in checked.items()}
        if "accounts" not in document:
            del values[rows.ACCOUNTS.name]
        sans = [_sans(line, cert) for line, cert in certificates]
        try:
            before = rows.replace_all(
                self.store,
                values,
                [row for found in sans for row in found],
                accounts="accounts" in document,
            )
        except rows.Refused as exc:
            line = checked[exc.section][exc.index][0]
            raise doc.bad(
                line, f"{exc.section}: the database's rules refuse the record ({exc.reason})"
            ) from None
        self.bus.publish(_changes(before, values))
        return {name: len(found) for name, found in values.items()}

    def _sealer(self, document: doc.Located, passphrase: str | None) -> Sealer | None:
        header = document.get("private_keys")
        if header is None:
            return None
        if not passphrase:
            raise doc.bad(
                document.lines["private_keys"],
                "the document holds private keys: give the passphrase they were sealed with",
            )
        try:
            return Sealer.from_header(passphrase, header)
        except doc.DomainError as exc:
            raise doc.bad(document.lines["private_keys"], exc.message) from None

    def _key(
        self, document: doc.Located, sealer: Sealer | None, line: int, cert: dict[str, Any]
    ) -> str | None:
        token = cert.get("private_key")
        if token is None:
            return None
        return self._open(sealer, line, cert["uuid"], token)

    def _open(self, sealer: Sealer | None, line: int, context: str, token: Any) -> str:
        """A sealed secret of the document, sealed again with this server's vault."""
        if sealer is None:
            raise doc.bad(line, "a sealed key needs the private_keys section that sealed it")
        try:
            return self.vault().encrypt(sealer.open(context, token))
        except doc.DomainError as exc:
            raise doc.bad(line, exc.message) from None


# values the rules allow, beyond their column's type
_ALLOWED: dict[tuple[str, str], tuple[str, ...]] = {
    ("accounts", "role"): ("admin", "readonly", "vsadmin", "vsadmin-readonly"),
    ("svms", "state"): ("running", "stopped", "starting", "stopping", "deleting", "initializing"),
    ("certificates", "type"): kinds.TYPES,
    ("jobs", "state"): ("success", "failure"),  # a pending job is not state
    ("ipsec_policies", "action"): ("esp_transport", "esp_udp", "bypass", "discard"),
    ("ipsec_policies", "authentication_method"): ("none", "psk", "pki"),
    ("ipsec_config", "replay_window"): (0, 64, 128, 256, 512, 1024),  # type: ignore[dict-item]
}
_HASH = re.compile(r"^scrypt\$(\d{1,7})\$(\d{1,2})\$(\d{1,2})\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$")


def _check_values(checked: dict[str, list[tuple[int, dict[str, Any]]]]) -> None:
    for (section, name), allowed in _ALLOWED.items():
        for line, values in checked[section]:
            if values.get(name) not in allowed:
                raise doc.bad(line, f'{section}: "{name}" must be one of {", ".join(allowed)}')
    for line, account in checked[rows.ACCOUNTS.name]:
        if account.get("password_hash") is None:  # an account without a password
            continue
        found = _HASH.match(account["password_hash"])
        if not found or not (2**10 <= int(found[1]) <= 2**20 and int(found[2]) <= 32):
            raise doc.bad(line, 'accounts: "password_hash" is not a scrypt hash of this server')


def _one_admin(document: doc.Located, accounts: list[tuple[int, dict[str, Any]]]) -> None:
    if "accounts" not in document:
        return
    if not any(a["role"] == "admin" and not a.get("locked") for _, a in accounts):
        raise doc.bad(
            document.lines["accounts"],
            "accounts: at least one admin account must be unlocked (leave the section out "
            "to keep the accounts there are)",
        )


def _sans(line: int, cert: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for kind in SAN_KINDS:
        raw = cert.get(f"san_{kind}")
        if raw is None:
            continue
        try:
            values = orjson.loads(raw)
        except orjson.JSONDecodeError:
            values = None
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise doc.bad(line, f'certificates: "san_{kind}" must be a JSON list of texts')
        out += [
            {"certificate_uuid": cert["uuid"], "kind": kind, "value": v}
            for v in dict.fromkeys(values)
        ]
    return out


def _changes(
    before: dict[str, list[dict[str, Any]]], after: dict[str, list[dict[str, Any]]]
) -> list[Event]:
    out: list[Event] = []
    out += [events.IpsecPolicyDeleted(_policy(r, before), CAUSE) for r in before["ipsec_policies"]]
    out += [
        events.IpsecCaRemoved(_entry(r, before), CAUSE) for r in before["ipsec_ca_certificates"]
    ]
    out += [events.CertificateDeleted(_cert(r), CAUSE) for r in before["certificates"]]
    out += [events.SvmDeleted(_svm(r), CAUSE) for r in before["svms"]]
    old, new = before["cluster"][0], after["cluster"][0]
    if _cluster(old) != _cluster(new):
        out.append(events.ClusterModified(_cluster(old), _cluster(new)))
    out += [events.SvmCreated(_svm(r)) for r in after["svms"]]
    out += [events.CertificateInstalled(_cert(r)) for r in after["certificates"]]
    out += [events.IpsecCaAdded(_entry(r, after)) for r in after["ipsec_ca_certificates"]]
    out += [events.IpsecPolicyCreated(_policy(r, after)) for r in after["ipsec_policies"]]
    old_config, new_config = _config(before["ipsec_config"][0]), _config(after["ipsec_config"][0])
    if old_config != new_config:
        out.append(events.IpsecConfigModified(old_config, new_config, CAUSE))
    return out


def _policy(r: dict[str, Any], state: dict[str, list[dict[str, Any]]]) -> IpsecPolicyRecord:
    names = {s["uuid"]: s["name"] for s in state["svms"]}
    svm = r.get("svm_uuid")
    return IpsecPolicyRecord(
        r["uuid"],
        r["name"],
        r["scope_key"],
        svm,
        names.get(svm) if svm else None,
        bool(r["enabled"]),
        r["action"],
        r["authentication_method"],
        r.get("certificate_uuid"),
    )


def _config(r: dict[str, Any]) -> IpsecConfigRecord:
    return IpsecConfigRecord(
        bool(r["enabled"]), int(r["replay_window"]), bool(r["offload_enabled"])
    )


def _svm(r: dict[str, Any]) -> SvmRecord:
    return SvmRecord(r["uuid"], r["name"], r.get("comment"), r["language"], r["state"])


def _cert(r: dict[str, Any]) -> CertificateRecord:
    return CertificateRecord(
        r["uuid"],
        r["name"],
        r["type"],
        r["scope_key"],
        r.get("svm_uuid"),
        r.get("common_name"),
        r["serial_number"],
        bool(r["is_ca"]),
    )


def _entry(r: dict[str, Any], state: dict[str, list[dict[str, Any]]]) -> IpsecCaEntry:
    names = {s["uuid"]: s["name"] for s in state["svms"]}
    svm = r.get("svm_uuid")
    return IpsecCaEntry(r["certificate_uuid"], r["scope_key"], svm, names.get(svm) if svm else None)


def _cluster(r: dict[str, Any]) -> ClusterRecord:
    return ClusterRecord(r["uuid"], r["name"], r.get("contact"), r.get("location"))
