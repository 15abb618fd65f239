"""ontap-ipsec's benchmark suite: every figure a ratio to a floor measured in the same run.

    .venv/bin/python bench/run.py            # the full suite (make bench), < 10 min
    .venv/bin/python bench/run.py --quick    # the development variant (make bench-quick), < 60 s

Servers run as subprocesses on free loopback ports (127.0.0.1 only), each in
its own session, and are always stopped (SIGTERM, then SIGKILL) by this
process, whatever happens. Load comes from wrk (keep-alive, bounded by -d);
TLS on uses the server's self-signed certificate, TLS off runs with --no-tls.
Results go to bench/results/ (JSON and a Markdown table); the full run also
rewrites the results section of bench/README.md. The work is done by the
package bench/harness/ (see its __init__ for what each module holds).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import suite  # noqa: E402
from harness.procs import stop_all_on_signals  # noqa: E402


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="the < 60 s development variant")
    parser.add_argument(
        "--only",
        help="comma-separated phases: " + ",".join(suite.FULL),
    )
    parser.add_argument("--no-readme", action="store_true", help="leave bench/README.md alone")
    args = parser.parse_args(argv)
    stop_all_on_signals()
    only = args.only.split(",") if args.only else None
    return suite.run(args.quick, only, readme=not args.no_readme)


if __name__ == "__main__":
    raise SystemExit(main())
