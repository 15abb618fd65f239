"""Who may do what, and see what: where a request's account meets the roles.

After authentication the app asks :func:`grant` for the request's access: the role it
acts with and what it sees (:class:`ontap_ipsec.store.visibility.Visibility`). An SVM
account sees its SVM; a cluster account sees the cluster, or one SVM when the request
names it in `X-Dot-SVM-Name` / `X-Dot-SVM-UUID` (ONTAP's SVM tunnelling), acting then
with its role's SVM counterpart. :func:`check` refuses a method the role does not
allow (403, code 6), and :func:`require_visible` makes an instance the caller cannot
see answer exactly as one that does not exist (404, code 4). Reads and scopes honour
the visibility by themselves (store/records.py, domain/scope.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ontap_ipsec.domain import roles
from ontap_ipsec.domain import scope as scopes
from ontap_ipsec.rest import errors
from ontap_ipsec.rest.errors import OntapError
from ontap_ipsec.store.visibility import Visibility

if TYPE_CHECKING:
    from ontap_ipsec.rest.context import Context
    from ontap_ipsec.rest.router import Match

SVM_NAME = "x-dot-svm-name"
SVM_UUID = "x-dot-svm-uuid"
Hint = tuple[str, str] | None


def hint(headers: dict[str, str]) -> Hint:
    """The SVM a request names in its headers, (name, uuid), either may be empty."""
    name, uuid = headers.get(SVM_NAME, "").strip(), headers.get(SVM_UUID, "").strip()
    return (name, uuid) if name or uuid else None


def raw_hint(headers: Iterable[tuple[bytes, bytes]]) -> Hint:
    """:func:`hint` of ASGI headers (the response cache reads them before the app)."""
    found = {}
    for name, value in headers:
        lowered = name.lower()
        if lowered in (b"x-dot-svm-name", b"x-dot-svm-uuid"):
            found[lowered.decode()] = value.decode("latin-1")
    return hint(found) if found else None


def audience(principal: Any, named: Hint) -> tuple[Any, ...]:
    """Everything an answer depends on besides the request and the data: the role and
    what is seen. Cluster accounts of one role share it; an SVM account has its own."""
    svm = principal.svm_uuid
    return (principal.role, svm, principal.name if svm else None, named)


@dataclass(frozen=True)
class Access:
    role: str  # the role the request acts with
    visibility: Visibility


def grant(ctx: Context, principal: Any, headers: dict[str, str]) -> Access:
    named = hint(headers)
    caller = (principal.scope_key, principal.name, principal.role)
    if principal.svm_uuid is not None:
        if named is not None and not _own(ctx, principal, named):
            raise _no_such_svm(named)
        seen = Visibility(principal.svm_uuid, principal.svm_name, principal.name, caller)
        return Access(principal.role, seen)
    if named is None:
        return Access(principal.role, Visibility(caller=caller))
    found = scopes.svm_named(ctx.store, named[0] or None, named[1] or None)
    if found is None:
        raise _no_such_svm(named)
    return Access(roles.as_svm_role(principal.role), Visibility(found[0], found[1], None, caller))


def check(granted: Access, match: Match, method: str) -> None:
    if not roles.allows(granted.role, match.resource.path, method):
        raise OntapError(403, errors.PERMISSION_DENIED, "not authorized for that command")


def require_visible(ctx: Context, granted: Access, match: Match, method: str) -> None:
    """A change of an instance the caller cannot see: 404, as if it did not exist."""
    resource = match.resource
    if (
        not granted.visibility.restricted
        or method == "GET"
        or match.scope == "collection"
        or resource.view is None
        or resource.singleton
    ):
        return
    from ontap_ipsec.rest.reads import fetch_record

    if fetch_record(ctx.store, resource, match.params.get("key")) is None:
        raise errors.not_found(resource.not_found_target)


def _own(ctx: Context, principal: Any, named: tuple[str, str]) -> bool:
    """Whether the SVM a request names is the SVM account's own (by its name now)."""
    found = scopes.svm_named(ctx.store, named[0] or None, named[1] or None)
    return found is not None and found[0] == principal.svm_uuid


def _no_such_svm(named: tuple[str, str]) -> OntapError:
    shown = named[0] or named[1]
    return OntapError(400, errors.INVALID, f'SVM "{shown}" does not exist')


def cluster_only(principal: Any) -> None:
    """What spans every SVM (GET /metrics: the IPsec CA list per scope) is the cluster's
    accounts' to read: an SVM account is refused (403), as for any other path it lacks."""
    if principal is not None and principal.svm_uuid is not None:
        raise OntapError(403, errors.PERMISSION_DENIED, "not authorized for that command")
