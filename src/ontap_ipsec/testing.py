"""A pytest plugin: an ONTAP IPsec CA-certificate endpoint per test, fresh every time.

Installed with the package (entry point ``pytest11``), it gives any test suite:

``ontap_server``
    A real HTTPS server on 127.0.0.1 (a free port, self-signed TLS) with empty
    state at the start of the test: ``.host``, ``.port``, ``.username``,
    ``.password``, ``.url`` (``https://127.0.0.1:<port>``), ``.base_url``
    (``.../api``), ``.connection`` (a ready ``netapp_ontap.HostConnection``),
    ``.client()`` (an ``httpx.Client``), ``.seed(spec)`` and ``.reset()``.
``ontap_server_session``
    The same server without the per-test reset (state lives for the session).
``ontap_app`` / ``ontap_client`` / ``ontap_connection``
    The ASGI app, an authenticated ``httpx.Client`` and a
    ``netapp_ontap.HostConnection``, all driven in-process (no sockets), empty
    at the start of the test.
``@pytest.mark.ontap_version("9.10.1")``
    The fixtures above imitate that ONTAP release instead of the newest (every release
    from 9.10.1 to 9.18.1 has a profile: ontap_ipsec.versions).

All of them share one app (and one database) per test session, or per worker
under pytest-xdist: the server runs in a background thread of the test process,
so isolation between tests is a reset of the database (one transaction, a few
milliseconds), not a restart. Each xdist worker has its own data dir and port.
"""

from __future__ import annotations

import asyncio
import http
import secrets
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest

from ontap_ipsec import seeding
from ontap_ipsec.inprocess import SyncASGITransport
from ontap_ipsec.inprocess import client as inprocess_client
from ontap_ipsec.testing_jobs import ontap_jobs
from ontap_ipsec.testing_state import export_state, load_state, ontap_state
from ontap_ipsec.testing_toolkit import ontap_faults, ontap_journal

__all__ = [
    "InProcess",
    "ontap_faults",
    "ontap_jobs",
    "ontap_state",
    "export_state",
    "load_state",
    "ontap_journal",
    "OntapServer",
    "inprocess_host_connection",
    "requests_adapter",
    "start_server",
]

USERNAME = "admin"
INPROCESS_ORIGIN = "https://ontap.local:443"
_START_TIMEOUT = 30.0


# --------------------------------------------------------------------------------------
# endpoints


@dataclass
class InProcess:
    """The app driven without sockets, with the account the fixtures created."""

    app: Any
    username: str
    password: str
    data_dir: Path

    @property
    def auth(self) -> tuple[str, str]:
        return (self.username, self.password)

    def client(self, **kwargs: Any) -> httpx.Client:
        """An authenticated httpx.Client at http://ontap.local (in-process)."""
        return inprocess_client(self.app, auth=self.auth, **kwargs)

    def host_connection(self) -> Any:
        """A netapp_ontap.HostConnection whose requests go straight to the app."""
        return inprocess_host_connection(self.app, self.username, self.password)

    def reset(self) -> None:
        """Delete SVMs, certificates, IPsec entries and jobs; keep the cluster and accounts."""
        self.app.ctx.backends.reset()

    def seed(self, spec: dict[str, Any]) -> seeding.Seeded:
        with self.client() as c:
            return seeding.seed(c, spec)

    def seed_file(self, path: str | Path) -> seeding.Seeded:
        with self.client() as c:
            return seeding.seed_file(c, path)


@dataclass
class OntapServer(InProcess):
    """A real HTTPS server in a background thread, serving the same app."""

    host: str = "127.0.0.1"
    port: int = 0
    tls_cert: Path | None = None
    _connection: Any = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"https://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.url}/api"

    def ssl_context(self) -> ssl.SSLContext:
        """A client context trusting exactly this server's self-signed certificate."""
        context = ssl.create_default_context(cafile=str(self.tls_cert))
        context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
        return context

    def client(self, **kwargs: Any) -> httpx.Client:  # type: ignore[override]
        """An authenticated httpx.Client over HTTPS, verifying the server's certificate."""
        kwargs.setdefault("verify", self.ssl_context())
        return httpx.Client(base_url=self.url, auth=self.auth, **kwargs)

    @property
    def connection(self) -> Any:
        """A netapp_ontap.HostConnection to this server (verify=False: self-signed)."""
        if self._connection is None:
            from netapp_ontap import HostConnection

            self._connection = HostConnection(
                self.host,
                port=self.port,
                username=self.username,
                password=self.password,
                verify=False,
            )
        return self._connection

    def seed(self, spec: dict[str, Any]) -> seeding.Seeded:
        """Seed through the API, in-process (same app, same state, no TLS round trips)."""
        with InProcess.client(self) as c:
            return seeding.seed(c, spec)

    def seed_file(self, path: str | Path) -> seeding.Seeded:
        with InProcess.client(self) as c:
            return seeding.seed_file(c, path)


