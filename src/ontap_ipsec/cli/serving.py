"""The HTTP servers `ontap-ipsec serve` can run the app under: uvicorn (the default) or granian.

Both serve the same ASGI app. With more than one worker, or under granian (whose
workers are always processes of their own), each worker builds its app from the
settings passed on in the environment; the first start (schema, admin account,
TLS files) has been done once, before, by the parent. A worker never outlives
its server: should the server be killed outright (`kill -9`), the kernel ends
the workers too, so the port and the database are free for the next start.

SIGTERM (or SIGINT) stops a server gracefully under either: it stops accepting
connections at once (every listening socket closed, the supervisor's too), lets the
requests in flight finish for up to --shutdown-timeout seconds, then each worker's
app closes its database (its ASGI lifespan's end) and the server exits 0.
"""

from __future__ import annotations

import ctypes
import math
import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ontap_ipsec.config import Settings

SERVERS = ("uvicorn", "granian")
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
    raise_open_files(settings)
    if settings.server == "granian" or settings.workers > 1:
        os.environ.update(settings.to_env())
        os.environ[_SERVER_PID] = str(os.getpid())
    if settings.server == "granian":
        _granian(settings, certfile, keyfile)
    else:
        _uvicorn(app, settings, certfile, keyfile)


def _uvicorn(app: object, settings: Settings, certfile: str | None, keyfile: str | None) -> None:
    import uvicorn
    from uvicorn.config import LOGGING_CONFIG

    from ontap_ipsec.cli import uvicorn_limits
    from ontap_ipsec.telemetry import logs
    from ontap_ipsec.tls import uvicorn_context

    several = settings.workers > 1
    limits = uvicorn_limits.Limits(
        header_timeout=settings.header_timeout,
        stall_timeout=settings.body_timeout,
        max_connections=per_worker(settings),
    )
    config = uvicorn.Config(
        WORKER_APP if several else app,  # type: ignore[arg-type]
        factory=several,
        workers=settings.workers,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        log_config=logs.server_config(settings) or LOGGING_CONFIG,
        access_log=False,  # the app's own access lines (--access-log), with request ids
        # httptools, its own 400s in ONTAP's envelope, and the limits of uvicorn_limits
        http=uvicorn_limits.protocol(limits),  # type: ignore[arg-type]
        loop=uvicorn_limits.loop_factory(settings.header_timeout),  # type: ignore[arg-type]
        backlog=min(settings.max_connections, 4096),
        lifespan="on",
        server_header=False,
        ssl_certfile=certfile,
        ssl_keyfile=keyfile,
        ssl_context_factory=uvicorn_context if certfile else None,  # tls.py: as granian's
        timeout_graceful_shutdown=settings.shutdown_timeout,  # type: ignore[arg-type]
    )
    if several:
        _uvicorn_workers(config)
        return
    # After its graceful stop uvicorn raises the signal again, to die of it: with a handler
    # of ours in place, serve goes on instead (the strongSwan service stopped, the database
    # closed) and exits 0.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: None)
    uvicorn.Server(config).run()


def _uvicorn_workers(config: Any) -> None:
    """uvicorn's supervisor, which closes its listening socket as soon as it is told to
    stop: a new connection is refused while the workers finish their requests, rather
    than queued on a socket that nobody accepts from.

    Its workers are forked from this process, as granian's are, rather than spawned: a
    spawned worker imports everything again (about 400 ms before the first answer) and
    shares no page with the server, so two workers held some 190 MiB more than forked
    ones (bench/README.md). The server process holds no database connection by then
    (`serve` disposed of it) and no thread of the app's."""
    import multiprocessing

    from uvicorn import _subprocess
    from uvicorn.supervisors import Multiprocess

    _subprocess.spawn = multiprocessing.get_context("fork")  # type: ignore[assignment]

    class Supervisor(Multiprocess):
        def terminate_all(self) -> None:
            for sock in self.sockets:
                sock.close()
            super().terminate_all()

    Supervisor(config, sockets=[config.bind_socket()]).run()


def per_worker(settings: Settings) -> int:
    """Each worker's share of --max-connections."""
    return max(1, math.ceil(settings.max_connections / settings.workers))


def raise_open_files(settings: Settings) -> None:
    """The soft limit of open files raised towards the hard one, so that the connections
    --max-connections allows (and the database's files) can be opened."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = settings.max_connections + 256
    if soft != resource.RLIM_INFINITY and soft < wanted:
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        if target > soft:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def _granian(settings: Settings, certfile: str | None, keyfile: str | None) -> None:
    from granian import Granian
    from granian.constants import HTTPModes, Interfaces, Loops, SSLProtocols
    from granian.http import HTTP1Settings
    from granian.log import LogLevels

    from ontap_ipsec.telemetry import logs

    Granian(
        WORKER_APP,
        factory=True,
        address=settings.host,
        port=settings.port,
        interface=Interfaces.ASGI,
        workers=settings.workers,
        loop=Loops.uvloop,
        http=HTTPModes.http1,
        # granian's own bounds: a request's head within --header-timeout (hyper's header read
        # timeout), at most --max-connections waiting to be accepted and, per worker, its
        # share of them being answered at once (backpressure: the others wait their turn)
        http1_settings=HTTP1Settings(
            header_read_timeout=min(60_000, max(1, round(settings.header_timeout * 1000)))
        ),
        backlog=max(128, min(settings.max_connections, 4096)),
        backpressure=per_worker(settings),
        websockets=False,
        log_level=LogLevels(settings.log_level.lower()),
        log_dictconfig=logs.server_config(settings),
        log_access=False,  # the app's own access lines (--access-log), with request ids
        workers_kill_timeout=math.ceil(settings.shutdown_timeout),
        ssl_cert=Path(certfile) if certfile else None,
        ssl_key=Path(keyfile) if keyfile else None,
        ssl_protocol_min=SSLProtocols.tls12,  # as ONTAP: TLS 1.2 and 1.3, AEAD suites (tls.py)
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
