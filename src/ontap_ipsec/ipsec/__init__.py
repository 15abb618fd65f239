"""strongSwan integration: the IPsec CA list as the trust store of charon daemons (VICI).

`ViciDriver` speaks to one daemon; `Reconciler` keeps each attached daemon's authorities
of ours equal to the desired list, from a background thread.
"""

from .reconciler import Reconciler
from .status import ScopeStatus
from .vici_driver import (
    AUTHORITY_PREFIX,
    Authority,
    CommandFailed,
    DaemonUnreachable,
    IkeSa,
    LoadedCert,
    StrongswanError,
    ViciDriver,
    parse_vici_uri,
)
from .worker import Desired

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
