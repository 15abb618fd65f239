"""The strongSwan agent: the one process of a `serve` that drives the daemons.

Why a process of its own: `serve` runs its HTTP workers as processes (granian's are
forked from the server process, also when one is respawned later), and no worker may
drive a daemon, or several would fight over it. The server process itself is no place
for the reconciler either: a fork copies its open database and VICI connections into
the child, where a SQLite connection closed by the child's exit can drop the WAL under
the living processes. So `serve` starts this module as a fresh interpreter beside the
workers (`spawn`), which learns of their changes from the database (`changes`), writes
its status to the data dir for them to answer with (`status_file`), dies with the
server however it dies (as the workers do), and is stopped when the server stops.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime

from ontap_ipsec.config import Settings

MODULE = "ontap_ipsec.ipsec.agent"
STOP_TIMEOUT = 5.0
log = logging.getLogger("ontap_ipsec.strongswan")


def spawn(settings: Settings) -> subprocess.Popen[bytes]:
    """Start the agent for `settings` (passed on in the environment); output is ours."""
    from ontap_ipsec.cli.serving import SERVER_PID_ENV

    env = {k: v for k, v in os.environ.items() if k != "ONTAP_IPSEC_ADMIN_PASSWORD"}
    env.update(settings.to_env())
    env[SERVER_PID_ENV] = str(os.getpid())
    return subprocess.Popen([sys.executable, "-m", MODULE], env=env, stdin=subprocess.DEVNULL)


def stop(process: subprocess.Popen[bytes], timeout: float = STOP_TIMEOUT) -> None:
    """SIGTERM, then SIGKILL if it has not gone within `timeout`."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main() -> int:
    from ontap_ipsec.cli.serving import die_with_server
    from ontap_ipsec.domain.backends.ipsec_ca import IpsecCaList
    from ontap_ipsec.domain.backends.ipsec_policies import IpsecPolicies
    from ontap_ipsec.domain.events import EventBus
    from ontap_ipsec.domain.pki import KeyVault
    from ontap_ipsec.store.engine import Store, create_engine

    from .service import StrongswanService
    from .status_file import path_in

    die_with_server()
    settings = Settings.from_env()
    from ontap_ipsec.telemetry import logs

    logs.configure(settings)  # the server's format: text, or JSON lines
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    store = Store(create_engine(settings.database_url, synchronous=settings.sync))  # migrated
    now = lambda: datetime.now(UTC)  # noqa: E731
    ipsec_ca = IpsecCaList(store, EventBus(), now)
    # the policies' keys are sealed with the server's vault: the agent reads the same file
    vault = KeyVault.from_file(settings.data_dir / "keys" / "vault.key")
    policies = IpsecPolicies(store, EventBus(), now, lambda: vault)
    service = StrongswanService(
        settings, store, ipsec_ca, policies=policies, status_path=path_in(settings.data_dir)
    ).start()
    log.info(
        "strongSwan agent (pid %d) attached %s",
        os.getpid(),
        ", ".join(str(spec) for spec in service.specs),
    )
    try:
        while not stopping.wait(1.0):
            pass
    finally:
        service.stop()
        store.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
