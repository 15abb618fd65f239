"""strongSwan integration: the IPsec CA list as the trust store of charon daemons (VICI).

`ViciDriver` speaks to one daemon.
"""

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

__all__ = [
    "AUTHORITY_PREFIX",
    "Authority",
    "CommandFailed",
    "DaemonUnreachable",
    "IkeSa",
    "LoadedCert",
    "StrongswanError",
    "ViciDriver",
    "parse_vici_uri",
]
