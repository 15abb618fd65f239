"""NetApp's own clients against the real server: `ontap-ipsec serve` as a subprocess.

Each test module gets its own server (own port, own data dir), started by
tests/server/process.py. A client that is not installed makes its tests skip outside CI;
under CI=true they fail instead (tests/requirements.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

from ontap_ipsec import versions
from tests.server.process import Server, start_server

PASSWORD = "client-suite-pw"
# an idle keep-alive TLS connection (netapp_ontap's session keeps one) holds uvicorn's
# orderly stop until the client's close_notify, which a client in this process never
# sends: the module's server is forced soon
STOP_GRACE = 0.5


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A real `ontap-ipsec serve` over HTTPS for this module, stopped afterwards."""
    proc = start_server(
        tmp_path_factory.mktemp("server") / "data",
        admin_password=PASSWORD,
        host=None,
        log_level=None,
    )
    yield proc
    proc.stop(grace=STOP_GRACE)


@pytest.fixture(scope="module", params=[versions.OLDEST, versions.NEWEST])
def release_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """`serve --ontap-version` of the oldest and of the newest release profiled, in turn (a
    module's `server` when it says `server = release_server`)."""
    proc = start_server(
        tmp_path_factory.mktemp(f"server-{request.param}") / "data",
        admin_password=PASSWORD,
        host=None,
        log_level=None,
        extra_args=("--ontap-version", request.param),
    )
    proc.release = request.param  # type: ignore[attr-defined]
    yield proc
    proc.stop(grace=STOP_GRACE)


@pytest.fixture
def no_ca_bundle(monkeypatch: pytest.MonkeyPatch) -> None:
    """REQUESTS_CA_BUNDLE would override verify=False in plain requests Sessions."""
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)


# ------------------------------------------------------------------ who the suites log in as
# The netapp_ontap suites run once as the cluster admin, then as the `vsadmin` of an SVM that
# the admin made for the test (on the newest release only: what a role may do does not
# depend on the release). Where ONTAP lets an SVM administrator do what the test does, the
# vsadmin run passes as the admin's; where it would not, the test asserts the refusal.

IDENTITIES = ("admin", "vsadmin")
VSADMIN_PASSWORD = "Svm-admin-pass-42"


@dataclass
class Identity:
    """The credentials a test's client uses; for a vsadmin, the SVM it administers."""

    role: str
    username: str
    password: str
    svm: str | None = None  # the vsadmin's SVM, made by the admin

    @property
    def vsadmin(self) -> bool:
        return self.role == "vsadmin"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The vsadmin runs on the newest release only."""
    kept, dropped = [], []
    for item in items:
        params = getattr(item, "callspec", None)
        params = params.params if params is not None else {}
        if params.get("identity") == "vsadmin" and params.get("release_server") not in (
            None,
            versions.NEWEST,
        ):
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@contextmanager
def identity_of(role: str, server: Server) -> Iterator[Identity]:
    """The admin; or a vsadmin of an SVM of its own: the SVM and the account are made by
    the admin through the API, and the SVM (with all it holds) deleted afterwards."""
    if role == "admin":
        yield Identity("admin", server.username, server.password)
        return
    svm = f"vsa_{uuid.uuid4().hex[:8]}"
    account = f"op_{uuid.uuid4().hex[:8]}"
    with server.client(auth=server.auth) as admin:
        made = admin.post("/api/svm/svms", json={"name": svm})
        assert made.status_code == 202, made.text
        body = {
            "name": account,
            "owner": {"name": svm},
            "role": {"name": "vsadmin"},
            "applications": [{"application": "http", "authentication_methods": ["password"]}],
            "password": VSADMIN_PASSWORD,
        }
        created = admin.post("/api/security/accounts", json=body)
        assert created.status_code == 201, created.text
    yield Identity("vsadmin", account, VSADMIN_PASSWORD, svm)
    with server.client(auth=server.auth) as admin:
        found = admin.get("/api/svm/svms", params={"name": svm}).json()["records"]
        for record in found:
            admin.delete(f"/api/svm/svms/{record['uuid']}")


@pytest.fixture(params=IDENTITIES)
def identity(request: pytest.FixtureRequest, server: Server) -> Iterator[Identity]:
    """The admin, then a vsadmin of an SVM of its own, for one test."""
    with identity_of(request.param, server) as who:
        yield who
