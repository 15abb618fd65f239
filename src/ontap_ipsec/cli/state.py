"""`ontap-ipsec state export | import`: the whole state of a data dir as one YAML document.

Both work on the data dir's database (or ``--database``), as ``passwd`` does, whether or
not a server is running on it: a running server's workers see an import at their next
request, and its strongSwan agent converges. The passphrase that seals private keys
comes from ``ONTAP_IPSEC_STATE_PASSPHRASE``, else a prompt; it is never written.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ontap_ipsec.config import Settings

if TYPE_CHECKING:
    from ontap_ipsec.rest.context import Context

PASSPHRASE_ENV = "ONTAP_IPSEC_STATE_PASSPHRASE"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ontap-ipsec state",
        description="Export the whole state as a versioned YAML document, or replace it "
        "with one (all or nothing). The same document is served at /_ontap-ipsec/state.",
    )
    sub = parser.add_subparsers(dest="action", required=True)
    out = sub.add_parser("export", help="write the state as YAML (to stdout, or -o FILE)")
    out.add_argument("-o", "--output", type=Path, help="the file to write (default stdout)")
    out.add_argument(
        "--private-keys",
        action="store_true",
        help=f"include private keys, sealed with a passphrase ({PASSPHRASE_ENV}, or asked)",
    )
    into = sub.add_parser("import", help="replace the state with a document's (all or nothing)")
    into.add_argument("file", type=Path, help="the document (- for stdin)")
    for p in (out, into):
        p.add_argument("--data-dir", type=Path)
        p.add_argument("--database")
    return parser


def passphrase(*, confirm: bool) -> str | None:
    """The passphrase from the environment, else asked (twice when `confirm`)."""
    given = os.environ.get(PASSPHRASE_ENV)
    if given:
        return given
    if not sys.stdin.isatty():
        print(f"ontap-ipsec: set {PASSPHRASE_ENV} or run interactively", file=sys.stderr)
        return None
    first = getpass.getpass("Passphrase for the private keys: ")
    if confirm and first != getpass.getpass("Again: "):
        print("ontap-ipsec: the passphrases differ", file=sys.stderr)
        return None
    return first


def load_file(ctx: Context, path: Path) -> str:
    """Load the document at `path` (- for stdin) into `ctx`'s state; a one-line summary.
    Raises DomainError for a bad document (its message names the line), OSError for a
    file that cannot be read."""
    text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
    secret = passphrase(confirm=False) if "\nprivate_keys:" in text else None
    loaded = ctx.backends.state.load(text, secret)
    return ", ".join(f"{n} {name}" for name, n in loaded.items())


def _open(settings: Settings) -> Context:
    from ontap_ipsec.store.bootstrap import open_store

    return open_store(settings, announce=lambda m: print(m, file=sys.stderr))


def main(argv: Sequence[str]) -> int:
    from ontap_ipsec.domain.errors import DomainError

    args = build_parser().parse_args(argv)
    settings = Settings.from_env(data_dir=args.data_dir, database=args.database)
    secret = None
    if args.action == "export" and args.private_keys:
        secret = passphrase(confirm=True)
        if secret is None:
            return 2
    ctx = _open(settings)
    try:
        if args.action == "import":
            summary = load_file(ctx, args.file)
            print(f"ontap-ipsec: state imported from {args.file}: {summary}", file=sys.stderr)
            return 0
        text = ctx.backends.state.export(secret)
    except OSError as exc:
        print(f"ontap-ipsec: {args.file}: {exc.strerror}", file=sys.stderr)
        return 1
    except DomainError as exc:
        print(f"ontap-ipsec: {exc.message}", file=sys.stderr)
        return 1
    finally:
        ctx.store.dispose()
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")
        if args.private_keys:
            args.output.chmod(0o600)
    return 0
