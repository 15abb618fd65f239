"""What one convergence pass must do to a daemon: pure, so it is tested without one.

Why a content record is needed: `list-authorities` reports an authority's name and its
CA's subject, never the certificate, so a CA whose PEM changed under the same uuid
cannot be seen from the daemon. The reconciler remembers the digest of what it loaded
on the current connection; an authority of ours it has no record of (loaded before a
restart of ours) is loaded again once, which replaces it in place.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache


@lru_cache(maxsize=4096)
def digest(pem: str) -> str:
    """A stable fingerprint of a PEM text (whitespace at the ends ignored).

    Remembered: every pass digests every entry of its scope again (1,000 SHA-256s were a
    third of a pass at 1,000 entries), and a PEM, once listed, rarely changes.
    """
    return hashlib.sha256(pem.strip().encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Plan:
    """Authorities to load (name -> PEM; new or changed) and names of ours to unload."""

    load: dict[str, str] = field(default_factory=dict)
    unload: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.load or self.unload)


def plan(
    desired: Mapping[str, str],
    loaded: Iterable[str],
    known: Mapping[str, str],
    owns: Callable[[str], bool],
) -> Plan:
    """Compare `desired` (name -> PEM) with the daemon's `loaded` names.

    `known` maps names to the digest we loaded; `owns(name)` says which names are ours.
    Names that are not ours are never in the plan, whatever `desired` says.
    """
    present = {name for name in loaded if owns(name)}
    load = {
        name: pem
        for name, pem in sorted(desired.items())
        if owns(name) and (name not in present or known.get(name) != digest(pem))
    }
    unload = sorted(present - set(desired))
    return Plan(load, unload)
