"""Certificates: install or create, sign a CSR, delete one that nothing uses.

The X.509 work (parsing, validating, generating keys) is the rules' in
:mod:`ontap_ipsec.domain.certificates`, imported on first use so that a start
that installs nothing does not load it. Private keys are encrypted with the
data dir's key before they reach the store, and never leave it but to sign.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import orjson

from ontap_ipsec.domain import certificate_types as kinds
from ontap_ipsec.domain import errors, events
from ontap_ipsec.domain import scope as scopes
from ontap_ipsec.domain.clock import naive_utc
from ontap_ipsec.domain.errors import DomainError
from ontap_ipsec.domain.events import CertificateRecord, EventBus
from ontap_ipsec.store import certificates as rows
from ontap_ipsec.store import ipsec_ca as ipsec_rows
from ontap_ipsec.store.engine import Store
from ontap_ipsec.store.errors import Conflict
from ontap_ipsec.store.prepared import Tx

if TYPE_CHECKING:
    from ontap_ipsec.domain.pki import KeyVault

IN_USE = "52560272"
SAN_KINDS = ("dns", "email", "ip", "uri")


def certificate_record(row: Any) -> CertificateRecord:
    uuid_, name, type_, scope_key, svm_uuid, common_name, serial, is_ca = row
    return CertificateRecord(
        uuid_, name, type_, scope_key, svm_uuid, common_name, serial, bool(is_ca)
    )


def in_use() -> DomainError:
    return DomainError(
        IN_USE,
        "The certificate could not be removed due to being in use by one or more subsystems.",
        target="uuid",
    )


class Certificates:
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

    def install(self, fields: dict[str, Any], ref: scopes.ScopeRef) -> CertificateRecord:
        """Install the certificate `fields` give (`public_certificate`, with its key and
        chain), or create a self-signed one from them, in the scope `ref` names.

        `fields` are the certificate's fields by their ONTAP names (dotted)."""
        from ontap_ipsec.domain import certificates as rules  # X.509: imported on first use

        now = self.now()
        prepared = rules.prepare(fields, now=now)
        info = prepared.info
        cert_uuid = str(uuid.uuid4())
        name = fields.get("name")
        if name is None:
            name = rules.default_name(info)
        elif not name.strip():
            raise errors.invalid_value("name", name, "a name cannot be empty")
        key_token = self.vault().encrypt(prepared.private_key) if prepared.private_key else None
        sans = info.subject_alternatives
        with self.store.transaction() as tx:
            scope = scopes.resolve(tx, ref)
            _refuse_duplicates(tx, scope.key, name, prepared.issuer_serial)
            values = {
                "uuid": cert_uuid,
                "name": name,
                "svm_uuid": scope.svm_uuid,
                "scope_key": scope.key,
                "type": fields["type"],
                "common_name": info.common_name,
                "serial_number": info.serial_number,
                "ca": info.ca,
                "not_before": naive_utc(info.not_before),
                "expiry_time": naive_utc(info.expiry_time),
                "hash_function": info.hash_function,
                "key_type": info.key_type,
                "key_size": info.key_size,
                "subject_key_identifier": info.subject_key_identifier,
                "authority_key_identifier": info.authority_key_identifier,
                **{f"san_{k}": _json_list(sans.get(k)) for k in SAN_KINDS},
                "public_certificate": info.pem,
                "private_key": key_token,
                "intermediate_certificates": _json_list(prepared.intermediates),
                "is_ca": info.is_ca,
                "issuer_serial": prepared.issuer_serial,
                "created": naive_utc(now),
            }
            try:
                tx.run(rows.INSERT, values)
            except Conflict:
                raise self._duplicate_after_race(scope.key, name, prepared.issuer_serial) from None
            tx.run_many(
                rows.INSERT_SAN,
                [
                    {"certificate_uuid": cert_uuid, "kind": k, "value": v}
                    for k in SAN_KINDS
                    for v in dict.fromkeys(sans.get(k, []))
                ],
            )
        installed = CertificateRecord(
            cert_uuid,
            name,
            fields["type"],
            scope.key,
            scope.svm_uuid,
            info.common_name,
            info.serial_number,
            bool(info.is_ca),
        )
        self.bus.publish([events.CertificateInstalled(installed)])
        return installed

    def _duplicate_after_race(self, scope_key: str, name: str, issuer_serial: str) -> Exception:
        """A concurrent install won the unique constraint: say which one it broke."""
        target = _duplicate_target(self.store, scope_key, name, issuer_serial)
        return errors.duplicate(target or "uuid")

    def delete(self, cert_uuid: str) -> CertificateRecord:
        """Delete a certificate that IPsec does not list."""
        with self.store.transaction() as tx:
            found = tx.first(rows.RECORD, {"uuid": cert_uuid})
            if found is None:
                raise errors.not_found("uuid")
            if tx.first(ipsec_rows.USED, {"uuid": cert_uuid}) is not None:
                raise in_use()
            try:
                tx.run(rows.DELETE_SANS, {"uuid": cert_uuid})
                tx.run(rows.DELETE, {"uuid": cert_uuid})
            except Conflict:  # listed by a concurrent add: the database said no
                raise in_use() from None
        deleted = certificate_record(found)
        self.bus.publish([events.CertificateDeleted(deleted)])
        return deleted

    def sign(
        self,
        cert_uuid: str,
        signing_request: str,
        *,
        expiry_time: str | None = None,
        hash_function: str | None = None,
    ) -> str:
        """Sign a CSR with a root_ca certificate whose private key is held here; the
        signed certificate's PEM. Nothing is stored."""
        row = self.store.first(rows.SIGNER, {"uuid": cert_uuid})
        if row is None:
            raise errors.not_found("uuid")
        cert_type, ca_pem, key_token = row
        if cert_type != "root_ca" or key_token is None:
            raise DomainError(
                errors.INVALID,
                "Only a root_ca certificate whose private key is installed can sign a "
                "certificate signing request.",
                target="uuid",
            )
        from ontap_ipsec.domain import pki, x509  # imported on first use

        now = self.now()
        expiry = kinds.DEFAULT_EXPIRY if expiry_time is None else expiry_time
        return pki.sign_csr(
            ca_cert_pem=ca_pem,
            ca_key_pem=self.vault().decrypt(key_token),
            csr_pem=signing_request,
            not_after=x509.parse_expiry(expiry, now=now, range_code=pki.EXPIRY_OUT_OF_RANGE),
            now=now,
            hash_function=hash_function or kinds.DEFAULT_HASH,
            clamp=expiry_time is None,
        )


