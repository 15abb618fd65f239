"""create_app(settings) -> the ASGI application.

One straight line: the response cache (a middleware, when on) -> read the body
-> authenticate -> route -> handler -> render -> send. Handlers are synchronous
functions that call a backend; a GET runs on the event loop's thread (a short
read: the fastest way for SQLite), every other method in a thread of the app's
own, so that a write waiting for another worker's lock, or a key being
generated, does not hold up the reads of this worker.
"""

from __future__ import annotations

import asyncio
import logging
import os
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import orjson

from ontap_ipsec import client_certs, intake, versions
from ontap_ipsec.auth import Authenticator, Lockout, WouldHash, certificate_principal
from ontap_ipsec.config import Settings
from ontap_ipsec.control import routes as control
from ontap_ipsec.domain.backends.audit import AuditLog
from ontap_ipsec.domain.errors import DomainError
from ontap_ipsec.resources import all_resources
from ontap_ipsec.rest import access, auditing, errors
from ontap_ipsec.rest.asgi import Receive, Scope, Send, lifespan, send_response
from ontap_ipsec.rest.context import Context
from ontap_ipsec.rest.errors import OntapError
from ontap_ipsec.rest.http import Exchange, Request, Response, query_text
from ontap_ipsec.rest.response_cache import ResponseCache, ResponseCacheMiddleware
from ontap_ipsec.rest.router import Router
from ontap_ipsec.store import visibility
from ontap_ipsec.store.bootstrap import open_store
from ontap_ipsec.store.errors import BadData, Conflict, Full, Unavailable
from ontap_ipsec.store.retry import retried
from ontap_ipsec.telemetry import shared_dir
from ontap_ipsec.telemetry.observe import Observed
from ontap_ipsec.telemetry.recorder import Recorder
from ontap_ipsec.telemetry.routes import RouteNames

log = logging.getLogger("ontap_ipsec")

MAX_BODY = 1024 * 1024
MAX_QUERY = 16 * 1024
_INLINE = frozenset({"GET", "HEAD", "OPTIONS"})
_WRITER_THREADS = 4
_VERIFIER_THREADS = 2  # password hashes computed at once, per worker
# Paths of these prefixes are the API's; any other is the web console's.
_NOT_CONSOLE = ("/api/", "/docs/api", "/_ontap-ipsec", "/healthz", "/readyz", "/metrics")


