"""create_app(settings) -> the ASGI application: limits, auth, routing, errors.

Handlers are plain synchronous functions: every one of them is a short
database transaction, and running them on the event loop's thread is both the
fastest choice for SQLite and a natural serialisation of writes.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import orjson
from sqlalchemy.exc import DataError, IntegrityError, OperationalError

from ontap_ipsec.auth import Authenticator
from ontap_ipsec.config import Settings
from ontap_ipsec.domain.errors import DomainError
from ontap_ipsec.resources import all_resources
from ontap_ipsec.rest import errors
from ontap_ipsec.rest.context import Context
from ontap_ipsec.rest.errors import OntapError
from ontap_ipsec.rest.http import BASE_HEADERS, Request, Response, wants_hal
from ontap_ipsec.rest.response_cache import Cached, ResponseCache
from ontap_ipsec.rest.router import Router
from ontap_ipsec.store.bootstrap import open_store
from ontap_ipsec.store.prepared import Version

log = logging.getLogger("ontap_ipsec")

MAX_BODY = 1024 * 1024
MAX_QUERY = 16 * 1024
_READS = ("GET", "HEAD")
_DRAIN_LIMIT = 256 * 1024 * 1024  # past this, give up on the connection

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class OntapApp:
    """The ASGI application serving /api and /docs/api."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.router = Router(all_resources())
        self.authenticator = Authenticator()
        self._driver_operational = ctx.store.engine.dialect.loaded_dbapi.OperationalError
        budget = ctx.settings.cache_mib * 1024 * 1024
        self.responses = ResponseCache(budget) if budget > 0 else None
        self._openapi: bytes | None = None
        self._docs_page: bytes | None = None

    @property
    def openapi_bytes(self) -> bytes:
        if self._openapi is None:
            from ontap_ipsec import openapi  # built on first use: start-up need not pay

            self._openapi = orjson.dumps(openapi.document(self.router.resources, self.ctx))
        return self._openapi

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        hit, version = None, None
        if self.responses is not None and scope["method"] in _READS:
            try:
                hit, version = self._replay(scope)
            except Exception:  # noqa: BLE001 - the whole way through handle() answers it
                hit = version = None
            if hit is not None:
                await send({"type": "http.response.start", "status": 200, "headers": hit.headers})
                body = b"" if scope["method"] == "HEAD" else hit.body
                await send({"type": "http.response.body", "body": body})
                return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        request = Request(
            method=scope["method"],
            path=scope["path"],
            query_string=scope["query_string"].decode("latin-1"),
            headers=headers,
            version=version,  # read by the replay path already: not read twice
        )
        # HTTP/1.1: a request with neither header has no body; nothing to wait for.
        has_body = "content-length" in headers or "transfer-encoding" in headers
        too_large = has_body and await _read_body(request, receive)
        if too_large:
            response = _error_response(
                OntapError(413, errors.INVALID, f"The request body exceeds {MAX_BODY} bytes.")
            )
        else:
            response = self.handle(request)
        await self._send(send, request, response)

    def _replay(self, scope: Scope) -> tuple[Cached | None, Version | None]:
        """A GET kept by the response cache, found with as little work as it takes: no
        request object, no database read beyond the version, no account read. Anything
        unusual (a body, no credential, one not seen since the accounts changed, an
        over-long query) goes the whole way through :meth:`handle`, with the version
        if it was read."""
        authorization = accept = None
        for name, value in scope["headers"]:
            name = name.lower()
            if name == b"authorization":
                authorization = value.decode("latin-1")
            elif name == b"accept":
                accept = value.decode("latin-1")
            elif name == b"content-length" or name == b"transfer-encoding":
                return None, None
        query = scope["query_string"]
        if authorization is None or len(query) > MAX_QUERY:
            return None, None
        version = self.ctx.store.reader.version()
        if version is None:
            return None, None
        principal = self.authenticator.remembered(authorization, version)
        if principal is None:
            return None, version
        key = _cache_key(
            scope["path"], query.decode("latin-1"), wants_hal(accept or ""), principal.role
        )
        assert self.responses is not None
        return self.responses.get(key, version), version

    def handle(self, request: Request) -> Response:
        try:
            return self._dispatch(request)
        except OntapError as exc:
            return _error_response(exc)
        except DomainError as exc:
            return _error_response(OntapError.from_domain(exc))
        except IntegrityError:
            return _error_response(errors.duplicate())
        except DataError:
            return _error_response(
                OntapError(400, errors.INVALID_VALUE, "A value is invalid for its field.")
            )
        except OperationalError:
            return self._unavailable(request)
        except Exception as exc:
            if isinstance(exc, self._driver_operational):  # raised by the prepared statements
                return self._unavailable(request)
            log.exception("unexpected error on %s %s", request.method, request.path)
            return _error_response(
                OntapError(500, "262145", "Application code returned an unexpected exception.")
            )

    def _dispatch(self, request: Request) -> Response:
        if len(request.query_string) > MAX_QUERY:
            raise OntapError(414, errors.INVALID, f"The query string exceeds {MAX_QUERY} bytes.")
        path = request.path
        if path.startswith("/docs/api"):
            return self._docs(request)
        if not (path == "/api" or path.startswith("/api/")):
            raise OntapError(404, errors.NOT_SUPPORTED, "API not found")
        version = request.version or self.ctx.store.reader.version()  # None: unknowable
        self._authenticate(request, version)
        if self.responses is not None and version is not None:
            hit = self._cached(request, version)
            if hit is not None:
                return hit
        match = self.router.match(path)
        if match is None:
            raise OntapError(404, errors.NOT_SUPPORTED, "API not found")
        request.path_params = match.params
        if "\x00" in match.params.get("key", ""):  # no record's key holds NUL
            raise errors.not_found(match.resource.not_found_target)
        method = "GET" if request.method == "HEAD" else request.method
        if method == "OPTIONS":
            return Response(200, None, {"allow": match.allow()})
        handler = match.handlers().get(method)
        if handler is None:
            raise OntapError(
                405,
                errors.NOT_SUPPORTED,
                f'The method "{request.method}" is not supported on this API.',
                headers={"allow": match.allow()},
            )
        if method == "GET" and request.body.strip():
            raise _body_not_allowed()
        if method == "DELETE" and request.body.strip() not in (b"", b"{}"):
            if _json_is_empty_object(request.body):
                request.body = b""
            else:
                raise _body_not_allowed()
        if method != "GET" and request.role == "readonly":
            raise OntapError(403, errors.PERMISSION_DENIED, "not authorized for that command")
        return handler(self.ctx, request)

    def _unavailable(self, request: Request) -> Response:
        log.exception("database error on %s %s", request.method, request.path)
        return _error_response(
            OntapError(503, "262160", "The database is busy. Retry after a short delay.")
        )

    def _cached(self, request: Request, version: Any) -> Response | None:
        """A GET answered before, with nothing committed since; else mark it for keeping."""
        if request.method not in _READS or request.body:
            return None
        key = _cache_key(request.path, request.query_string, request.hal, request.role)
        assert self.responses is not None
        hit = self.responses.get(key, version)
        if hit is None:
            request.cache_key = key
            request.version = version
            return None
        return Response(200, hit.body, sent_headers=hit.headers)

    def _authenticate(self, request: Request, version: Any) -> None:
        principal = self.authenticator.authenticate(
            self.ctx.store.reader, request.headers.get("authorization"), version
        )
        if principal is None:
            raise OntapError(
                401,
                errors.PERMISSION_DENIED,
                "Authentication is required: send HTTP Basic credentials of an account.",
                headers={"www-authenticate": 'Basic realm="ontap-ipsec"'},
            )
        request.account = principal.name
        request.role = principal.role

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

    async def _send(self, send: Send, request: Request, response: Response) -> None:
        headers = response.sent_headers
        if headers is not None:
            body = response.body
        else:
            if not request.hal and isinstance(response.body, dict):
                response.body = _without_links(response.body)
            body, content_type = response.encode(request.hal)
            headers = list(BASE_HEADERS)
            if content_type:
                headers.append((b"content-type", content_type.encode()))
            headers.append((b"content-length", str(len(body)).encode()))
            for name, value in response.headers.items():
                headers.append((name.encode("latin-1"), value.encode("latin-1")))
            if request.cache_key is not None and response.status == 200:
                assert self.responses is not None
                self.responses.put(request.cache_key, request.version, body, headers)
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        await send(
            {"type": "http.response.body", "body": b"" if request.method == "HEAD" else body}
        )


