"""`ontap-ipsec serve` and `ontap-ipsec passwd`: the server and its accounts."""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from ontap_ipsec import __version__
from ontap_ipsec.config import ENV_PREFIX, Settings


def _serve_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "serve",
        help="run the HTTPS server",
        description="Serve the ONTAP REST API. Every flag can also be set with "
        f"an {ENV_PREFIX}* environment variable (e.g. "
        f"{ENV_PREFIX}PORT).",
    )
    p.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port to listen on (default 8443)")
    p.add_argument("--data-dir", type=Path, help="where the database, keys and TLS files live")
    p.add_argument(
        "--database",
        help="SQLAlchemy URL, e.g. postgresql+psycopg://host/db (default: SQLite in the data dir)",
    )
    p.add_argument("--tls-cert", type=Path, help="PEM certificate to serve (with --tls-key)")
    p.add_argument("--tls-key", type=Path, help="PEM private key of --tls-cert")
    p.add_argument(
        "--no-tls",
        action="store_true",
        default=None,
        help="serve plain HTTP (not for anything but local experiments)",
    )
    p.add_argument(
        "--no-control-api",
        action="store_true",
        default=None,
        help="turn off the test toolkit under /_ontap-ipsec/ (reset, faults, journal, state)",
    )
    p.add_argument(
        "--journal",
        action="store_true",
        default=None,
        help="record requests in the journal from the start (GET /_ontap-ipsec/journal)",
    )
    p.add_argument(
        "--seed",
        type=Path,
        metavar="FILE",
        help="replace the state with a snapshot (`ontap-ipsec state export`) before serving; "
        "a bad file stops the start, naming its line",
    )
    p.add_argument("--cluster-name", help="the cluster's name (default cluster1 at first start)")
    p.add_argument("--ontap-version", help="the ONTAP version to report (default 9.18.1)")
    p.add_argument("--log-level", help="debug, info, warning or error (default info)")
    p.add_argument(
        "--log-format",
        choices=["text", "json"],
        help="text lines (default), or one JSON object per line (docs/operations.md)",
    )
    p.add_argument(
        "--access-log",
        action="store_true",
        default=None,
        help="log every request: request id, account, method, path, status, duration",
    )
    p.add_argument(
        "--metrics-public",
        action="store_true",
        default=None,
        help="answer GET /metrics without credentials (default: any account's)",
    )
    p.add_argument(
        "--shutdown-timeout",
        type=float,
        metavar="SECONDS",
        help="after SIGTERM, seconds the requests in flight are given to finish (default 30)",
    )
    p.add_argument(
        "--body-timeout",
        type=float,
        metavar="SECONDS",
        help="a request body must arrive whole within it (else 408 and the connection "
        "closes), and a response the client stops reading is cut after it (default 10)",
    )
    p.add_argument(
        "--header-timeout",
        type=float,
        metavar="SECONDS",
        help="a connection must finish its TLS handshake, and send a request's headers, each "
        "within it, else it is closed (default 10)",
    )
    p.add_argument(
        "--max-connections",
        type=int,
        metavar="N",
        help="connections served at once, shared among the workers; past it a request is "
        "answered 503 in ONTAP's envelope (default 4096)",
    )
    p.add_argument(
        "--audit-records",
        type=int,
        metavar="N",
        help="the newest audit log records kept (/api/security/audit/messages); older ones "
        "are dropped; 0 keeps none (default 10000)",
    )
    p.add_argument(
        "--max-failed-logins",
        type=int,
        metavar="N",
        help="failed password logins in a row that lock an account, as ONTAP's "
        "-max-failed-login-attempts (default 0: no lockout)",
    )
    p.add_argument(
        "--lockout-duration",
        type=float,
        metavar="SECONDS",
        help="how long such a lock lasts; 0 (the default): until an admin unlocks the account "
        "(PATCH locked: false)",
    )
    p.add_argument(
        "--sync",
        choices=["normal", "full"],
        help="SQLite's synchronous setting: normal (default; a commit survives the process "
        "being killed) or full (it also survives a power loss: one fsync per commit)",
    )
    p.add_argument(
        "--server",
        choices=["uvicorn", "granian"],
        help="the HTTP server to run the app under (default uvicorn)",
    )
    p.add_argument(
        "--workers",
        type=int,
        help="worker processes sharing the port and the database (default 2, or 1 on a "
        "single core; more serve more requests at once on a machine with more cores)",
    )
    p.add_argument(
        "--cache-mib",
        type=int,
        help="MiB of rendered GET responses kept while the data is unchanged, per worker "
        "(default 16; 0 turns the cache off; SQLite only)",
    )
    p.add_argument(
        "--strongswan",
        action="append",
        metavar="SCOPE=URI",
        help="make the IPsec CA list of SCOPE (the cluster's name, or an SVM's) the trust "
        "store of the strongSwan daemon at URI (unix:///path/charon.vici); repeatable, "
        f"or {ENV_PREFIX}STRONGSWAN=a=URI,b=URI",
    )
    p.add_argument(
        "--strongswan-resync",
        type=float,
        metavar="SECONDS",
        help="seconds between full reconciliations of every daemon (default 30)",
    )
    p.add_argument(
        "--strongswan-terminate-on-remove",
        action="store_true",
        default=None,
        help="terminate IKE SAs whose peer certificate chains only to a CA taken off the "
        "list (strongSwan keeps established SAs otherwise)",
    )


