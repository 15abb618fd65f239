"""What the caller of a request may see: everything, or one SVM's objects.

ONTAP shows an SVM account (and a cluster account tunnelling into an SVM with
`X-Dot-SVM-Name`/`X-Dot-SVM-UUID`) only what that SVM owns: the rest is not there,
neither in collections nor in counts, next links or instance paths. The app sets
the visibility of the request being handled (:func:`active`) once it knows who sent
it; every read of a declared resource (:mod:`ontap_ipsec.store.records`) and every
scope a change names (:func:`ontap_ipsec.domain.scope.resolve`) honours it, so that
no handler checks anything of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa


@dataclass(frozen=True)
class Visibility:
    """None: the whole cluster. Otherwise the SVM whose objects alone are seen and, for
    an SVM account, its own name (it sees no other account, even of its SVM)."""

    svm_uuid: str | None = None
    svm_name: str | None = None
    account: str | None = None
    # who is asking (scope key, account name, role acted with), for the rules about
    # oneself (an account's own password, deleting oneself); not part of what is seen
    caller: tuple[str, str, str] | None = None

    @property
    def restricted(self) -> bool:
        return self.svm_uuid is not None

    def values(self) -> dict[str, Any]:
        return {"vis_svm": self.svm_uuid, "vis_account": self.account}

    @property
    def shape(self) -> tuple[bool, bool]:
        """What the SQL of a read depends on (the values are bound)."""
        return (self.restricted, self.account is not None)


EVERYTHING = Visibility()
_CURRENT: ContextVar[Visibility] = ContextVar("ontap_visibility", default=EVERYTHING)


def current() -> Visibility:
    return _CURRENT.get()


@contextmanager
def active(visibility: Visibility) -> Iterator[None]:
    token = _CURRENT.set(visibility)
    try:
        yield
    finally:
        _CURRENT.reset(token)


def svm_param() -> Any:
    return sa.bindparam("vis_svm", value=None, type_=sa.String())


def account_param() -> Any:
    return sa.bindparam("vis_account", value=None, type_=sa.String())


def condition(view: Any, visibility: Visibility) -> Any:
    """The SQL condition of what `visibility` lets a read of `view` see."""
    if not visibility.restricted:
        return sa.true()
    seen = getattr(view, "svm_visible", None)
    if seen is None:  # a view of cluster objects only: none is seen
        return sa.false()
    return seen(visibility.account is not None)
