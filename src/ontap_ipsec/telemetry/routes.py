"""A request's path as the route it took: the label of its metrics.

`/api/security/ipsec/ca-certificates/1cd8a442-...` is counted as
`/api/security/ipsec/ca-certificates/{certificate.uuid}`, the template of NetApp's
OpenAPI document, so that the metrics have one series per route, never one per record.
A path that is no route is `unmatched`, every page of the web console `console`: a
client asking for random paths adds no series either.
"""

from __future__ import annotations

from collections.abc import Callable

from ontap_ipsec.control import routes as control
from ontap_ipsec.rest.router import Router

UNMATCHED = "unmatched"
CONSOLE = "console"
_FIXED = frozenset({"/healthz", "/readyz", "/metrics", "/docs/api", "/docs/api/openapi.json"})
_KEPT = 4096  # paths remembered with their route; past it, forgotten and found again


class RouteNames:
    """`names(path)` -> the route template of `path`, remembered for the next time."""

    def __init__(self, router: Router, is_console: Callable[[str], bool]) -> None:
        self._router = router
        self._is_console = is_console
        self._known: dict[str, str] = {}

    def __call__(self, path: str) -> str:
        found = self._known.get(path)
        if found is None:
            found = self._find(path)
            if len(self._known) >= _KEPT:
                self._known.clear()
            self._known[path] = found
        return found

    def _find(self, path: str) -> str:
        if path in _FIXED:
            return path
        if path == "/api" or path.startswith("/api/"):
            return self._router.template(path) or UNMATCHED
        if path.startswith(control.PREFIX):
            found = control.find(path, toolkit_on=True)
            if found is None:
                return UNMATCHED
            return found.path + "{id}" if found.path.endswith("/") else found.path
        if path.startswith("/docs/api"):
            return UNMATCHED
        return CONSOLE if self._is_console(path) else UNMATCHED
