"""Sign in and sign out: the account's credential is checked by /api itself."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

from ontap_ipsec.console import messages
from ontap_ipsec.console.api import Api, ApiError
from ontap_ipsec.console.http import Page, PageRequest, redirect
from ontap_ipsec.console.server import View, route
from ontap_ipsec.console.session import COOKIE, LOGIN_COOKIE

if TYPE_CHECKING:
    from ontap_ipsec.console.server import Console

WRONG = "The account name or password is wrong, or the account is locked."


def _next(request: PageRequest) -> str:
    """Where to go after signing in: a path of this console, never another site."""
    target = request.query.get("next") or request.form.get("next") or "/"
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    if target.startswith(("/login", "/logout", "/api", "/_ontap-ipsec")):
        return "/"
    return target


def _form(console: Console, request: PageRequest, status: int = 200, **values: object) -> Page:
    cookie, token = console.sessions.login_token()
    values.setdefault("error", None)
    values.setdefault("notice", messages.notice(request.query.get("done", "")))
    values.setdefault("user", "")
    body = console.templates.render(
        "login.html", csrf=token, next=_next(request), session=None, path="/login", **values
    )
    page = Page(status, body)
    page.set_cookie(LOGIN_COOKIE, cookie)
    return page


@route("GET", "/login")
async def show(console: Console, request: PageRequest) -> Page:
    if console.sessions.open(request.cookies.get(COOKIE)) is not None:
        return redirect(_next(request))  # signed in already
    return _form(console, request)


@route("POST", "/login")
async def sign_in(console: Console, request: PageRequest) -> Page:
    form = request.form
    if not console.same_origin(request) or not console.sessions.login_token_ok(
        request.cookies.get(LOGIN_COOKIE), form.get("csrf")
    ):
        return console.refused()
    user, password = form.get("user").strip(), form.get("password")
    failed = {"words": WRONG, "ontap": None, "code": "6", "target": None, "status": 401}
    if not user or not password or ":" in user:
        return _form(console, request, 401, error=failed, user=user)
    token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    try:
        await Api(console.app, f"Basic {token}").get("/api/cluster", fields="name")
    except ApiError as exc:
        if exc.status != 401:
            return _form(console, request, exc.status, error=messages.describe(exc), user=user)
        return _form(console, request, 401, error=failed, user=user)
    account = console.sessions.account(user)
    if account is None:  # removed or locked in between
        return _form(console, request, 401, error=failed, user=user)
    session = console.sessions.start(user, password, *account)
    page = redirect(_next(request))
    page.set_cookie(COOKIE, console.sessions.seal(session))
    page.clear_cookie(LOGIN_COOKIE)
    return page


@route("POST", "/logout")
async def sign_out(view: View) -> Page:
    view.console.sessions.end(view.session)
    page = redirect("/login?done=signed-out")
    page.clear_cookie(COOKIE)
    return page