class _ServerThread:
    """uvicorn.Server on its own event loop in a daemon thread."""

    def __init__(self, app: Any, host: str, certfile: Path, keyfile: Path) -> None:
        import uvicorn

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, 0))
        self.port: int = self.sock.getsockname()[1]
        config = uvicorn.Config(
            app,
            host=host,
            port=self.port,
            ssl_certfile=str(certfile),
            ssl_keyfile=str(keyfile),
            log_level="warning",
            access_log=False,
            lifespan="off",
            server_header=False,
            loop="asyncio",
        )
        self.server = uvicorn.Server(config)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="ontap-ipsec-server", daemon=True)

    def _run(self) -> None:
        try:
            asyncio.run(self.server.serve(sockets=[self.sock]))
        except BaseException as exc:  # noqa: BLE001 - reported to the starting thread
            self.error = exc

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + _START_TIMEOUT
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError(f"the ontap-ipsec test server did not start: {self.error!r}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the ontap-ipsec test server did not start within 30 s")
            time.sleep(0.005)

    def stop(self) -> None:
        # at teardown no request is in flight; idle keep-alive TLS connections would
        # otherwise hold the shutdown until their peer's close_notify
        self.server.force_exit = True
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


def make_app(data_dir: Path, password: str, **settings: Any) -> Any:
    """A fresh app with its own data dir and the `admin` account set to `password`."""
    from ontap_ipsec.app import create_app
    from ontap_ipsec.config import Settings

    app = create_app(
        Settings(data_dir=data_dir, admin_password=password, **settings),
        announce=lambda _message: None,
    )
    seeding.register_credentials(app, USERNAME, password)
    return app


def start_server(endpoint: InProcess, host: str = "127.0.0.1") -> tuple[OntapServer, Any]:
    """Serve `endpoint`'s app over HTTPS in a thread; returns the server and a stop()."""
    from ontap_ipsec.tls import ensure_self_signed

    cert, key = ensure_self_signed(endpoint.data_dir / "tls")
    thread = _ServerThread(endpoint.app, host, cert, key)
    thread.start()
    server = OntapServer(
        app=endpoint.app,
        username=endpoint.username,
        password=endpoint.password,
        data_dir=endpoint.data_dir,
        host=host,
        port=thread.port,
        tls_cert=cert,
    )
    return server, thread.stop


# --------------------------------------------------------------------------------------
# netapp_ontap / requests, in-process


@cache
def _adapter_class() -> type:
    import requests
    from requests.adapters import BaseAdapter
    from requests.structures import CaseInsensitiveDict

    class ASGIRequestsAdapter(BaseAdapter):  # type: ignore[misc]
        """A requests transport adapter that hands each request to the ASGI app in-process."""

        def __init__(self, app: Any) -> None:
            super().__init__()
            self.transport = SyncASGITransport(app)

        def send(  # type: ignore[override]
            self,
            request: requests.PreparedRequest,
            stream: bool = False,
            timeout: Any = None,
            verify: Any = True,
            cert: Any = None,
            proxies: Any = None,
        ) -> requests.Response:
            body = request.body
            if body is None:
                content = b""
            elif isinstance(body, str):
                content = body.encode("utf-8")
            elif isinstance(body, bytes):
                content = body
            else:
                data = body.read() if hasattr(body, "read") else b"".join(body)  # type: ignore[union-attr, arg-type]
                content = data.encode() if isinstance(data, str) else data
            answer = self.transport.handle_request(
                httpx.Request(
                    request.method or "GET",
                    request.url or "",
                    headers=[
                        (k, v.decode("latin-1") if isinstance(v, bytes) else v)
                        for k, v in request.headers.items()
                    ],
                    content=content,
                )
            )
            response = requests.Response()
            response.status_code = answer.status_code
            response.headers = CaseInsensitiveDict(answer.headers.items())
            response._content = answer.content
            response.url = request.url or ""
            response.request = request
            response.encoding = requests.utils.get_encoding_from_headers(response.headers)
            try:
                response.reason = http.HTTPStatus(answer.status_code).phrase
            except ValueError:
                response.reason = ""
            return response

        def close(self) -> None:
            self.transport.close()

    return ASGIRequestsAdapter


def requests_adapter(app: Any) -> Any:
    """A `requests` adapter routing to `app` in-process; mount it on any Session:

    session.mount("https://ontap.local", requests_adapter(app))
    """
    return _adapter_class()(app)


