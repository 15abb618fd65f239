"""The HTTP servers `ontap-ipsec serve` can run the app under: granian or uvicorn.

Both serve the same ASGI app. With more than one worker, or under granian (whose
workers are always processes of their own), each worker builds its app from the
settings passed on in the environment; the first start (schema, admin account,
TLS files) has been done once, before, by the parent. A worker never outlives
its server: should the server be killed outright (`kill -9`), the kernel ends
the workers too, so the port and the database are free for the next start.
"""

from __future__ import annotations

import ctypes
import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ontap_ipsec.config import Settings

SERVERS = ("granian", "uvicorn")
WORKER_APP = "ontap_ipsec.cli.admin:worker_app"
SERVER_PID_ENV = _SERVER_PID = "_ONTAP_IPSEC_SERVER_PID"
_PR_SET_PDEATHSIG = 1


def serves_in_process(settings: Settings) -> bool:
    """Whether the app answers from the server's own process (uvicorn, one worker)."""
    return settings.server == "uvicorn" and settings.workers == 1


@contextmanager
def strongswan(app: Any, settings: Settings) -> Iterator[None]:
    """The daemons of --strongswan driven while the server runs, by exactly one process.

    When the app answers from this process, here, hearing its change events directly;
    otherwise by the agent process (ontap_ipsec/ipsec/agent.py), never by a worker.
    Without --strongswan, nothing (and nothing of it is imported).
    """
    if not settings.strongswan:
        yield
        return
    if serves_in_process(settings):
        from ontap_ipsec.ipsec.service import attach

        service = attach(app.ctx)
        try:
            yield
        finally:
            service.stop()
        return
    from ontap_ipsec.ipsec import agent

    process = agent.spawn(settings)
    try:
        yield
    finally:
        agent.stop(process)


def run(app: object, settings: Settings, certfile: str | None, keyfile: str | None) -> None:
    if settings.server == "granian" or settings.workers > 1:
        os.environ.update(settings.to_env())
        os.environ[_SERVER_PID] = str(os.getpid())
    if settings.server == "granian":
        _granian(settings, certfile, keyfile)
    else:
        _uvicorn(app, settings, certfile, keyfile)


def _uvicorn(app: object, settings: Settings, certfile: str | None, keyfile: str | None) -> None:
    import uvicorn

    several = settings.workers > 1
    uvicorn.run(
        WORKER_APP if several else app,  # type: ignore[arg-type]
        factory=several,
        workers=settings.workers,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        access_log=settings.access_log,
        http="httptools",
        loop="uvloop",
        lifespan="on",
        server_header=False,
        ssl_certfile=certfile,
        ssl_keyfile=keyfile,
        timeout_graceful_shutdown=5,
    )


def _granian(settings: Settings, certfile: str | None, keyfile: str | None) -> None:
    from granian import Granian
    from granian.constants import HTTPModes, Interfaces, Loops, SSLProtocols
    from granian.log import LogLevels

    Granian(
        WORKER_APP,
        factory=True,
        address=settings.host,
        port=settings.port,
        interface=Interfaces.ASGI,
        workers=settings.workers,
        loop=Loops.uvloop,
        http=HTTPModes.http1,
        websockets=False,
        log_level=LogLevels(settings.log_level.lower()),
        log_access=settings.access_log,
        ssl_cert=Path(certfile) if certfile else None,
        ssl_key=Path(keyfile) if keyfile else None,
        ssl_protocol_min=SSLProtocols.tls12,  # as ONTAP: TLS 1.2 and 1.3
    ).serve()


def die_with_server() -> None:
    """In a worker: be killed when the server process dies, however it dies (Linux)."""
    server = os.environ.get(_SERVER_PID)
    if not server:
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: workers stop with an orderly shutdown only
        return
    if os.getppid() != int(server):  # the server died before the request above took hold
        os._exit(1)
