"""What each attached daemon must trust, read from the database at every pass.

A daemon is attached by a name (`--strongswan vs1=...`); the name is resolved to a
scope key at each pass, so an SVM created after the start, renamed, or deleted and
made again is followed without a restart. A name that resolves to nothing wants
nothing: its daemon keeps none of our authorities. Each change of what a name
resolves to is logged once; the first resolution of a name that names nothing is the
warning at start.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Mapping, Sequence

from ontap_ipsec.domain.backends.ipsec_ca import IpsecCaList
from ontap_ipsec.domain.backends.ipsec_policies import IpsecPolicies
from ontap_ipsec.domain.scope import key_named
from ontap_ipsec.store.engine import Store

from .connections import Loadable, desired
from .daemons import DaemonSpec

log = logging.getLogger("ontap_ipsec.strongswan")


class TrustList:
    """`desired()` of the reconciler: scope name -> {certificate uuid: PEM}.

    Called from each daemon's thread; every call gives a mapping that reads a scope only
    when asked for it, so each thread pays for its own daemon's scope alone.
    """

    def __init__(
        self,
        store: Store,
        ipsec_ca: IpsecCaList,
        specs: Sequence[DaemonSpec],
        policies: IpsecPolicies | None = None,
    ) -> None:
        self.store = store
        self.ipsec_ca = ipsec_ca
        self.policies = policies
        self.specs = {spec.scope: spec for spec in specs}
        self._keys: dict[str, str | None] = {}  # what each name resolved to last
        self._lock = threading.Lock()

    def __call__(self) -> Mapping[str, Mapping[str, str]]:
        return _Scopes(self)

    def key(self, scope: str) -> str | None:
        """The scope key `scope` names now; a change since the last time is logged."""
        key = key_named(self.store, scope)
        with self._lock:
            first = scope not in self._keys
            before = self._keys.get(scope)
            self._keys[scope] = key
        if first or key != before:
            self._log_change(scope, before, key, first)
        return key

    def entries(self, scope: str) -> dict[str, str]:
        key = self.key(scope)
        return {} if key is None else self.ipsec_ca.trusted_by(key)

    def connections(self, scope: str) -> dict[str, Loadable]:
        """The connections of a scope's enabled IPsec policies; none while IPsec is
        disabled (`/api/security/ipsec` `enabled: false`)."""
        if self.policies is None:
            return {}
        key = self.key(scope)
        if key is None:
            return {}
        config = self.policies.config()
        if not config.enabled:
            return {}
        return desired(self.policies.connections_of(key), config.replay_window)

    def _log_change(self, scope: str, before: str | None, key: str | None, first: bool) -> None:
        uri = self.specs[scope].uri if scope in self.specs else "?"
        if key is None:
            log.warning(
                "strongSwan scope %r names %s; its daemon at %s trusts none of the list's "
                "CAs until an SVM has that name",
                scope,
                "neither the cluster nor an SVM (yet)" if first else "no SVM any more",
                uri,
            )
        elif not first or before is not None:
            log.info("strongSwan scope %r is attached to scope key %s", scope, key)


class _Scopes(Mapping[str, Mapping[str, str]]):
    """A Mapping over the attached scopes whose values are read on access."""

    def __init__(self, trust: TrustList) -> None:
        self.trust = trust

    def __getitem__(self, scope: str) -> Mapping[str, str]:
        if scope not in self.trust.specs:
            raise KeyError(scope)
        return self.trust.entries(scope)

    def __iter__(self) -> Iterator[str]:
        return iter(self.trust.specs)

    def __len__(self) -> int:
        return len(self.trust.specs)