def _passwd_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "passwd",
        help="create an account or set its password",
        description="Set an account's password in the data dir's database. The "
        "password is read from ONTAP_IPSEC_NEW_PASSWORD, else prompted.",
    )
    p.add_argument("account", nargs="?", default="admin")
    p.add_argument("--role", default="admin", choices=["admin", "readonly"])
    p.add_argument("--data-dir", type=Path)
    p.add_argument("--database")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ontap-ipsec",
        description="NetApp ONTAP's REST API for IPsec CA certificates, on real storage.",
    )
    parser.add_argument("--version", action="version", version=f"ontap-ipsec {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    _serve_parser(sub)
    _passwd_parser(sub)
    return parser


def settings_from_args(args: argparse.Namespace) -> Settings:
    overrides = {
        name: getattr(args, name, None)
        for name in (
            "host",
            "port",
            "data_dir",
            "database",
            "tls_cert",
            "tls_key",
            "no_tls",
            "cluster_name",
            "ontap_version",
            "log_level",
            "log_format",
            "access_log",
            "metrics_public",
            "shutdown_timeout",
            "body_timeout",
            "header_timeout",
            "max_connections",
            "audit_records",
            "max_failed_logins",
            "lockout_duration",
            "sync",
            "server",
            "workers",
            "cache_mib",
            "strongswan_resync",
            "strongswan_terminate_on_remove",
            "no_control_api",
            "seed",
            "journal",
        )
    }
    if getattr(args, "strongswan", None):
        overrides["strongswan"] = tuple(args.strongswan)
    return Settings.from_env(**overrides)


def serve(settings: Settings) -> int:
    from ontap_ipsec.app import create_app
    from ontap_ipsec.cli import serving
    from ontap_ipsec.tls import ensure_self_signed

    if (settings.tls_cert is None) != (settings.tls_key is None):
        print("ontap-ipsec: --tls-cert and --tls-key go together", file=sys.stderr)
        return 2
    from ontap_ipsec.telemetry import logs, shared_dir

    metrics_dir = shared_dir.prepare(settings.data_dir)  # before prometheus_client is imported
    logs.configure(settings)
    app = create_app(settings)
    if settings.seed is not None and not _seed(app, settings.seed):
        app.close()
        return 2
    certfile: str | None = None
    keyfile: str | None = None
    scheme = "http"
    if settings.tls:
        cert, key = settings.tls_cert, settings.tls_key
        if cert is None or key is None:
            cert, key = ensure_self_signed(settings.data_dir / "tls")
        certfile, keyfile = str(cert), str(key)
        scheme = "https"
    banner = (
        f"ontap-ipsec {__version__}: serving {scheme}://{settings.host}:{settings.port}/api "
        f"(data in {settings.data_dir})"
    )
    if settings.log_format == "json":
        logs.announce(banner)  # a line of the log (whatever the level), not a bare print
    else:
        print(banner, flush=True)
    in_process = serving.serves_in_process(settings)
    if not in_process:
        app.ctx.store.dispose()  # the workers open their own; none is carried across fork
    try:
        with serving.strongswan(app, settings):
            serving.run(app, settings, certfile, keyfile)
    finally:
        if in_process:
            app.close()
            logging.getLogger("ontap_ipsec").info("stopped: database closed")
        shutil.rmtree(metrics_dir, ignore_errors=True)
    return 0


def _seed(app: object, path: Path) -> bool:
    from ontap_ipsec.cli.state import load_file
    from ontap_ipsec.domain.errors import DomainError

    try:
        summary = load_file(app.ctx, path)  # type: ignore[attr-defined]
    except OSError as exc:
        print(f"ontap-ipsec: --seed {path}: {exc.strerror}", file=sys.stderr)
        return False
    except DomainError as exc:
        print(f"ontap-ipsec: --seed {path}: {exc.message}", file=sys.stderr)
        return False
    print(f"ontap-ipsec: state loaded from {path}: {summary}", flush=True)
    return True


def worker_app() -> object:
    """The app of one worker process of `serve` (settings from the environment)."""
    from ontap_ipsec.app import create_app
    from ontap_ipsec.cli.serving import die_with_server
    from ontap_ipsec.telemetry import logs

    die_with_server()
    settings = Settings.from_env()
    logs.configure(settings)
    app = create_app(settings, announce=lambda _message: None)
    app.close_at_shutdown = True  # by its lifespan's end, once its server has drained it
    return app


def passwd(args: argparse.Namespace) -> int:
    from ontap_ipsec.domain.backends.accounts import Accounts
    from ontap_ipsec.domain.errors import DomainError
    from ontap_ipsec.domain.events import EventBus
    from ontap_ipsec.store import migrate
    from ontap_ipsec.store.engine import Store, create_engine

    settings = Settings.from_env(data_dir=args.data_dir, database=args.database)
    password = os.environ.get("ONTAP_IPSEC_NEW_PASSWORD")
    if not password:
        if not sys.stdin.isatty():
            print("ontap-ipsec: set ONTAP_IPSEC_NEW_PASSWORD or run interactively", file=sys.stderr)
            return 2
        password = getpass.getpass(f"New password for {args.account}: ")
        if password != getpass.getpass("Again: "):
            print("ontap-ipsec: the passwords differ", file=sys.stderr)
            return 1
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_engine(settings.database_url)
    migrate.upgrade(engine)
    store = Store(engine)
    try:
        Accounts(store, EventBus()).set_server_password(args.account, password, args.role)
    except (ValueError, DomainError) as exc:
        print(f"ontap-ipsec: {getattr(exc, 'message', exc)}", file=sys.stderr)
        return 2
    finally:
        store.dispose()
    print(f"ontap-ipsec: password of '{args.account}' set")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        try:
            settings = settings_from_args(args)
        except ValueError as exc:
            print(f"ontap-ipsec: {exc}", file=sys.stderr)
            return 2
        return serve(settings)
    if args.command == "passwd":
        return passwd(args)
    return 2
