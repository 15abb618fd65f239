"""`ontap-ipsec`: the server (`serve`, `passwd`) and ONTAP's clustershell commands."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from functools import cache
from typing import Any

from ontap_ipsec import __version__
from ontap_ipsec.cli import admin
from ontap_ipsec.cli.admin import build_parser, settings_from_args  # noqa: F401 - public names


@cache
def command_tree() -> Any:
    """The clustershell commands, loaded only when a client command runs (not for `serve`)."""
    from ontap_ipsec.cli.args import build_tree
    from ontap_ipsec.cli.commands import COMMANDS

    return build_tree(COMMANDS)


def run_command(argv: Sequence[str]) -> int:
    """An ONTAP-style command line; errors are printed as ONTAP prints them."""
    from ontap_ipsec.cli import helptext
    from ontap_ipsec.cli.args import HELP_TOKENS, HelpRequested, parse_params, resolve
    from ontap_ipsec.cli.commands import COMMANDS
    from ontap_ipsec.cli.errors import CliError, usage
    from ontap_ipsec.cli.options import GlobalOptions, split_globals

    opts = GlobalOptions()
    try:
        opts, rest = split_globals(argv)
        if not rest or rest[0] in HELP_TOKENS:
            print(helptext.top(COMMANDS))
            return 0 if rest else 2
        path, node, used = resolve(command_tree(), rest)
        tokens = rest[used:]
        if isinstance(node, dict):
            if tokens and tokens[0] not in HELP_TOKENS:
                raise usage(f'invalid argument "{tokens[0]}"')
            print(helptext.directory(COMMANDS, path))
            return 0 if tokens else 2
        try:
            values = parse_params(node, tokens)
        except HelpRequested:
            print(helptext.command(node))
            return 0
        from ontap_ipsec.cli.connection import Session

        session = Session(opts)
        try:
            return node.run(session, values)
        finally:
            session.close()
    except CliError as exc:
        print(exc.render(opts.verbose), file=sys.stderr)
        return exc.status
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    head = args[0] if args else ""
    if head in ("serve", "passwd"):
        return admin.main(args)
    if head in ("backup", "restore"):
        from ontap_ipsec.cli import backup

        return backup.main(args)
    if head == "state":
        from ontap_ipsec.cli import state

        return state.main(args[1:])
    if head == "--version":
        print(f"ontap-ipsec {__version__}")
        return 0
    if head in ("completion", "__complete"):
        return _completion(head, args)
    return run_command(args)


def _completion(head: str, args: list[str]) -> int:
    from ontap_ipsec.cli import completion
    from ontap_ipsec.cli.errors import CliError

    if head == "completion":
        try:
            print(completion.script(args[1] if len(args) > 1 else "bash"), end="")
        except CliError as exc:
            print(exc.render(False), file=sys.stderr)
            return exc.status
        return 0
    print("\n".join(completion.candidates(command_tree(), args[1:])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