class OntapApp:
    """The ASGI application serving /api and /docs/api, and the web console elsewhere."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.router = Router(all_resources())
        # Changes that may take long whatever the lock (keys made, X.509 checked, state
        # imported) always run in a writer thread.
        self._offloaded = (
            control.PREFIX,
            *(r.path for r in self.router.resources if r.slow_writes),
        )
        self._live = tuple(r.path for r in self.router.resources if r.live)
        self.profile = versions.profile_for(ctx.settings.ontap_version)
        # The context requests are handled in starts with this app's release: a server's
        # one app then costs a request nothing for it (handle() checks, and sets it if not).
        versions.ACTIVE.set(self.profile)
        self.authenticator = Authenticator()
        self.audit = AuditLog(ctx.store, lambda: ctx.now(), ctx.settings.audit_records)
        self.lockout = Lockout(ctx.settings.max_failed_logins, ctx.settings.lockout_duration)
        self._locks_end = self.lockout.on and self.lockout.seconds > 0  # with the clock
        # the client CAs the TLS server's handshakes must know (client_certs.py)
        reader = ctx.store.reader
        client_certs.provide(
            lambda: reader.fetch(reader.prepare("client_cas", client_certs.client_ca_select), {})
        )
        self._driver_operational = ctx.store.engine.dialect.loaded_dbapi.OperationalError
        self._writers = ThreadPoolExecutor(_WRITER_THREADS, thread_name_prefix="ontap-write")
        self._verifiers = ThreadPoolExecutor(_VERIFIER_THREADS, thread_name_prefix="ontap-auth")
        self.verifiers = self._verifiers  # the password checks of intake.refusal too
        self._body_timeout = ctx.settings.body_timeout
        weakref.finalize(self, self._verifiers.shutdown, wait=False)
        # An app dropped without close() (a test's) does not leave its threads behind.
        weakref.finalize(self, self._writers.shutdown, wait=False)
        self._openapi: bytes | None = None
        self._docs_page: bytes | None = None
        self._console: Callable[[Scope, Receive, Send], Any] | None = None
        budget = ctx.settings.cache_mib * 1024 * 1024
        self.responses = ResponseCache(budget) if budget > 0 else None
        self._http: Callable[[Scope, Receive, Send], Any] = self._serve
        if self.responses is not None:
            self._http = ResponseCacheMiddleware(
                self._serve, self.responses, ctx.store.version, self._principal, MAX_QUERY
            )
        if not ctx.settings.no_control_api:
            from ontap_ipsec.control.middleware import ToolkitMiddleware

            self._http = ToolkitMiddleware(self._http, ctx)
        # Outermost: request ids, metrics and access lines see every answer (telemetry/).
        self.recorder = recorder = Recorder()
        ctx.store.reader.observe_transaction = recorder.transaction
        names = RouteNames(self.router, lambda p: not (p == "/api" or p.startswith(_NOT_CONSOLE)))
        kw = {"cache_on": self.responses is not None, "access": ctx.settings.access_log}
        self._observed = Observed(self._http, recorder, names, **kw)
        self._observed_console = Observed(self._to_console, recorder, names, **kw)
        self.close_at_shutdown = False  # a worker's app: closed when its server stops it
        self._flusher: Any = None

    @property
    def events(self) -> Any:
        """The change events of this app's state (:class:`ontap_ipsec.domain.events.EventBus`)."""
        return self.ctx.events

    @property
    def openapi_bytes(self) -> bytes:
        if self._openapi is None:
            from ontap_ipsec import openapi  # built on first use: start-up need not pay

            self._openapi = orjson.dumps(openapi.document(self.router.resources))
        return self._openapi

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            if path == "/api" or path.startswith(_NOT_CONSOLE):
                await self._observed(scope, receive, send)
            else:
                await self._observed_console(scope, receive, send)
        elif scope["type"] == "lifespan":
            await lifespan(receive, send, self._started, self._stopping)

    async def _to_console(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.console(scope, receive, send)  # built on its first request

    def _started(self) -> None:
        """Served by a server: its figures flushed for the other workers (telemetry/)."""
        if shared_dir.current() is not None and self._flusher is None:
            from ontap_ipsec.telemetry.metrics import Flusher

            self._flusher = Flusher(self.recorder)

    def _stopping(self) -> None:
        """Every request answered (or cut): the last figures flushed, a worker's app closed."""
        if self._flusher is not None:
            self._flusher.stop()
            self._flusher = None
        if self.close_at_shutdown:
            self.close()
            log.info("worker %d stopped: database closed", os.getpid())

    @property
    def console(self) -> Callable[[Scope, Receive, Send], Any]:
        """The web console (ontap_ipsec.console), imported on its first request."""
        if self._console is None:
            from ontap_ipsec.console import Console  # start-up need not pay for it

            self._console = Console(self)
        return self._console

    def _principal(self, authorization: str, version: Any, hint: Any = None) -> Any:
        return self.authenticator.remembered(authorization, version, hint)

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        exchange: Exchange = scope.get("ontap") or Exchange()
        tls = scope.get("extensions", {}).get("tls")
        if tls and tls.get("client_cert_chain"):  # certificate login (client_certs.py)
            exchange.client_cert = tls["client_cert_chain"][0]
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if len(headers) < len(scope["headers"]) and _credentials(scope["headers"]) > 1:
            headers["authorization"] = ""  # two credentials: neither is taken
        request = Request(
            method=scope["method"],
            path=scope["path"],
            query_string=query_text(scope["query_string"]),
            headers=headers,
        )
        refused = None
        if intake.has_body(headers):  # credentials first, then the body within its deadline
            refused = await intake.refusal(self, request, exchange)
            if refused is None:
                body, refused = await intake.body(receive, MAX_BODY, self._body_timeout)
                request = _with(request, body, {})
        if refused is not None:
            response = refused
            if auditing.audited(request):
                loop = asyncio.get_running_loop()
                await loop.run_in_executor(
                    self._writers, self._audit, request, refused, exchange, scope.get("client")
                )
        elif request.method not in _INLINE:
            response = await self._write(request, exchange, scope.get("client"))
        elif self._live and request.path.startswith(self._live):
            loop = asyncio.get_running_loop()
            response = await loop.run_in_executor(self._writers, self.handle, request, exchange)
        else:
            exchange.on_loop = True
            try:
                response = self.handle(request, exchange)
            except WouldHash:
                exchange.on_loop = False
                # A password hash to compute: in a small pool of its own, so that guesses
                # (or a burst of new clients) wait among themselves while known clients
                # are served.
                loop = asyncio.get_running_loop()
                response = await loop.run_in_executor(
                    self._verifiers, self.handle, request, exchange
                )
        await send_response(send, request, response)

    async def _write(self, request: Request, exchange: Exchange, client: Any = None) -> Response:
        """A change: on the event loop when it is short and nobody holds the write lock
        (a thread would cost more than the change), else in a writer thread, so that a
        wait for the lock or a key being generated holds up no read. Either way it is
        recorded in the audit log, where it was handled, once answered."""
        if not request.path.startswith(self._offloaded):
            with self.ctx.store.write_lock.held_if_free() as free:
                if free:
                    return self._handle_change(request, exchange, client)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._writers, self._handle_change, request, exchange, client
        )

    def _handle_change(self, request: Request, exchange: Exchange, client: Any) -> Response:
        response = self.handle(request, exchange)
        if auditing.audited(request):
            self._audit(request, response, exchange, client)
        return response

    def _audit(self, request: Request, response: Response, exchange: Exchange, client: Any) -> None:
        """The answered change into the audit log; a log that cannot be written (the
        database away or full) costs the client nothing: a warning line."""
        try:
            retried(
                self.ctx.store.reader,
                lambda: self.audit.record(auditing.entry(request, response, exchange, client)),
            )
        except Exception as exc:  # noqa: BLE001 - the change's answer stands
            log.warning("audit record of %s %s not written: %s", request.method, request.path,
                        type(exc).__name__)

    def handle(self, request: Request, exchange: Exchange | None = None) -> Response:
        """The response to `request` under this app's ONTAP release: every failure as ONTAP's
        envelope."""
        if versions.ACTIVE.get() is self.profile:  # already (a server's one app): no cost
            return self._handle(request, exchange or Exchange())
        with versions.active(self.profile):
            return self._handle(request, exchange or Exchange())

    def _handle(self, request: Request, exchange: Exchange) -> Response:
        try:
            return retried(self.ctx.store.reader, lambda: self._dispatch(request, exchange))
        except WouldHash:
            raise  # checked again off the event loop (_serve)
        except OntapError as exc:
            return _error_response(exc)
        except DomainError as exc:
            return _error_response(OntapError.from_domain(exc))
        except Conflict:
            return _error_response(errors.duplicate())
        except BadData as exc:
            if exc.too_large:
                return _error_response(
                    OntapError(
                        400,
                        errors.INVALID,
                        "The query is larger than the database can evaluate: give fewer "
                        "alternatives (|) or values.",
                    )
                )
            return _error_response(
                OntapError(400, errors.INVALID_VALUE, "A value is invalid for its field.")
            )
        except Full:
            log.warning("database full: %s %s refused", request.method, request.path)
            return _error_response(
                OntapError(
                    507,
                    "7",
                    "The database has no room left to store the change, which was not made. "
                    "Free space for the server's database, then retry.",
                )
            )
        except Unavailable as exc:
            return self._unavailable(request, exc)
        except Exception as exc:
            if isinstance(exc, self._driver_operational):
                return self._unavailable(request)
            log.exception("unexpected error on %s %s", request.method, request.path)
            return _error_response(
                OntapError(500, "262145", "Application code returned an unexpected exception.")
            )

    def _dispatch(self, request: Request, exchange: Exchange) -> Response:
        if len(request.query_string) > MAX_QUERY:
            raise OntapError(414, errors.INVALID, f"The query string exceeds {MAX_QUERY} bytes.")
        path = request.path
        if path.startswith("/docs/api"):
            return self._docs(request)
        if path.startswith(control.PREFIX) or path in control.PROBES:
            return self._control(request, exchange)
        if path == "/metrics":
            return self._metrics(request, exchange)
        if not (path == "/api" or path.startswith("/api/")):
            raise OntapError(404, errors.NOT_SUPPORTED, "API not found")
        if exchange.version is None:
            exchange.version = self.ctx.store.version()  # None: unknowable
        self._authenticate(request, exchange)
        match = self.router.match(path)
        if match is None:
            raise OntapError(404, errors.NOT_SUPPORTED, "API not found")
        if "\x00" in match.params.get("key", ""):  # no record's key holds NUL
            raise errors.not_found(match.resource.not_found_target)
        method = "GET" if request.method == "HEAD" else request.method
        if method == "OPTIONS":
            return Response(200, None, {"allow": match.allow()})
        handler = match.handlers().get(method)
        if handler is None:
            raise errors.method_not_allowed(request.method, match.allow())
        body = request.body
        if method == "GET" and body.strip():
            raise _body_not_allowed()
        if method == "DELETE" and body.strip() not in (b"", b"{}"):
            if not _json_is_empty_object(body):
                raise _body_not_allowed()
            body = b""
        granted = access.grant(self.ctx, exchange.principal, request.headers)
        if granted.visibility.restricted:
            exchange.seen_svm = (granted.visibility.svm_uuid, granted.visibility.svm_name)
        access.check(granted, match, method)
        exchange.cacheable = (
            method == "GET"
            and exchange.version is not None
            and not match.resource.live
            and not (match.resource.clocked and self._locks_end)
        )
        with visibility.active(granted.visibility):  # what every read and scope honours
            access.require_visible(self.ctx, granted, match, method)
            return handler(self.ctx, _with(request, body, match.params))

    def _control(self, request: Request, exchange: Exchange) -> Response:
        """/_ontap-ipsec/: outside ONTAP's API, authenticated as it is, never cached."""
        found = control.find(request.path, toolkit_on=not self.ctx.settings.no_control_api)
        if found is None:
            raise OntapError(404, errors.NOT_SUPPORTED, "API not found")
        handler = control.handler_for(found, request)
        if not found.public:
            if exchange.version is None:
                exchange.version = self.ctx.store.version()
            self._authenticate(request, exchange)
            control.admin_only(exchange.role)
        return handler(self.ctx, request)

    def _metrics(self, request: Request, exchange: Exchange) -> Response:
        """GET /metrics: any account's credentials, unless --metrics-public."""
        if request.method not in ("GET", "HEAD"):
            raise errors.method_not_allowed(request.method, "GET, HEAD")
        if not self.ctx.settings.metrics_public:
            if exchange.version is None:
                exchange.version = self.ctx.store.version()
            self._authenticate(request, exchange)
            access.cluster_only(exchange.principal)
        from ontap_ipsec.telemetry import metrics  # prometheus_client: on the first scrape

        return Response(200, metrics.render(self.ctx, self.recorder), {}, metrics.CONTENT_TYPE)

    def _unavailable(self, request: Request, known: Unavailable | None = None) -> Response:
        if known is None:  # a driver error the store has no name for: its traceback
            log.exception("database error on %s %s", request.method, request.path)
        else:  # one line each: an outage refuses every request, a traceback each is noise
            reason = (str(known).splitlines() or [type(known).__name__])[0]
            log.warning("database unavailable: %s %s: %s", request.method, request.path, reason)
        return _error_response(
            OntapError(503, "262160", "The database is busy. Retry after a short delay.")
        )

    def _authenticate(self, request: Request, exchange: Exchange) -> None:
        self.authenticate(request, exchange, may_hash=not exchange.on_loop)

    def authenticate(self, request: Request, exchange: Exchange, may_hash: bool = True) -> None:
        """The exchange's account and role from the request's credentials (Basic, or else
        the TLS client certificate it came with), else a 401."""
        header = request.headers.get("authorization")
        if not header and exchange.client_cert is not None:
            principal = certificate_principal(
                self.ctx.store.reader, exchange.client_cert, access.hint(request.headers)
            )
        else:
            principal = self.authenticator.authenticate(
                self.ctx.store.reader,
                header,
                exchange.version,
                may_hash=may_hash,
                hint=access.hint(request.headers),
                lockout=self.lockout,
            )
        if principal is None:
            raise OntapError(
                401,
                errors.PERMISSION_DENIED,
                "Authentication is required: send HTTP Basic credentials of an account.",
                headers={"www-authenticate": 'Basic realm="ontap-ipsec"'},
            )
        exchange.account = principal.name
        exchange.role = principal.role
        exchange.principal = principal
        exchange.audience = access.audience(principal, access.hint(request.headers))

    def _docs(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            raise OntapError(
                405,
                errors.NOT_SUPPORTED,
                "Only GET is supported here.",
                headers={"allow": "GET, HEAD"},
            )
        path = request.path.rstrip("/")
        if path == "/docs/api/openapi.json":
            return Response(200, self.openapi_bytes, content_type="application/json")
        if path == "/docs/api":
            if self._docs_page is None:
                from ontap_ipsec import docs_page

                self._docs_page = docs_page.render(orjson.loads(self.openapi_bytes)).encode()
            return Response(200, self._docs_page, content_type="text/html; charset=utf-8")
        raise OntapError(404, errors.NOT_SUPPORTED, "API not found")

    def close(self) -> None:
        """Stop the writer threads and close the database."""
        self._writers.shutdown(wait=True)
        self._verifiers.shutdown(wait=True)
        self.ctx.store.dispose()
        if "toolkit" in self.ctx.services:  # the toolkit's connections too
            self.ctx.services["toolkit"].close()


def _with(request: Request, body: bytes, params: dict[str, str]) -> Request:
    if body is request.body and not params:
        return request
    return Request(
        request.method, request.path, request.query_string, request.headers, body, params
    )


def _credentials(raw_headers: list[tuple[bytes, bytes]]) -> int:
    return sum(1 for k, _ in raw_headers if k.lower() == b"authorization")


def _json_is_empty_object(raw: bytes) -> bool:
    try:
        return orjson.loads(raw) == {}
    except orjson.JSONDecodeError:
        return False


def _body_not_allowed() -> OntapError:
    return OntapError(
        400, errors.BODY_NOT_ALLOWED, "A request body is not allowed on GET, HEAD, and DELETE."
    )


def _error_response(exc: OntapError) -> Response:
    return Response(exc.status, exc.body(), dict(exc.headers))


def create_app(
    settings: Settings | None = None, *, announce: Callable[[str], None] = print
) -> OntapApp:
    """Open (and on first start create) the data dir and database, then build the app."""
    settings = settings or Settings.from_env()
    ctx = open_store(settings, announce=announce)
    return OntapApp(ctx)
