"""Authentication (HTTP Basic), roles, and the password helpers."""

from __future__ import annotations

import base64

import httpx
import pytest

from ontap_ipsec import auth
from ontap_ipsec.app import OntapApp
from ontap_ipsec.inprocess import client as inprocess_client
from tests.api.helpers import CLUSTER, SVMS, assert_common_headers, assert_error, make_svms
from tests.conftest import ADMIN_PASSWORD

AUTH_MESSAGE = "Authentication is required: send HTTP Basic credentials of an account."


@pytest.fixture(autouse=True)
def own_authenticator(app: OntapApp) -> None:
    """No credential remembered from other tests' apps."""
    app.authenticator = auth.Authenticator()


def assert_401(response: httpx.Response) -> None:
    assert_error(response, 401, "6", AUTH_MESSAGE)
    assert response.headers["www-authenticate"].startswith("Basic ")
    assert_common_headers(response)


def add_account(app: OntapApp, name: str, password: str, role: str) -> None:
    with app.ctx.store.write() as conn:
        auth.set_password(conn, name, password, role=role)


def test_no_credentials_is_401_with_a_basic_challenge(anon: httpx.Client) -> None:
    assert_401(anon.get(SVMS))


def test_no_credentials_on_an_unknown_path_is_401(anon: httpx.Client) -> None:
    assert_401(anon.get("/api/nothing"))


def test_wrong_password_is_401(app: OntapApp) -> None:
    with inprocess_client(app, auth=("admin", "wrong")) as c:
        assert_401(c.get(CLUSTER))


def test_unknown_user_is_401(app: OntapApp) -> None:
    with inprocess_client(app, auth=("nobody", ADMIN_PASSWORD)) as c:
        assert_401(c.get(CLUSTER))


@pytest.mark.parametrize(
    "header",
    [
        "Basic !!!not-base64!!!",
        "Basic " + base64.b64encode(b"no-colon-here").decode(),
        "Basic " + base64.b64encode(b"admin:\xff\xfe").decode(),
        "Basic",
        "Basic ",
        "Bearer abc.def.ghi",
        "Digest username=admin",
        "garbage",
    ],
)
def test_garbage_authorization_header_is_401(anon: httpx.Client, header: str) -> None:
    assert_401(anon.get(CLUSTER, headers={"authorization": header}))


def test_basic_scheme_is_case_insensitive(anon: httpx.Client) -> None:
    token = base64.b64encode(f"admin:{ADMIN_PASSWORD}".encode()).decode()
    assert anon.get(CLUSTER, headers={"authorization": f"basic {token}"}).status_code == 200


@pytest.mark.parametrize("path", ["/docs/api", "/docs/api/openapi.json", "/docs/api/"])
def test_docs_need_no_authentication(anon: httpx.Client, path: str) -> None:
    assert anon.get(path).status_code == 200


def test_readonly_account_can_read(app: OntapApp, api: httpx.Client) -> None:
    make_svms(api, ["vs1"])
    add_account(app, "viewer", "pw", role="readonly")
    with inprocess_client(app, auth=("viewer", "pw")) as viewer:
        assert viewer.get(CLUSTER).status_code == 200
        assert viewer.get(SVMS).json()["num_records"] == 1
        assert viewer.head(SVMS).status_code == 200
        assert viewer.options(SVMS).status_code == 200


def test_readonly_account_post_is_403_code_6(app: OntapApp, api: httpx.Client) -> None:
    add_account(app, "viewer", "pw", role="readonly")
    with inprocess_client(app, auth=("viewer", "pw")) as viewer:
        assert_error(
            viewer.post(SVMS, json={"name": "vs1"}), 403, "6", "not authorized for that command"
        )
    assert api.get(SVMS).json()["num_records"] == 0


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
def test_readonly_account_cannot_change_anything(
    app: OntapApp, api: httpx.Client, method: str
) -> None:
    uuid = make_svms(api, [("vs1", "kept")])["vs1"]
    add_account(app, "viewer", "pw", role="readonly")
    body = {"comment": "changed"} if method == "PATCH" else None
    with inprocess_client(app, auth=("viewer", "pw")) as viewer:
        for target in (f"{SVMS}/{uuid}", f"{SVMS}?name=vs1"):
            assert_error(
                viewer.request(method, target, json=body), 403, "6",
                "not authorized for that command",
            )
    assert api.get(f"{SVMS}/{uuid}").json()["comment"] == "kept"


def test_changing_a_password_invalidates_the_remembered_credential(
    app: OntapApp, api: httpx.Client
) -> None:
    assert api.get(CLUSTER).status_code == 200  # verified once, now remembered
    add_account(app, "admin", "new-password", role="admin")
    assert_401(api.get(CLUSTER))
    with inprocess_client(app, auth=("admin", "new-password")) as c:
        assert c.get(CLUSTER).status_code == 200


def test_demoting_an_account_takes_effect_at_once(app: OntapApp) -> None:
    add_account(app, "ops", "pw", role="admin")
    with inprocess_client(app, auth=("ops", "pw")) as ops:
        assert ops.post(SVMS, json={"name": "vs1"}).status_code == 202
        add_account(app, "ops", "pw", role="readonly")
        assert ops.post(SVMS, json={"name": "vs2"}).status_code == 403


# --- unit tests of the helpers ------------------------------------------------------------


def test_hash_password_is_salted_scrypt() -> None:
    first = auth.hash_password("secret")
    second = auth.hash_password("secret")
    assert first != second
    assert first.startswith("scrypt$")
    assert "secret" not in first
    assert len(first.split("$")) == 6


def test_verify_password_accepts_the_right_password_only() -> None:
    stored = auth.hash_password("secret")
    assert auth.verify_password("secret", stored) is True
    assert auth.verify_password("Secret", stored) is False
    assert auth.verify_password("", stored) is False


def test_verify_password_handles_non_ascii_passwords() -> None:
    stored = auth.hash_password("pässwörd✓")
    assert auth.verify_password("pässwörd✓", stored) is True
    assert auth.verify_password("passwòrd", stored) is False


@pytest.mark.parametrize(
    "stored",
    ["", "plain", "bcrypt$1$2$3$abc$def", "scrypt$x$8$1$AAAA$AAAA", "scrypt$16384$8$1$!!$!!"],
)
def test_verify_password_rejects_malformed_hashes(stored: str) -> None:
    assert auth.verify_password("secret", stored) is False


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Basic " + base64.b64encode(b"admin:pw").decode(), ("admin", "pw")),
        ("basic " + base64.b64encode(b"admin:pw").decode(), ("admin", "pw")),
        ("Basic " + base64.b64encode(b"admin:p:w:").decode(), ("admin", "p:w:")),
        ("Basic " + base64.b64encode(b"admin:").decode(), ("admin", "")),
        ("Basic " + base64.b64encode("émile:pw".encode()).decode(), ("émile", "pw")),
        (None, None),
        ("", None),
        ("Basic", None),
        ("Basic !!!", None),
        ("Basic " + base64.b64encode(b"nocolon").decode(), None),
        ("Bearer " + base64.b64encode(b"admin:pw").decode(), None),
    ],
)
def test_parse_basic(header: str | None, expected: tuple[str, str] | None) -> None:
    assert auth.parse_basic(header) == expected


def test_set_password_rejects_unknown_roles(app: OntapApp) -> None:
    with pytest.raises(ValueError), app.ctx.store.write() as conn:
        auth.set_password(conn, "x", "pw", role="superuser")
