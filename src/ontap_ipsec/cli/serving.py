"""The HTTP servers `ontap-ipsec serve` can run the app under: uvicorn or granian.

Both serve the same ASGI app. With more than one worker, or under granian (whose
workers are always processes of their own), each worker builds its app from the
settings passed on in the environment; the first start (schema, admin account,
TLS files) has been done once, before, by the parent.
"""

from __future__ import annotations

import os
from pathlib import Path

from ontap_ipsec.config import Settings

SERVERS = ("uvicorn", "granian")
WORKER_APP = "ontap_ipsec.cli.admin:worker_app"


def run(app: object, settings: Settings, certfile: str | None, keyfile: str | None) -> None:
    if settings.server == "granian" or settings.workers > 1:
        os.environ.update(settings.to_env())
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
    from granian.constants import HTTPModes, Interfaces, Loops
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
    ).serve()
