"""A world of two SVMs and the cluster, each holding certificates, IPsec CA entries and
IPsec policies, with an account of every built-in role (tests/accounts)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from ontap_ipsec.app import OntapApp
from ontap_ipsec.auth import Authenticator
from ontap_ipsec.inprocess import client as inprocess_client
from tests.accounts.helpers import make_account
from tests.conftest import ADMIN_PASSWORD, AUTH, app_on, fresh_app
from tests.ipsec.conftest import add, install_ca, make_svm
from tests.ipsec_policies.conftest import create as create_policy
from tests.ipsec_policies.conftest import psk_body

PASSWORDS = {
    "admin": ADMIN_PASSWORD,
    "ro": "Viewer-pass-11",
    "vs1": "Svm1-admin-22",
    "vs1ro": "Svm1-viewer-33",
    "vs2": "Svm2-admin-44",
}


@dataclass
class World:
    app: OntapApp
    cluster: str = ""
    svm1: str = ""
    svm2: str = ""
    ids: dict[str, str] = field(default_factory=dict)  # name -> uuid of what it holds

    def client(self, name: str, **kw: object) -> httpx.Client:
        return inprocess_client(self.app, auth=(name, PASSWORDS[name]), **kw)


def build(app: OntapApp) -> World:
    world = World(app)
    with inprocess_client(app, auth=AUTH) as api:
        world.cluster = api.get("/api/cluster?fields=uuid").json()["uuid"]
        world.svm1 = make_svm(api, "svm1")
        world.svm2 = make_svm(api, "svm2")
        for name, svm in [
            ("c1", "svm1"),
            ("d1", "svm1"),
            ("a1", "svm1"),
            ("c2", "svm2"),
            ("d2", "svm2"),
            ("a2", "svm2"),
            ("cc", None),
        ]:
            world.ids[name] = install_ca(api, name, svm)
        for name, svm in [("c1", "svm1"), ("c2", "svm2"), ("cc", None)]:
            add(api, world.ids[name], svm)
        for name, svm in [("p1", "svm1"), ("p2", "svm2"), ("pc", None)]:
            world.ids[name] = create_policy(api, psk_body(name, svm))
        make_account(api, "ro", PASSWORDS["ro"], role={"name": "readonly"})
        make_account(api, "vs1", PASSWORDS["vs1"], owner="svm1")
        make_account(
            api, "vs1ro", PASSWORDS["vs1ro"], owner="svm1", role={"name": "vsadmin-readonly"}
        )
        make_account(api, "vs2", PASSWORDS["vs2"], owner="svm2")
    return world


@pytest.fixture
def world(template_data_dir: Path, tmp_path: Path) -> Iterator[World]:
    application = fresh_app(template_data_dir, tmp_path)
    # its own: the suite's shared one remembers accounts of other tests' databases, whose
    # SVM accounts have the same names but other owners
    application.authenticator = Authenticator()
    yield build(application)
    application.ctx.store.dispose()


@pytest.fixture
def any_world(backend: str | None, tmp_path: Path) -> Iterator[World]:
    """The world once on SQLite and once on PostgreSQL."""
    with app_on(tmp_path / "data", backend) as application:
        yield build(application)
