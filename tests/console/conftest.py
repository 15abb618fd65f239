"""The console in-process: an HTTPS-addressed client of the app, signed in or not."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import httpx
import pytest

from ontap_ipsec import auth
from ontap_ipsec.app import OntapApp
from ontap_ipsec.inprocess import SyncASGITransport
from ontap_ipsec.store.tables import accounts
from tests.conftest import ADMIN_PASSWORD

ORIGIN = "https://ontap.local"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(page: httpx.Response) -> str:
    found = _CSRF.search(page.text)
    assert found, f"no CSRF token on {page.url}"
    return found.group(1)


def browser(app: OntapApp) -> httpx.Client:
    """A client that keeps cookies (Secure ones too: it speaks to https://ontap.local)."""
    return httpx.Client(transport=SyncASGITransport(app), base_url=ORIGIN)


def sign_in(client: httpx.Client, user: str = "admin", password: str = ADMIN_PASSWORD) -> str:
    """Sign in through the login form; the session's CSRF token."""
    form = client.get("/login")
    response = client.post(
        "/login", data={"csrf": csrf_of(form), "user": user, "password": password}
    )
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/"))


def add_account(app: OntapApp, name: str, password: str, role: str = "admin") -> None:
    with app.ctx.store.write() as conn:
        auth.set_password(conn, name, password, role=role)


def lock(app: OntapApp, name: str) -> None:
    with app.ctx.store.write() as conn:
        conn.execute(accounts.update().where(accounts.c.name == name).values(locked=True))


@pytest.fixture
def anon_browser(app: OntapApp) -> Iterator[httpx.Client]:
    with browser(app) as client:
        yield client


@pytest.fixture
def admin(app: OntapApp) -> Iterator[tuple[httpx.Client, str]]:
    """A signed-in admin's client and its CSRF token."""
    with browser(app) as client:
        yield client, sign_in(client)


@pytest.fixture
def as_account(app: OntapApp) -> Iterator[Callable[[str, str], tuple[httpx.Client, str]]]:
    opened: list[httpx.Client] = []

    def make(name: str, role: str) -> tuple[httpx.Client, str]:
        add_account(app, name, f"{name}-pw", role)
        client = browser(app)
        opened.append(client)
        return client, sign_in(client, name, f"{name}-pw")

    yield make
    for client in opened:
        client.close()