def generate_csr(fields: dict[str, Any]) -> tuple[str, str]:
    """A new key pair and a CSR for it, from the fields of a certificate-signing-request POST
    (by their ONTAP names, dotted); (CSR PEM, private key PEM). Nothing is stored."""
    from ontap_ipsec.domain import csr  # X.509: imported on first use

    sans = {
        k[len("subject_alternatives.") :]: v
        for k, v in fields.items()
        if k.startswith("subject_alternatives.") and v
    }
    made = csr.generate(
        subject_name=fields.get("subject_name"),
        subject_alternatives=sans,
        security_strength=fields.get("security_strength"),
        hash_function=fields.get("hash_function"),
        algorithm=fields.get("algorithm"),
        key_usages=fields.get("key_usages"),
        extended_key_usages=fields.get("extended_key_usages"),
    )
    return made.csr, made.private_key


def _json_list(values: list[str] | None) -> str | None:
    return orjson.dumps(values).decode() if values else None


def _refuse_duplicates(tx: Tx, scope_key: str, name: str, issuer_serial: str) -> None:
    target = _duplicate_target(tx, scope_key, name, issuer_serial)
    if target is not None:
        raise errors.duplicate(target)


def _duplicate_target(tx: Tx | Store, scope_key: str, name: str, issuer_serial: str) -> str | None:
    """`uuid` when the same certificate is in the scope, `name` when the name is taken."""
    same = tx.first(
        rows.SAME_IN_SCOPE, {"scope": scope_key, "name": name, "issuer_serial": issuer_serial}
    )
    if same is None:
        return None
    return "uuid" if same[1] == issuer_serial else "name"
