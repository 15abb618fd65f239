"""Change events: what changed, published after its transaction committed.

Every backend publishes the events of a change once its transaction is
committed, never before and never for one rolled back, so a subscriber (a
strongSwan driver, metrics, a request journal) sees only what the database
holds. Events are plain frozen records with the old and new values; they are
delivered in order, synchronously, on the thread that made the change. A
subscriber that fails is logged and skipped: a change that is committed stays
committed, and the other subscribers still hear of it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("ontap_ipsec.events")


@dataclass(frozen=True)
class IpsecCaEntry:
    """An entry of the IPsec CA list: an installed CA certificate of one scope."""

    certificate_uuid: str
    scope_key: str  # the SVM's uuid, or "cluster"
    svm_uuid: str | None
    svm_name: str | None


@dataclass(frozen=True)
class IpsecCaAdded:
    entry: IpsecCaEntry


@dataclass(frozen=True)
class IpsecCaRemoved:
    entry: IpsecCaEntry
    cause: str = "request"  # "request", "svm_deleted" or "reset"


@dataclass(frozen=True)
class CertificateRecord:
    uuid: str
    name: str
    type: str
    scope_key: str
    svm_uuid: str | None
    common_name: str | None
    serial_number: str
    is_ca: bool


@dataclass(frozen=True)
class CertificateInstalled:
    certificate: CertificateRecord


@dataclass(frozen=True)
class CertificateDeleted:
    certificate: CertificateRecord
    cause: str = "request"


@dataclass(frozen=True)
class SvmRecord:
    uuid: str
    name: str
    comment: str | None
    language: str
    state: str


@dataclass(frozen=True)
class SvmCreated:
    svm: SvmRecord


@dataclass(frozen=True)
class SvmModified:
    old: SvmRecord
    new: SvmRecord


@dataclass(frozen=True)
class SvmDeleted:
    svm: SvmRecord
    cause: str = "request"


@dataclass(frozen=True)
class ClusterRecord:
    uuid: str
    name: str
    contact: str | None
    location: str | None


@dataclass(frozen=True)
class ClusterModified:
    old: ClusterRecord
    new: ClusterRecord


@dataclass(frozen=True)
class IpsecPolicyRecord:
    """What an event says of an IPsec policy: never its keys (a daemon reads the policy,
    decrypted, with `IpsecPolicies.connections_of`)."""

    uuid: str
    name: str
    scope_key: str  # the SVM's uuid, or "cluster"
    svm_uuid: str | None
    svm_name: str | None
    enabled: bool
    action: str
    authentication_method: str
    certificate_uuid: str | None


@dataclass(frozen=True)
class IpsecPolicyCreated:
    policy: IpsecPolicyRecord


@dataclass(frozen=True)
class IpsecPolicyModified:
    old: IpsecPolicyRecord
    new: IpsecPolicyRecord


@dataclass(frozen=True)
class IpsecPolicyDeleted:
    policy: IpsecPolicyRecord
    cause: str = "request"  # "request", "svm_deleted" or "reset"


@dataclass(frozen=True)
class IpsecConfigRecord:
    """The cluster's IPsec configuration (`/api/security/ipsec`)."""

    enabled: bool
    replay_window: int  # packets; 0: anti-replay off
    offload_enabled: bool


@dataclass(frozen=True)
class IpsecConfigModified:
    old: IpsecConfigRecord
    new: IpsecConfigRecord
    cause: str = "request"  # "request" or "reset"


@dataclass(frozen=True)
class AccountRecord:
    """What an event says of an account: never its password nor its hash."""

    scope_key: str  # the owning SVM's uuid, or "cluster"
    svm_uuid: str | None
    svm_name: str | None
    name: str
    role: str
    locked: bool
    comment: str | None
    applications: tuple[tuple[str, tuple[str, ...], str], ...]  # (app, methods, second)


@dataclass(frozen=True)
class AccountCreated:
    account: AccountRecord


@dataclass(frozen=True)
class AccountModified:
    old: AccountRecord
    new: AccountRecord
    password_changed: bool = False


@dataclass(frozen=True)
class AccountDeleted:
    account: AccountRecord
    cause: str = "request"  # "request", "svm_deleted" or "reset"


Event = (
    IpsecCaAdded
    | IpsecCaRemoved
    | CertificateInstalled
    | CertificateDeleted
    | SvmCreated
    | SvmModified
    | SvmDeleted
    | ClusterModified
    | IpsecPolicyCreated
    | IpsecPolicyModified
    | IpsecPolicyDeleted
    | IpsecConfigModified
    | AccountCreated
    | AccountModified
    | AccountDeleted
)
Subscriber = Callable[[Event], Any]


class EventBus:
    """The app's subscribers, each with the event types it wants (all if none)."""

    def __init__(self) -> None:
        self._subscribers: list[tuple[Subscriber, tuple[type, ...] | None]] = []
        self._lock = threading.Lock()

    def subscribe(self, subscriber: Subscriber, *kinds: type) -> Callable[[], None]:
        """Register `subscriber`; the returned function unregisters it."""
        entry = (subscriber, kinds or None)
        with self._lock:
            self._subscribers = [*self._subscribers, entry]

        def unsubscribe() -> None:
            with self._lock:
                self._subscribers = [s for s in self._subscribers if s is not entry]

        return unsubscribe

    @property
    def listened(self) -> bool:
        """Whether anyone subscribes: a change may skip gathering what nobody hears."""
        return bool(self._subscribers)

    def publish(self, events: Iterable[Event]) -> None:
        subscribers = self._subscribers  # replaced, never mutated: safe to iterate
        if not subscribers:
            return
        for event in events:
            for subscriber, kinds in subscribers:
                if kinds is not None and not isinstance(event, kinds):
                    continue
                try:
                    subscriber(event)
                except Exception:  # noqa: BLE001 - one subscriber must not undo a commit
                    log.exception("subscriber %r failed on %s", subscriber, type(event).__name__)
