"""strongSwan integration: the IPsec CA list as the trust store of charon daemons (VICI).

`ViciDriver` speaks to one daemon; `Reconciler` keeps each attached daemon's authorities
of ours equal to the desired list, from a background thread; `service` runs one for
`ontap-ipsec serve --strongswan`, in the server's process or as its agent process.

The names below are loaded on first use: configuration (`.daemons`, `.uri`) and the
status report (`.report`) must be importable without `vici`, and a server started
without --strongswan imports nothing of this package but what checks its settings.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .reconciler import Reconciler
    from .status import ScopeStatus
    from .uri import parse_vici_uri
    from .vici_driver import (
        AUTHORITY_PREFIX,
        Authority,
        CommandFailed,
        DaemonUnreachable,
        IkeSa,
        LoadedCert,
        StrongswanError,
        ViciDriver,
    )
    from .worker import Desired

_HOMES = {
    "AUTHORITY_PREFIX": "vici_driver",
    "Authority": "vici_driver",
    "CommandFailed": "vici_driver",
    "DaemonUnreachable": "vici_driver",
    "Desired": "worker",
    "IkeSa": "vici_driver",
    "LoadedCert": "vici_driver",
    "Reconciler": "reconciler",
    "ScopeStatus": "status",
    "StrongswanError": "vici_driver",
    "ViciDriver": "vici_driver",
    "parse_vici_uri": "uri",
}
__all__ = [
    "AUTHORITY_PREFIX",
    "Authority",
    "CommandFailed",
    "DaemonUnreachable",
    "Desired",
    "IkeSa",
    "LoadedCert",
    "Reconciler",
    "ScopeStatus",
    "StrongswanError",
    "ViciDriver",
    "parse_vici_uri",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)
