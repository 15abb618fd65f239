"""`ontap-ipsec backup FILE` and `ontap-ipsec restore FILE`: the whole state, online.

Both work on the database of a data dir (or `--database`), while a server runs on it
or not; see ontap_ipsec.store.backup for what a backup holds and how a restore swaps it in.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from ontap_ipsec.config import Settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ontap-ipsec")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in (
        ("backup", "write a consistent copy of the whole state to FILE (a SQLite file)"),
        ("restore", "replace the whole state with FILE's, in one transaction"),
    ):
        p = sub.add_parser(name, help=text, description=text)
        p.add_argument("file", type=Path)
        p.add_argument("--data-dir", type=Path, help="the server's data dir")
        p.add_argument("--database", help="the server's database URL (default: the data dir's)")
    return parser


def main(argv: Sequence[str]) -> int:
    args = _parser().parse_args(list(argv))
    from ontap_ipsec.store import backup, migrate
    from ontap_ipsec.store.engine import Store, create_engine

    settings = Settings.from_env(data_dir=args.data_dir, database=args.database)
    if args.command == "backup" and settings.database is None:
        db = settings.data_dir / "ontap-ipsec.db"
        if not db.is_file():
            print(f"ontap-ipsec: backup: no database at {db}", file=sys.stderr)
            return 2
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_engine(settings.database_url, synchronous=settings.sync)
    store = Store(engine)
    try:
        if args.command == "backup":
            summary = backup.backup(engine, args.file)
            print(f"ontap-ipsec: backup written to {args.file} ({summary})")
        else:
            migrate.upgrade(engine)
            summary = backup.restore(engine, store.write, args.file)
            print(f"ontap-ipsec: state restored from {args.file} ({summary})")
    except backup.BackupError as exc:
        print(f"ontap-ipsec: {args.command}: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"ontap-ipsec: {args.command}: {args.file}: {exc.strerror}", file=sys.stderr)
        return 1
    finally:
        store.dispose()
    return 0
