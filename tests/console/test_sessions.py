"""Signing in and out, the session cookie, CSRF, and when a session ends."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from ontap_ipsec.app import OntapApp
from tests.conftest import ADMIN_PASSWORD
from tests.console.conftest import ORIGIN, add_account, csrf_of, lock, sign_in


def test_a_page_without_a_session_goes_to_the_login_form(anon_browser: httpx.Client) -> None:
    response = anon_browser.get("/certificates?type=server_ca")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/certificates"


def test_signing_in_sets_an_httponly_secure_samesite_cookie(anon_browser: httpx.Client) -> None:
    form = anon_browser.get("/login")
    assert form.status_code == 200
    response = anon_browser.post(
        "/login",
        data={"csrf": csrf_of(form), "user": "admin", "password": ADMIN_PASSWORD, "next": "/ipsec"},
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/ipsec"
    cookie = next(
        c for c in response.headers.get_list("set-cookie") if c.startswith("__Host-ontap-console=")
    )
    for flag in ("HttpOnly", "Secure", "SameSite=Strict", "Path=/"):
        assert flag in cookie
    assert ADMIN_PASSWORD not in cookie  # sealed, not readable
    assert anon_browser.get("/ipsec").status_code == 200


def test_login_without_its_csrf_token_is_refused(anon_browser: httpx.Client) -> None:
    anon_browser.get("/login")  # the form's cookie, but not its token
    response = anon_browser.post("/login", data={"user": "admin", "password": ADMIN_PASSWORD})
    assert response.status_code == 403
    assert "security token" in response.text
    assert "__Host-ontap-console" not in response.headers.get("set-cookie", "")


def test_login_with_a_token_but_not_its_cookie_is_refused(app: OntapApp) -> None:
    from tests.console.conftest import browser

    with browser(app) as one, browser(app) as other:
        token = csrf_of(one.get("/login"))
        response = other.post(
            "/login", data={"csrf": token, "user": "admin", "password": ADMIN_PASSWORD}
        )
    assert response.status_code == 403


def test_a_wrong_password_is_said_in_words_with_the_code(anon_browser: httpx.Client) -> None:
    form = anon_browser.get("/login")
    response = anon_browser.post(
        "/login", data={"csrf": csrf_of(form), "user": "admin", "password": "nope"}
    )
    assert response.status_code == 401
    assert "The account name or password is wrong" in response.text
    assert "ONTAP error code 6" in response.text
    assert "nope" not in response.text


def test_a_form_without_the_csrf_token_is_refused(admin: tuple[httpx.Client, str]) -> None:
    client, _csrf = admin
    response = client.post("/svms", data={"name": "vs1"})
    assert response.status_code == 403
    assert client.get("/svms").text.count("<code>") == 0  # nothing was created


def test_a_form_with_another_sessions_token_is_refused(
    app: OntapApp, admin: tuple[httpx.Client, str]
) -> None:
    from tests.console.conftest import browser

    client, _ = admin
    with browser(app) as other:
        foreign = sign_in(other)
    assert client.post("/svms", data={"name": "vs1", "csrf": foreign}).status_code == 403


def test_a_form_posted_from_another_origin_is_refused(admin: tuple[httpx.Client, str]) -> None:
    client, csrf = admin
    response = client.post(
        "/svms", data={"name": "vs1", "csrf": csrf}, headers={"origin": "https://evil.example"}
    )
    assert response.status_code == 403
    same = client.post("/svms", data={"name": "vs1", "csrf": csrf}, headers={"origin": ORIGIN})
    assert same.status_code == 303


def test_logout_ends_the_session_and_every_copy_of_its_cookie(
    app: OntapApp, admin: tuple[httpx.Client, str]
) -> None:
    from tests.console.conftest import browser

    client, csrf = admin
    copied = client.cookies["__Host-ontap-console"]
    response = client.post("/logout", data={"csrf": csrf})
    assert response.status_code == 303
    assert "Max-Age=0" in response.headers["set-cookie"]
    assert client.get("/").status_code == 303
    with browser(app) as thief:
        thief.cookies.set("__Host-ontap-console", copied)
        assert thief.get("/").status_code == 303
    assert "Max-Age=0" in response.headers["set-cookie"]
    with browser(app) as again:  # another session of the same account is unaffected
        sign_in(again)
        assert again.get("/").status_code == 200


def test_a_new_password_ends_the_session_even_the_same_one(
    app: OntapApp, as_account: Callable[[str, str], tuple[httpx.Client, str]]
) -> None:
    client, _ = as_account("ops", "admin")
    assert client.get("/").status_code == 200
    add_account(app, "ops", "ops-pw", "admin")  # the same password, a new hash
    assert client.get("/").status_code == 303


def test_locking_the_account_ends_the_session(
    app: OntapApp, as_account: Callable[[str, str], tuple[httpx.Client, str]]
) -> None:
    client, _ = as_account("ops", "admin")
    lock(app, "ops")
    assert client.get("/svms").status_code == 303
    form = client.get("/login")
    response = client.post(
        "/login", data={"csrf": csrf_of(form), "user": "ops", "password": "ops-pw"}
    )
    assert response.status_code == 401


def test_a_session_used_again_gets_a_new_idle_clock_but_not_at_sign_out(
    admin: tuple[httpx.Client, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from ontap_ipsec.console import server

    client, csrf = admin
    assert "set-cookie" not in client.get("/").headers  # used again at once: nothing new
    monkeypatch.setattr(server, "REFRESH", -1)
    assert client.get("/").headers["set-cookie"].startswith("__Host-ontap-console=")
    out = client.post("/logout", data={"csrf": csrf})
    assert out.headers.get_list("set-cookie") == [
        "__Host-ontap-console=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0"
    ]


def test_a_tampered_cookie_is_no_session(admin: tuple[httpx.Client, str]) -> None:
    client, _ = admin
    value = client.cookies["__Host-ontap-console"]
    client.cookies.set(
        "__Host-ontap-console", value[:-4] + ("AAAA" if value[-4:] != "AAAA" else "BBBB")
    )
    assert client.get("/").status_code == 303


def test_the_login_page_of_a_signed_in_account_goes_on(admin: tuple[httpx.Client, str]) -> None:
    client, _ = admin
    response = client.get("/login?next=/svms")
    assert response.status_code == 303
    assert response.headers["location"] == "/svms"


def test_next_never_leaves_the_console(anon_browser: httpx.Client) -> None:
    form = anon_browser.get("/login")
    response = anon_browser.post(
        "/login",
        data={
            "csrf": csrf_of(form),
            "user": "admin",
            "password": ADMIN_PASSWORD,
            "next": "//evil.example/x",
        },
    )
    assert response.headers["location"] == "/"
