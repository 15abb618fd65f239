"""SVMs: create; rename, comment, change the language of, start or stop; delete with all
they own.

ONTAP runs these as jobs; the job is recorded in the change's own transaction.
Deleting an SVM deletes its IPsec policies, its certificates and their IPsec entries
with it, and publishes an event for each, so a subscriber never has to know the cascade.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ontap_ipsec.domain import errors, events
from ontap_ipsec.domain.backends.ipsec_ca import entry
from ontap_ipsec.domain.backends.jobs import Jobs
from ontap_ipsec.domain.clock import naive_utc
from ontap_ipsec.domain.errors import DomainError
from ontap_ipsec.domain.events import Event, EventBus, SvmRecord
from ontap_ipsec.domain.languages import LANGUAGES
from ontap_ipsec.store import accounts as account_rows
from ontap_ipsec.store import certificates as cert_rows
from ontap_ipsec.store import ipsec_ca as ipsec_rows
from ontap_ipsec.store import ipsec_policies as policy_rows
from ontap_ipsec.store import svms as rows
from ontap_ipsec.store.engine import Store
from ontap_ipsec.store.prepared import Tx

NAME_RULE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]{0,46}$")
DEFAULT_IPSPACE = "Default"
DEFAULT_SNAPSHOT_POLICY = "default"
DEFAULT_LANGUAGE = "c.utf_8"
NO_CHANGES = "262190"
NAME_TAKEN = "13434908"  # Terraform's SVM acceptance test expects it for a name in use
NAME_TOO_LONG = "13434911"
MAX_NAME = 47
PATCHABLE_STATES = ("running", "stopped")


@dataclass(frozen=True)
class Done:
    """A change that runs as a job: the object it concerns, its job and the job's state
    (``success`` when the change is made, ``queued`` until the job ends, or ``failure``)."""

    uuid: str
    job_uuid: str
    state: str = "success"


def check_name(name: Any) -> str:
    if isinstance(name, str) and len(name) > MAX_NAME:
        raise DomainError(
            NAME_TOO_LONG,
            f"The SVM name is too long: at most {MAX_NAME} characters are supported.",
            target="name",
        )
    if not isinstance(name, str) or not NAME_RULE.match(name):
        raise errors.invalid_value(
            "name",
            name,
            "it must start with a letter or '_', hold only letters, digits, '_', '.', '-', "
            "and be at most 47 characters",
        )
    return name


def name_taken(name: str) -> DomainError:
    return DomainError(
        NAME_TAKEN,
        f'Duplicate SVM name "{name}": an SVM or the cluster already has it.',
        target="name",
        kind="conflict",
    )


def check_language(language: Any) -> str:
    """ONTAP's form of a language code: "en.UTF-8" is stored as "en.utf_8"; a code ONTAP's
    schema does not list is refused."""
    if not isinstance(language, str):
        raise errors.invalid_value("language", language)
    normal = language.lower().replace("-", "_")
    if normal not in LANGUAGES:
        raise errors.invalid_value("language", language, "not a language code of ONTAP's")
    return normal


def record(row: Any) -> SvmRecord:
    return SvmRecord(row[0], row[1], row[2], row[3], row[4])


class Svms:
    """The SVM rules. Each change runs as a job (:mod:`.jobs`): the request checks what it
    can and starts the job; the change itself is an applier, run when the job succeeds
    (at once with the default progression), which checks again what may have changed."""

    def __init__(
        self, store: Store, bus: EventBus, now: Callable[[], datetime], jobs: Jobs
    ) -> None:
        self.store = store
        self.bus = bus
        self.now = now
        self.jobs = jobs
        jobs.appliers.update(
            {"svm.create": _apply_create, "svm.modify": _apply_modify, "svm.delete": _apply_delete}
        )

    def create(
        self,
        name: Any,
        *,
        language: str | None = None,
        comment: str | None = None,
        ipspace_name: str | None = None,
        ipspace_uuid: str | None = None,
        test_id: str | None = None,
    ) -> Done:
        name = check_name(name)
        language = check_language(language or DEFAULT_LANGUAGE)
        now = naive_utc(self.now())
        with self.store.transaction() as tx:
            home = tx.first(rows.HOME, {})
            if ipspace_name not in (None, DEFAULT_IPSPACE):
                raise errors.invalid_value(
                    "ipspace.name", ipspace_name, f'only "{DEFAULT_IPSPACE}" exists'
                )
            if ipspace_uuid not in (None, home[0]):
                raise errors.invalid_value(
                    "ipspace.uuid", ipspace_uuid, f'only the "{DEFAULT_IPSPACE}" IPspace exists'
                )
            if _name_taken(tx, name):
                raise name_taken(name)
            svm_uuid = str(uuid.uuid4())
            values = {
                "uuid": svm_uuid,
                "name": name,
                "comment": comment,
                "language": language,
                "state": "running",
                "subtype": "default",
                "ipspace_name": DEFAULT_IPSPACE,
                "ipspace_uuid": home[0],
                "snapshot_policy_name": DEFAULT_SNAPSHOT_POLICY,
                "snapshot_policy_uuid": home[1],
                "created": now.isoformat(),
            }
            started = self.jobs.start(
                tx,
                "POST",
                "/api/svm/svms",
                {"op": "svm.create", "values": values},
                test_id=test_id,
                svm_uuid=svm_uuid,
                svm_name=name,
            )
        self.jobs.committed(started)
        return Done(svm_uuid, started.uuid, started.state)

    def modify(self, svm_uuid: str, changes: dict[str, Any], *, test_id: str | None = None) -> Done:
        """Rename an SVM, change its comment or language, start or stop it (`changes`: any
        of name, comment, language, state)."""
        if not changes:
            raise DomainError(
                NO_CHANGES, "You must provide one or more values to apply your changes."
            )
        changes = dict(changes)
        if "name" in changes:
            if changes["name"] is None:
                raise errors.invalid_value("name", None)
            check_name(changes["name"])
        if "language" in changes:
            changes["language"] = check_language(changes["language"])
        if "state" in changes and changes["state"] not in PATCHABLE_STATES:
            raise errors.invalid_value(
                "state", changes["state"], "an SVM is started (running) or stopped (stopped)"
            )
        with self.store.transaction() as tx:
            old = _modifiable(tx, svm_uuid, changes)
            started = self.jobs.start(
                tx,
                "PATCH",
                f"/api/svm/svms/{svm_uuid}",
                {"op": "svm.modify", "uuid": svm_uuid, "changes": changes},
                test_id=test_id,
                svm_uuid=svm_uuid,
                svm_name=changes.get("name", old.name),
            )
        self.jobs.committed(started)
        return Done(svm_uuid, started.uuid, started.state)

    def delete(self, svm_uuid: str, *, test_id: str | None = None) -> Done:
        """Delete an SVM, its IPsec policies, its certificates and their IPsec entries."""
        with self.store.transaction() as tx:
            current = tx.first(rows.RECORD, {"uuid": svm_uuid})
            if current is None:
                raise errors.not_found("uuid")
            started = self.jobs.start(
                tx,
                "DELETE",
                f"/api/svm/svms/{svm_uuid}",
                {"op": "svm.delete", "uuid": svm_uuid},
                test_id=test_id,
                svm_uuid=svm_uuid,
                svm_name=current[1],
            )
        self.jobs.committed(started)
        return Done(svm_uuid, started.uuid, started.state)


def _modifiable(tx: Tx, svm_uuid: str, changes: dict[str, Any]) -> SvmRecord:
    current = tx.first(rows.RECORD, {"uuid": svm_uuid})
    if current is None:
        raise errors.not_found("uuid")
    if "name" in changes and _name_taken(tx, changes["name"], other_than=svm_uuid):
        raise name_taken(changes["name"])
    return record(current)


def _apply_create(tx: Tx, payload: dict[str, Any]) -> list[Event]:
    values = dict(payload["values"])
    if _name_taken(tx, values["name"]):
        raise name_taken(values["name"])
    values["created"] = datetime.fromisoformat(values["created"])
    tx.run(rows.INSERT, values)
    created = SvmRecord(
        values["uuid"], values["name"], values["comment"], values["language"], values["state"]
    )
    return [events.SvmCreated(created)]


def _apply_modify(tx: Tx, payload: dict[str, Any]) -> list[Event]:
    svm_uuid, changes = payload["uuid"], payload["changes"]
    old = _modifiable(tx, svm_uuid, changes)
    columns = tuple(sorted(changes))
    tx.run(rows.update(columns), {"uuid": svm_uuid, **{f"new_{c}": changes[c] for c in columns}})
    new = SvmRecord(
        old.uuid,
        changes.get("name", old.name),
        changes.get("comment", old.comment),
        changes.get("language", old.language),
        changes.get("state", old.state),
    )
    return [events.SvmModified(old, new)]


def _apply_delete(tx: Tx, payload: dict[str, Any]) -> list[Event]:
    svm_uuid = payload["uuid"]
    current = tx.first(rows.RECORD, {"uuid": svm_uuid})
    if current is None:
        raise errors.not_found("uuid")
    gone = owned_by(tx, svm_uuid)
    for statement in rows.OWNED_DELETES:
        tx.run(statement, {"svm": svm_uuid})
    tx.run(rows.DELETE, {"uuid": svm_uuid})
    return [*gone, events.SvmDeleted(record(current))]


def owned_by(tx: Tx, svm_uuid: str, cause: str = "svm_deleted") -> list[Event]:
    """The removal events of everything an SVM owns, in the order it goes."""
    from ontap_ipsec.domain.backends.accounts import record as account_record
    from ontap_ipsec.domain.backends.certificates import certificate_record
    from ontap_ipsec.domain.backends.ipsec_policies import policy_record

    out: list[Event] = [
        events.IpsecPolicyDeleted(policy_record(row), cause)
        for row in tx.rows(policy_rows.OF_SVM, {"svm": svm_uuid})
    ]
    out += [
        events.IpsecCaRemoved(entry(row), cause)
        for row in tx.rows(ipsec_rows.OF_SVM, {"svm": svm_uuid})
    ]
    out += [
        events.CertificateDeleted(certificate_record(row), cause)
        for row in tx.rows(cert_rows.OF_SVM, {"svm": svm_uuid})
    ]
    out += [
        events.AccountDeleted(account_record(row), cause)
        for row in tx.rows(account_rows.OF_SVM, {"svm": svm_uuid})
    ]
    return out


def _name_taken(tx: Tx, name: str, *, other_than: str | None = None) -> bool:
    if tx.first(rows.NAME_TAKEN, {"name": name, "other": other_than or ""}) is not None:
        return True
    return tx.first(rows.CLUSTER_NAMED, {"name": name}) is not None
