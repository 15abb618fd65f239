"""The connection options (`--host`, `--port`, ...), which may stand anywhere on a command line.

Their own module: the parser (args) and the REST client (connection) both need them, and
neither needs the other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ontap_ipsec.cli.errors import usage

GLOBAL_VALUES = ("host", "port", "user", "profile", "cacert", "output")
GLOBAL_FLAGS = ("insecure", "verbose")
OUTPUTS = ("table", "json")


@dataclass
class GlobalOptions:
    host: str | None = None
    port: int | None = None
    user: str | None = None
    profile: str | None = None
    cacert: str | None = None
    output: str = "table"
    insecure: bool = False
    verbose: bool = False


def split_globals(argv: Sequence[str]) -> tuple[GlobalOptions, list[str]]:
    """Take the connection options out of argv, wherever they stand."""
    opts = GlobalOptions()
    rest: list[str] = []
    i = 0
    while i < len(argv):
        tok = argv[i]
        name, eq, inline = tok[2:].partition("=") if tok.startswith("--") else ("", "", "")
        if name in GLOBAL_VALUES:
            if eq:
                value = inline
            elif i + 1 < len(argv):
                i += 1
                value = argv[i]
            else:
                raise usage(f'Missing value for "--{name}".')
            _set_global(opts, name, value)
        elif name in GLOBAL_FLAGS and not eq:
            setattr(opts, name, True)
        elif tok == "-v" and not any(not t.startswith("-") for t in rest):
            opts.verbose = True  # before the command words only: later, -v is -vserver
        else:
            rest.append(tok)
        i += 1
    return opts, rest


def _set_global(opts: GlobalOptions, name: str, value: str) -> None:
    if name == "port":
        if not value.isdigit() or not 0 < int(value) < 65536:
            raise usage(f'"{value}" is an invalid value for "--port" (a TCP port number).')
        opts.port = int(value)
    elif name == "output":
        if value not in OUTPUTS:
            raise usage(f'"{value}" is an invalid value for "--output" (table or json).')
        opts.output = value
    else:
        setattr(opts, name, value)
