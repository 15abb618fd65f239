"""Every ONTAP-style command, by family."""

from __future__ import annotations

from ontap_ipsec.cli.commands import (
    certificate,
    ipsec,
    ipsec_config,
    ipsec_policy,
    ipsec_sa,
    strongswan,
    toolkit,
    toolkit_jobs,
    vserver,
)
from ontap_ipsec.cli.spec import Command

COMMANDS: tuple[Command, ...] = (
    *vserver.COMMANDS,
    *certificate.COMMANDS,
    *ipsec.COMMANDS,
    *ipsec_config.COMMANDS,
    *ipsec_policy.COMMANDS,
    *ipsec_sa.COMMANDS,
    *strongswan.COMMANDS,
    *toolkit.COMMANDS,
    *toolkit_jobs.COMMANDS,
)
