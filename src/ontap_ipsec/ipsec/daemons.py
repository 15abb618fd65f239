"""Which daemon trusts which scope: `--strongswan SCOPE=URI`, checked at start.

SCOPE is a name, as an operator knows it: the cluster's name (cluster scope) or an
SVM's name, resolved to a scope key at run time (`ontap_ipsec.ipsec.trust_list`), so an
SVM that does not exist yet is not an error here. What is refused is what can never
work: a malformed scope or URI, a scope given twice, or one daemon given to two scopes
(each would unload the other's authorities, which carry the same prefix).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .uri import parse_vici_uri

FLAG = "--strongswan"
ENV = "ONTAP_IPSEC_STRONGSWAN"
# SVM names (ONTAP's rule, as domain/backends/svms.py) and cluster names, which may
# also begin with a digit.
SCOPE_RULE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,254}$")


@dataclass(frozen=True)
class DaemonSpec:
    """One attached daemon: the scope's name as configured, and its VICI socket."""

    scope: str
    uri: str

    def __str__(self) -> str:
        return f"{self.scope}={self.uri}"


def split_env(raw: str) -> tuple[str, ...]:
    """The entries of ONTAP_IPSEC_STRONGSWAN (separated by commas; blanks ignored)."""
    return tuple(item.strip() for item in raw.split(",") if item.strip())


def parse_one(item: str, source: str = FLAG) -> DaemonSpec:
    """`SCOPE=URI` as a spec; ValueError naming `source` (the flag or the variable)."""
    scope, eq, uri = item.partition("=")
    scope, uri = scope.strip(), uri.strip()
    if not eq or not scope or not uri:
        raise ValueError(f"{source} {item!r}: expected SCOPE=URI, e.g. cluster1=unix:///run/charon.vici")
    if not SCOPE_RULE.match(scope):
        raise ValueError(
            f"{source} {item!r}: malformed scope {scope!r}: the cluster's name or an SVM's name "
            "(letters, digits, '_', '.', '-')"
        )
    try:
        parse_vici_uri(uri)
    except ValueError as exc:
        raise ValueError(f"{source} {item!r}: {exc}") from None
    return DaemonSpec(scope, uri)


def parse(items: Iterable[str], source: str = FLAG) -> tuple[DaemonSpec, ...]:
    """Every `SCOPE=URI`, checked one by one and against each other."""
    specs = tuple(parse_one(item, source) for item in items)
    scopes: dict[str, DaemonSpec] = {}
    uris: dict[str, DaemonSpec] = {}
    for spec in specs:
        if spec.scope in scopes:
            raise ValueError(f"{source}: scope {spec.scope!r} is given twice (one daemon each)")
        if spec.uri in uris:
            raise ValueError(
                f"{source}: {spec.uri} is given to scopes {uris[spec.uri].scope!r} and "
                f"{spec.scope!r}; each scope needs a daemon of its own"
            )
        scopes[spec.scope] = uris[spec.uri] = spec
    return specs
