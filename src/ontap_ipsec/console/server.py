"""The console's ASGI app: static files, sign-in, the session and CSRF guards, then a page.

Every page handler is `async def handler(view: View, **path_params) -> Page`, registered
with :func:`route`. A handler reads and changes state only through `view.api` (the /api
of the same app, as the signed-in account); an ApiError it does not catch becomes an
error page with ONTAP's message and code.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any
from urllib.parse import quote

from ontap_ipsec.console import messages
from ontap_ipsec.console.api import Api, ApiError
from ontap_ipsec.console.http import FormTooLarge, Page, PageRequest, redirect
from ontap_ipsec.console.render import Templates
from ontap_ipsec.console.session import COOKIE, REFRESH, Session, Sessions, same
from ontap_ipsec.rest.asgi import Receive, Scope, Send

log = logging.getLogger("ontap_ipsec.console")

Handler = Callable[..., Awaitable[Page]]
_ROUTES: list[tuple[str, re.Pattern[str], Handler]] = []
_STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}


def route(method: str, pattern: str) -> Callable[[Handler], Handler]:
    """Register a page: `pattern` is a path whose `{name}` segments are parameters."""
    regex = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern) + "$")

    def register(handler: Handler) -> Handler:
        _ROUTES.append((method, regex, handler))
        return handler

    return register


@dataclass
class View:
    """What a page handler is given."""

    console: Console
    request: PageRequest
    session: Session
    api: Api

    def render(self, template: str, status: int = 200, **values: Any) -> Page:
        values.setdefault("error", None)
        values.setdefault("notice", messages.notice(self.request.query.get("done", "")))
        body = self.console.templates.render(
            template,
            session=self.session,
            path=self.request.path,
            csrf=self.session.csrf,
            **values,
        )
        return Page(status, body)

    def failure(self, exc: ApiError) -> dict[str, Any]:
        """An API refusal as a template shows it (words, ONTAP's code, the field)."""
        return messages.describe(exc)


class Console:
    """Serves every path of the app outside /api, /docs/api and /_ontap-ipsec."""

    def __init__(self, app: Any) -> None:
        from ontap_ipsec.console import views  # registers the pages

        del views
        self.app = app
        self.sessions = Sessions(app.ctx.settings.data_dir, app.ctx.store.reader)
        self.templates = Templates()
        self._static: dict[str, bytes] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            async with asyncio.timeout(self.app.ctx.settings.body_timeout):
                request = await PageRequest.read(scope, receive)
        except FormTooLarge:
            await self.plain(413, "The form is larger than 1 MiB.").send(send)
            return
        except TimeoutError:  # a form trickled in: the connection goes (intake.py)
            page = self.plain(408, "The form was not received in time.")
            page.headers.append(("connection", "close"))
            await page.send(send)
            return
        try:
            page = await self.handle(request)
        except Exception:
            log.exception("console error on %s %s", scope["method"], scope["path"])
            page = self.plain(500, "The console failed to show this page; see the server log.")
        await page.send(send, head_only=request.method == "HEAD")

    async def handle(self, request: PageRequest) -> Page:
        method = "GET" if request.method == "HEAD" else request.method
        if method not in ("GET", "POST"):
            page = self.plain(405, "Only GET and POST are used here.")
            page.headers.append(("allow", "GET, HEAD, POST"))
            return page
        if request.path.startswith("/static/"):
            return self.static(request.path.removeprefix("/static/"))
        found = _match(method, request.path)
        if found is None:
            return self.plain(404, "There is no page here.")
        handler, params = found
        if request.path == "/login":
            return await handler(self, request)
        session = self.sessions.open(request.cookies.get(COOKIE))
        if session is None:
            target = request.path if method == "GET" else "/"
            page = redirect(f"/login?next={quote(target, safe='/')}")
            page.clear_cookie(COOKIE)
            return page
        if method == "POST" and not self.genuine(request, session.csrf):
            return self.refused()
        view = View(self, request, session, Api(self.app, session.authorization))
        try:
            page = await handler(view, **params)
        except ApiError as exc:
            if exc.status == 401:  # the password changed between our check and the call
                return redirect("/login")
            page = view.render("error.html", status=exc.status, error=view.failure(exc))
        ending = any(k == "set-cookie" and v.startswith(f"{COOKIE}=") for k, v in page.headers)
        if not ending and time.time() - session.seen > REFRESH:
            session.seen = time.time()
            page.set_cookie(COOKIE, self.sessions.seal(session))
        return page

    def genuine(self, request: PageRequest, secret: str) -> bool:
        """A POST from this console's own page: its CSRF token, and no foreign origin."""
        return self.same_origin(request) and same(request.form.get("csrf"), secret)

    @staticmethod
    def same_origin(request: PageRequest) -> bool:
        """No sign of another site: the browser's Origin and Sec-Fetch-Site, when sent."""
        origin = request.headers.get("origin")
        if origin is not None and origin != "null" and origin != request.origin:
            return False
        return request.headers.get("sec-fetch-site", "same-origin") in ("same-origin", "none")

    def refused(self) -> Page:
        return self.plain(
            403,
            "The form was refused: it did not carry this page's security token (it may have "
            "expired, or come from another site). Reload the page and try again.",
        )

    def plain(self, status: int, text: str) -> Page:
        body = self.templates.render("plain.html", status=status, text=text)
        return Page(status, body)

    def static(self, name: str) -> Page:
        kind = _STATIC_TYPES.get(name[name.rfind(".") :] if "." in name else "")
        if kind is None or "/" in name or name.startswith("."):
            return self.plain(404, "There is no such file.")
        data = self._static.get(name)
        if data is None:
            try:
                data = resources.files("ontap_ipsec.console").joinpath("static", name).read_bytes()
            except (FileNotFoundError, IsADirectoryError):
                return self.plain(404, "There is no such file.")
            self._static[name] = data
        return Page(200, data, kind, cache="public, max-age=86400")


def _match(method: str, path: str) -> tuple[Handler, dict[str, str]] | None:
    for wanted, regex, handler in _ROUTES:
        if wanted == method:
            matched = regex.match(path)
            if matched:
                return handler, matched.groupdict()
    return None
