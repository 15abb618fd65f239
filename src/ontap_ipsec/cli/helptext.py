"""`--help` for the whole tool, a command directory, and one command."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable

from ontap_ipsec.cli.spec import Command

CONNECTION = """\
Connection options (anywhere on the line; or a profile, see --profile):
  --host HOST       the cluster: a name, an address, or https://host:port
  --port PORT       its HTTPS port (default 443)
  --user USER       the account (default admin); the password is read from
                    ONTAP_PASSWORD, else prompted for
  --profile NAME    use [NAME] of ~/.config/ontap-ipsec/profiles.toml
                    ([default] is used when neither --host nor --profile is given)
  --insecure        do not verify the cluster's TLS certificate
  --cacert FILE     verify the cluster's TLS certificate with this CA bundle
  --output json     print the records as JSON instead of ONTAP's tables
  -v, --verbose     show ONTAP's error code with an error (before the command words)"""

ADMIN = """\
Server commands:
  serve                                 run the HTTPS server (see serve --help)
  passwd                                create an account or set its password
  completion bash                       print a bash completion script
                                        (eval "$(ontap-ipsec completion bash)")"""


def _listing(commands: Iterable[Command], prefix: tuple[str, ...] = ()) -> list[str]:
    lines = []
    for cmd in sorted(commands, key=lambda c: c.path):
        if cmd.path[: len(prefix)] == prefix:
            lines.append(f"  {cmd.words.ljust(36)}  {cmd.summary}")
    return lines


def top(commands: Iterable[Command]) -> str:
    return "\n".join(
        [
            "usage: ontap-ipsec [connection options] <command words> [-parameter value ...]",
            "",
            "ONTAP's clustershell commands over the ONTAP REST API: they work against",
            "ontap-ipsec and against a real ONTAP cluster. Command words and parameter",
            "names may be abbreviated (sec ipsec ca show -v vs1); -param and --param both work.",
            "The cluster's name as -vserver stands for cluster scope, as on ONTAP.",
            "",
            "Commands:",
            *_listing(commands),
            "",
            ADMIN,
            "",
            CONNECTION,
        ]
    )


def directory(commands: Iterable[Command], path: tuple[str, ...]) -> str:
    return "\n".join(
        [f"usage: ontap-ipsec {' '.join(path)} <command> ...", "", *_listing(commands, path)]
    )


def command(cmd: Command) -> str:
    synopsis = " ".join(p.synopsis() for p in cmd.params)
    lines = [f"usage: ontap-ipsec {cmd.words} {synopsis}".rstrip(), "", cmd.summary]
    if cmd.description:
        lines += ["", *textwrap.wrap(cmd.description, 78)]
    if cmd.params:
        lines += ["", "Parameters:"]
        for p in cmd.params:
            text = p.synopsis().strip("[]")
            about = p.label + (f": {p.help}" if p.help else "")
            if p.choices:
                about += f" ({'|'.join(p.choices)})"
            wrapped = textwrap.wrap(about, 46) or [""]
            lines.append(f"  {text.ljust(30)}  {wrapped[0]}")
            lines += [" " * 34 + more for more in wrapped[1:]]
    lines += ["", CONNECTION]
    return "\n".join(lines)