def _cache_key(path: str, query: str, hal: bool, role: str | None) -> tuple[Any, ...]:
    """What a kept GET is found under: everything its answer depends on besides the data."""
    return (path, query, hal, role)


def _without_links(body: dict[str, Any]) -> dict[str, Any]:
    """`Accept: application/json`: no HAL links anywhere but the collection's `next`."""
    out = {k: _strip(v) for k, v in body.items() if k != "_links"}
    following = body.get("_links", {}).get("next") if isinstance(body.get("_links"), dict) else None
    if following is not None:
        out["_links"] = {"next": following}
    return out


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k != "_links"}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


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


async def _read_body(request: Request, receive: Receive) -> bool:
    """Read the body; past MAX_BODY keep reading and discard, so the client gets our answer."""
    chunks: list[bytes] = []
    size = 0
    too_large = False
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            too_large = True
            chunks = []
            if size > _DRAIN_LIMIT:
                break
        elif chunk:
            chunks.append(chunk)
        if not message.get("more_body", False):
            break
    request.body = b"".join(chunks)
    return too_large


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def create_app(
    settings: Settings | None = None, *, announce: Callable[[str], None] = print
) -> OntapApp:
    """Open (and on first start create) the data dir and database, then build the app."""
    settings = settings or Settings.from_env()
    ctx = open_store(settings, announce=announce)
    return OntapApp(ctx)
