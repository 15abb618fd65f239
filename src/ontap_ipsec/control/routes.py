"""The routes of /_ontap-ipsec/: a small registry, dispatched by the app.

A route is a handler ``(ctx, request) -> Response`` for some methods of one path (or of
a path prefix, for instance paths such as ``/_ontap-ipsec/faults/<id>``), and who may
call it: nobody (no credentials at all), or admin accounts. Authentication is the
API's own (401 without a credential, ONTAP's envelope), a non-admin gets ONTAP's 403.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ontap_ipsec.rest import errors
from ontap_ipsec.rest.context import Context
from ontap_ipsec.rest.errors import OntapError
from ontap_ipsec.rest.http import Request, Response

PREFIX = "/_ontap-ipsec/"
PROBES = frozenset({"/healthz", "/readyz"})  # outside the prefix, as orchestrators expect
Handler = Callable[[Context, Request], Response]


@dataclass(frozen=True)
class Route:
    path: str  # the whole path, or a prefix ending in "/" for instance paths
    handlers: dict[str, Handler]
    public: bool = False  # answered without credentials (and reveals nothing)
    toolkit: bool = True  # part of the test toolkit: off with --no-control-api

    def allow(self) -> str:
        methods = list(self.handlers)
        if "GET" in methods:
            methods.append("HEAD")
        return ", ".join(methods)


ROUTES: list[Route] = []


def route(
    path: str, *methods: str, public: bool = False, toolkit: bool = True
) -> Callable[[Handler], Handler]:
    """Register a handler: ``@route("/_ontap-ipsec/reset", "POST")``."""

    def register(fn: Handler) -> Handler:
        for i, known in enumerate(ROUTES):
            if known.path == path:
                merged = {**known.handlers, **dict.fromkeys(methods, fn)}
                ROUTES[i] = Route(path, merged, known.public, known.toolkit)
                return fn
        ROUTES.append(Route(path, dict.fromkeys(methods, fn), public, toolkit))
        return fn

    return register


def find(path: str, *, toolkit_on: bool) -> Route | None:
    _load()
    exact = [r for r in ROUTES if r.path == path]
    found = exact[0] if exact else None
    if found is None:
        prefixed = [r for r in ROUTES if r.path.endswith("/") and path.startswith(r.path)]
        found = max(prefixed, key=lambda r: len(r.path)) if prefixed else None
    if found is None or (found.toolkit and not toolkit_on):
        return None
    return found


def handler_for(found: Route, request: Request) -> Handler:
    method = "GET" if request.method == "HEAD" else request.method
    handler = found.handlers.get(method)
    if handler is None:
        raise errors.method_not_allowed(request.method, found.allow())
    return handler


def admin_only(role: str | None) -> None:
    if role != "admin":
        raise OntapError(403, errors.PERMISSION_DENIED, "not authorized for that command")


def tail(request: Request, found: Route) -> str:
    """The part of the path after a prefix route's path (an instance's id)."""
    return request.path[len(found.path) :]


_LOADED = False


def _load() -> None:
    """Import the modules that register routes, on the first control request."""
    global _LOADED
    if not _LOADED:
        import ontap_ipsec.control.jobs  # noqa: F401 - job progression
        import ontap_ipsec.control.state  # noqa: F401 - state snapshots
        from ontap_ipsec.control import (  # noqa: F401 - they register their routes
            basics,
            faults,
            journal,
            probes,
            strongswan,
        )

        _LOADED = True
