"""Accounts: create, change, delete, set a password; the rules ONTAP documents.

An account is owned by the cluster or by an SVM and named uniquely within its owner
(`/api/security/accounts/{owner.uuid}/{name}`). Its password is stored only as a
scrypt hash, never returned, logged or carried by an event. The last unlocked cluster
admin cannot be deleted, locked or given another role (5636098), and no account
deletes itself. The request's caller (:mod:`ontap_ipsec.store.visibility`) decides
whose password a request may set.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from ontap_ipsec.domain import account_rules as rules
from ontap_ipsec.domain import errors, events
from ontap_ipsec.domain.errors import DomainError
from ontap_ipsec.domain.events import AccountRecord, EventBus
from ontap_ipsec.domain.passwords import check_policy, hash_password
from ontap_ipsec.store import accounts as rows
from ontap_ipsec.store import svms as svm_rows
from ontap_ipsec.store import visibility
from ontap_ipsec.store.engine import Store
from ontap_ipsec.store.errors import Conflict
from ontap_ipsec.store.prepared import Tx
from ontap_ipsec.store.tables import CLUSTER_SCOPE

LAST_ADMIN = "5636098"
NO_CHANGES = "262190"


def record(row: Sequence[Any]) -> AccountRecord:
    scope_key, svm_uuid, svm_name, name, role, locked, comment, applications = row[:8]
    return AccountRecord(
        scope_key,
        svm_uuid,
        svm_name,
        name,
        role,
        bool(locked),
        comment,
        rules.from_json(applications),
    )


@dataclass(frozen=True)
class Owner:
    scope_key: str
    svm_uuid: str | None
    svm_name: str | None

    @property
    def scope(self) -> str:
        return "cluster" if self.svm_uuid is None else "svm"


_CLUSTER = Owner(CLUSTER_SCOPE, None, None)


def _not_found() -> DomainError:
    return errors.not_found("name")


class Accounts:
    def __init__(self, store: Store, bus: EventBus) -> None:
        self.store = store
        self.bus = bus

    # -- owners -----------------------------------------------------------------------

    def _owner_by_uuid(self, tx: Tx, owner_uuid: str) -> Owner | None:
        """The owner an instance path names: the cluster's uuid or a visible SVM's."""
        cluster_uuid, _ = tx.first(rows.CLUSTER_IDENTITY, {})
        seen = visibility.current()
        if owner_uuid == cluster_uuid:
            return None if seen.restricted else _CLUSTER
        if seen.restricted and owner_uuid != seen.svm_uuid:
            return None
        found = tx.first(svm_rows.by_reference(True, False), {"uuid": owner_uuid, "name": None})
        return None if found is None else Owner(found[0], found[0], found[1])

    def _owner_named(self, tx: Tx, name: str | None, uuid: str | None) -> Owner:
        """The owner a body names (`owner.name`, `owner.uuid`): the cluster when it names
        nothing or the cluster, else an SVM, which must exist (and be visible)."""
        cluster_uuid, cluster_name = tx.first(rows.CLUSTER_IDENTITY, {})
        seen = visibility.current()
        if name is None and uuid is None:
            if seen.restricted:
                return Owner(seen.svm_uuid or "", seen.svm_uuid, seen.svm_name)
            return _CLUSTER
        if (
            not seen.restricted
            and (name in (None, cluster_name))
            and (uuid in (None, cluster_uuid))
            and (name == cluster_name or uuid == cluster_uuid)
        ):
            return _CLUSTER
        found = tx.first(
            svm_rows.by_reference(uuid is not None, name is not None), {"uuid": uuid, "name": name}
        )
        if found is None or (seen.restricted and found[0] != seen.svm_uuid):
            target = "owner.name" if name is not None else "owner.uuid"
            shown = name if name is not None else uuid
            raise DomainError(errors.INVALID, f'SVM "{shown}" does not exist', target=target)
        return Owner(found[0], found[0], found[1])

    def _one(self, tx: Tx, owner_uuid: str, name: str) -> tuple[Owner, Sequence[Any]]:
        owner = self._owner_by_uuid(tx, owner_uuid)
        if owner is None:
            raise _not_found()
        row = tx.first(rows.ONE, {"scope": owner.scope_key, "name": name})
        seen = visibility.current()
        if row is None or (seen.account is not None and name != seen.account):
            raise _not_found()
        return owner, row

    # -- changes ----------------------------------------------------------------------

    def create(self, body: dict[str, Any]) -> AccountRecord:
        """POST /api/security/accounts: `name`, `applications` (required), `owner`,
        `role.name`, `password`, `locked`, `comment`."""
        name = rules.check_name(body.get("name"))
        tuples = rules.check_applications(body.get("applications"))
        password = body.get("password")
        self._check_password(name, password, tuples)
        hashed = hash_password(password) if password is not None else None
        with self.store.transaction() as tx:
            owner = self._owner_named(tx, body.get("owner.name"), body.get("owner.uuid"))
            if body.get("scope") is not None and body["scope"] != owner.scope:
                raise DomainError(
                    errors.FIELDS_DISAGREE,
                    f'Field "scope" is "{body["scope"]}", but the owner is '
                    + ("the cluster." if owner.svm_uuid is None else f'SVM "{owner.svm_name}".'),
                    target="scope",
                )
            role = rules.check_role(body.get("role.name"), owner.scope)
            if tx.first(rows.ONE, {"scope": owner.scope_key, "name": name}) is not None:
                raise errors.duplicate("name")
            locked = bool(body.get("locked") or False)
            comment = body.get("comment")
            values: dict[str, Any] = {
                "scope": owner.scope_key,
                "svm": owner.svm_uuid,
                "name": name,
                "password_hash": hashed,
                "role": role,
                "locked": locked,
                "comment": comment,
                "applications": rules.to_json(tuples),
            }
            try:
                tx.run(rows.INSERT, values)
            except Conflict:
                raise errors.duplicate("name") from None
        made = AccountRecord(
            owner.scope_key,
            owner.svm_uuid,
            owner.svm_name,
            name,
            role,
            locked,
            comment,
            tuples,
        )
        self.bus.publish([events.AccountCreated(made)])
        return made

    def modify(self, owner_uuid: str, name: str, changes: dict[str, Any]) -> AccountRecord:
        """PATCH: `role.name`, `locked`, `comment`, `applications`, `password`."""
        if not changes:
            raise DomainError(
                NO_CHANGES, "You must provide one or more values to apply your changes."
            )
        hashed = None
        if isinstance(changes.get("password"), str):  # hashed outside the write lock
            check_policy(name, changes["password"])
            hashed = hash_password(changes["password"])
        with self.store.transaction() as tx:
            owner, row = self._one(tx, owner_uuid, name)
            old = record(row)
            new = old
            columns: dict[str, Any] = {}
            if "role.name" in changes:
                role = rules.check_role(changes["role.name"], owner.scope)
                new, columns["role"] = replace(new, role=role), role
            if "locked" in changes:
                locked = bool(changes["locked"])
                new, columns["locked"] = replace(new, locked=locked), locked
                columns["failed_logins"], columns["locked_until"] = 0, None  # a lockout too
            if "comment" in changes:
                new, columns["comment"] = (
                    replace(new, comment=changes["comment"]),
                    changes["comment"],
                )
            if "applications" in changes:
                tuples = rules.check_applications(changes["applications"])
                new = replace(new, applications=tuples)
                columns["applications"] = rules.to_json(tuples)
            password = changes.get("password")
            has_password = row[8] is not None or password is not None
            if "password" in changes:
                self._check_password(name, password, new.applications)
                columns["password_hash"] = hashed
            elif (
                "applications" in changes
                and rules.by_password(new.applications)
                and not has_password
            ):
                raise errors.invalid_value(
                    "password", None, "an account that logs in by password needs one"
                )
            self._keep_an_admin(tx, old, new)
            cols = tuple(sorted(columns))
            values = {f"new_{c}": columns[c] for c in cols}
            tx.run(rows.update(cols), {"scope": owner.scope_key, "name": name, **values})
        self.bus.publish([events.AccountModified(old, new, "password" in changes)])
        return new

    def delete(self, owner_uuid: str, name: str) -> AccountRecord:
        with self.store.transaction() as tx:
            owner, row = self._one(tx, owner_uuid, name)
            gone = record(row)
            if self._last_admin(tx, gone):
                raise DomainError(
                    LAST_ADMIN, "Last unlocked account that has an admin role cannot be deleted."
                )
            caller = visibility.current().caller
            if caller is not None and caller[:2] == (owner.scope_key, name):
                raise DomainError(
                    errors.INVALID,
                    "An account cannot delete itself: delete it as another admin.",
                    target="name",
                )
            tx.run(rows.DELETE, {"scope": owner.scope_key, "name": name})
        self.bus.publish([events.AccountDeleted(gone)])
        return gone

    def change_password(
        self, name: str, password: Any, owner_name: str | None, owner_uuid: str | None
    ) -> AccountRecord:
        """POST /api/security/authentication/password: an account's own password, or any
        account's for a cluster admin. The owner may be left out for one's own account."""
        seen = visibility.current()
        caller = seen.caller
        # hashed outside the write lock; the rules are applied once the caller may set it
        hashed = hash_password(password) if isinstance(password, str) and password else None
        with self.store.transaction() as tx:
            if (
                owner_name is None
                and owner_uuid is None
                and caller is not None
                and (caller[1] == name)
            ):
                scope_key = caller[0]
            else:
                scope_key = self._owner_named(tx, owner_name, owner_uuid).scope_key
            row = tx.first(rows.ONE, {"scope": scope_key, "name": name})
            mine = caller is not None and caller[:2] == (scope_key, name)
            admin = caller is not None and caller[2] == "admin" and not seen.restricted
            if row is None or not (mine or admin):
                if row is not None and not seen.restricted:  # it is listed to them
                    raise DomainError("6", "not authorized for that command", kind="forbidden")
                raise _not_found()
            old = record(row)
            self._check_password(name, password, old.applications, required=True)
            tx.run(
                rows.update(("password_hash",)),
                {"scope": scope_key, "name": name, "new_password_hash": hashed},
            )
        self.bus.publish([events.AccountModified(old, old, True)])
        return old

    def set_server_password(self, name: str, password: str, role: str = "admin") -> None:
        """`ontap-ipsec passwd`: make the cluster account `name` (http and console by
        password) or set its password and role. No password rule: the operator's choice."""
        if role not in ("admin", "readonly"):
            raise ValueError("role must be one of admin, readonly")
        if not password:
            raise ValueError("the password is empty")
        rules.check_name(name)
        hashed = hash_password(password)
        key = {"scope": CLUSTER_SCOPE, "name": name}
        with self.store.transaction() as tx:
            row = tx.first(rows.ONE, key)
            if row is None:
                tx.run(
                    rows.INSERT_SERVER,
                    {
                        **key,
                        "password_hash": hashed,
                        "role": role,
                        "applications": rules.to_json(rules.LEGACY),
                    },
                )
            else:
                tx.run(
                    rows.update(("password_hash", "role")),
                    {**key, "new_password_hash": hashed, "new_role": role},
                )
            after = tx.first(rows.ONE, key)
        made = record(after)
        if row is None:
            self.bus.publish([events.AccountCreated(made)])
        else:
            self.bus.publish([events.AccountModified(record(row), made, True)])

    def of_svm(self, tx: Tx, svm_uuid: str) -> list[AccountRecord]:
        """The accounts an SVM owns (that its delete removes)."""
        return [record(r) for r in tx.rows(rows.OF_SVM, {"svm": svm_uuid})]

    # -- rules ------------------------------------------------------------------------

    @staticmethod
    def _check_password(
        name: str, password: Any, tuples: rules.Tuples, *, required: bool = False
    ) -> None:
        if password is None:
            if required or rules.by_password(tuples):
                raise errors.invalid_value(
                    "password", None, "an account that logs in by password needs one"
                )
            return
        if not isinstance(password, str):
            raise DomainError("262185", "The password must be a string.", target="password")
        if not required and not rules.by_password(tuples):
            raise DomainError(
                "262185",
                "A password is set only for an account with an application that "
                "authenticates by password.",
                target="password",
            )
        check_policy(name, password)

    @staticmethod
    def _last_admin(tx: Tx, account: AccountRecord) -> bool:
        """Whether `account` is the last unlocked cluster admin that can log in."""
        if account.scope_key != CLUSTER_SCOPE or account.role != "admin" or account.locked:
            return False
        return int(tx.first(rows.OTHER_ADMINS, {"name": account.name})[0]) == 0

    def _keep_an_admin(self, tx: Tx, old: AccountRecord, new: AccountRecord) -> None:
        if (new.locked or new.role != "admin") and self._last_admin(tx, old):
            raise DomainError(
                LAST_ADMIN,
                "Last unlocked account that has an admin role cannot be locked or given "
                "another role.",
            )
