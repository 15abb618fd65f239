"""`security ipsec config show | modify`: the cluster's IPsec configuration.

Over GET and PATCH /api/security/ipsec. ONTAP's `config show` also prints the IPsec
log level (`-log-level`), which REST does not expose: it is not shown here. "Offload
Enabled" is shown when the cluster has the field (9.16.1 on), as ONTAP's releases do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ontap_ipsec.cli.commands.common import emit, emit_json
from ontap_ipsec.cli.errors import usage
from ontap_ipsec.cli.spec import Command, Param

PATH = ("security", "ipsec", "config")
CONFIG = "/api/security/ipsec"
REPLAY_WINDOWS = ("0", "64", "128", "256", "512", "1024")
BOOLEAN = ("true", "false")
LABELS = (  # ONTAP's `security ipsec config show`, in its order
    ("enabled", "IPsec Enabled"),
    ("replay_window", "Replay Window Size"),
    ("offload_enabled", "Offload Enabled"),
)

if TYPE_CHECKING:
    from ontap_ipsec.cli.connection import Session


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "-" if value is None else str(value)


def render(config: dict[str, Any]) -> list[str]:
    """The configuration as ONTAP prints it: labels right-aligned, one field a line."""
    shown = [(label, _text(config[field])) for field, label in LABELS if field in config]
    width = max((len(label) for label, _ in shown), default=0)
    return [f"{label.rjust(width)}: {value}" for label, value in shown]


def show_config(session: Session, _opts: dict[str, Any]) -> int:
    config = session.get(CONFIG, {"fields": "*"})
    if session.json_output:
        emit_json(config)
    else:
        emit(render(config))
    return 0


def modify(session: Session, opts: dict[str, Any]) -> int:
    body: dict[str, Any] = {}
    if "is-enabled" in opts:
        body["enabled"] = opts["is-enabled"] == "true"
    if "replay-window" in opts:
        body["replay_window"] = int(opts["replay-window"])
    if "is-offload-enabled" in opts:
        body["offload_enabled"] = opts["is-offload-enabled"] == "true"
    if not body:
        raise usage(
            "At least one parameter must be specified: -is-enabled, -replay-window or "
            "-is-offload-enabled."
        )
    session.request("PATCH", CONFIG, json=body)
    return 0


COMMANDS = (
    Command(
        (*PATH, "show"),
        "Display IPsec config",
        show_config,
        (),
        "Shows the current IPsec configuration: whether IPsec is enabled, the anti-replay "
        "window and (from ONTAP 9.16.1) whether hardware offload is enabled. The log level "
        "is not part of ONTAP's REST API and is not shown.",
    ),
    Command(
        (*PATH, "modify"),
        "Modify IPsec config",
        modify,
        (
            Param(
                "is-enabled",
                "Is IPsec Enabled",
                choices=BOOLEAN,
                metavar="true|false",
                help="enable or disable IPsec",
            ),
            Param(
                "replay-window",
                "IPsec Replay Window Size",
                choices=REPLAY_WINDOWS,
                metavar="0|64|128|256|512|1024",
                help="anti-replay window in packets; 0 (the default) turns anti-replay off",
            ),
            Param(
                "is-offload-enabled",
                "Offload Enabled",
                choices=BOOLEAN,
                metavar="true|false",
                help="use NIC offload whenever possible (ONTAP 9.16.1 on; changes only while "
                "IPsec is disabled, and only with the replay window 0)",
            ),
        ),
        "Modifies the IPsec configuration of the cluster.",
    ),
)