def inprocess_host_connection(app: Any, username: str, password: str) -> Any:
    """A netapp_ontap.HostConnection (host ``ontap.local``) whose session talks to `app`."""
    from netapp_ontap import HostConnection

    adapter = requests_adapter(app)

    class InProcessHostConnection(HostConnection):  # type: ignore[misc, valid-type]
        @property
        def session(self) -> Any:
            session = super().session
            # HostConnection mounts its own adapter on a new session; ours wins
            if session.adapters.get(self.origin) is not adapter:
                session.mount(self.origin, adapter)
            return session

    return InProcessHostConnection(
        "ontap.local", username=username, password=password, verify=False
    )


# --------------------------------------------------------------------------------------
# fixtures


@pytest.fixture(scope="session")
def ontap_inprocess_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcess]:
    """One app for the session (per xdist worker): own data dir, random admin password."""
    data_dir = tmp_path_factory.mktemp("ontap-ipsec")
    password = secrets.token_urlsafe(16)
    app = make_app(data_dir / "data", password)
    yield InProcess(app=app, username=USERNAME, password=password, data_dir=data_dir / "data")
    app.close()


@pytest.fixture(scope="session")
def ontap_server_session(ontap_inprocess_session: InProcess) -> Iterator[OntapServer]:
    """The HTTPS server for the whole session; its state is NOT reset between tests."""
    server, stop = start_server(ontap_inprocess_session)
    yield server
    stop()


class _Releases:
    """Endpoints imitating other ONTAP releases (``@pytest.mark.ontap_version("9.10.1")``),
    one app per release per session, made on first use; a server only when asked for."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.apps: dict[str, InProcess] = {}
        self.servers: dict[str, tuple[OntapServer, Any]] = {}

    def inprocess(self, version: str) -> InProcess:
        if version not in self.apps:
            data_dir = self.base / version / "data"
            password = secrets.token_urlsafe(16)
            app = make_app(data_dir, password, ontap_version=version)
            self.apps[version] = InProcess(app, USERNAME, password, data_dir)
        return self.apps[version]

    def server(self, version: str) -> OntapServer:
        if version not in self.servers:
            self.servers[version] = start_server(self.inprocess(version))
        return self.servers[version][0]

    def close(self) -> None:
        for _server, stop in self.servers.values():
            stop()
        for endpoint in self.apps.values():
            endpoint.app.close()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "ontap_version(release): the ontap_* fixtures imitate that ONTAP release "
        "(9.10.1 .. 9.18.1; see ontap_ipsec.versions)",
    )


@pytest.fixture(scope="session")
def ontap_releases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Releases]:
    """The endpoints of the releases tests ask for with @pytest.mark.ontap_version."""
    releases = _Releases(tmp_path_factory.mktemp("ontap-releases"))
    yield releases
    releases.close()


def _release(request: pytest.FixtureRequest) -> str | None:
    marker = request.node.get_closest_marker("ontap_version")
    return None if marker is None else str(marker.args[0])


@pytest.fixture
def ontap_server(request: pytest.FixtureRequest, ontap_releases: _Releases) -> OntapServer:
    """The HTTPS server, with empty state (no SVMs, certificates or IPsec entries)."""
    version = _release(request)
    if version is not None:
        server = ontap_releases.server(version)
    else:
        server = request.getfixturevalue("ontap_server_session")
    server.reset()
    return server


@pytest.fixture
def ontap_inprocess(request: pytest.FixtureRequest, ontap_releases: _Releases) -> InProcess:
    """The in-process endpoint (app, credentials, client(), seed()), with empty state."""
    version = _release(request)
    if version is not None:
        endpoint = ontap_releases.inprocess(version)
    else:
        endpoint = request.getfixturevalue("ontap_inprocess_session")
    endpoint.reset()
    return endpoint


@pytest.fixture
def ontap_app(ontap_inprocess: InProcess) -> Any:
    """The ASGI app, with empty state; `seed(ontap_app, spec)` works on it."""
    return ontap_inprocess.app


@pytest.fixture
def ontap_client(ontap_inprocess: InProcess) -> Iterator[httpx.Client]:
    """An httpx.Client authenticated as admin, driving the app in-process."""
    with ontap_inprocess.client() as c:
        yield c


@pytest.fixture
def ontap_connection(ontap_inprocess: InProcess) -> Any:
    """A netapp_ontap.HostConnection to the app in-process (needs netapp-ontap)."""
    pytest.importorskip("netapp_ontap", reason="ontap_connection needs netapp-ontap installed")
    return ontap_inprocess.host_connection()
