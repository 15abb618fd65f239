"""Fast fresh apps for the API tests.

The root conftest's ``app`` builds its database from scratch (running the
migrations), which costs about half a second a test. Here one database is
migrated once per session and every test gets its own copy of that file: still
a fresh app on a fresh SQLite database, as ``api`` and ``anon`` promise.

Verifying the admin password (scrypt) would then be most of a test's cost, so
the apps share one Authenticator: its cache is keyed by the stored hash, which
every copy shares, and a changed password still misses it. test_auth.py gives
each of its apps a new Authenticator, so that it sees every verification.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ontap_ipsec.app import OntapApp, create_app
from ontap_ipsec.auth import Authenticator
from ontap_ipsec.inprocess import client as inprocess_client
from tests.conftest import AUTH, make_settings


@pytest.fixture(scope="session")
def template_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("template") / "data"
    application = create_app(make_settings(data), announce=lambda _m: None)
    application.ctx.store.dispose()
    return data


_SHARED_AUTHENTICATOR = Authenticator()


def fresh_app(template: Path, where: Path) -> OntapApp:
    data = where / "data"
    shutil.copytree(template, data)
    application = create_app(make_settings(data), announce=lambda _m: None)
    application.authenticator = _SHARED_AUTHENTICATOR
    return application


@pytest.fixture
def app(template_data_dir: Path, tmp_path: Path) -> Iterator[OntapApp]:
    application = fresh_app(template_data_dir, tmp_path)
    yield application
    application.ctx.store.dispose()


@pytest.fixture(scope="module")
def module_app(
    template_data_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[OntapApp]:
    """One app for a module whose tests only read what its fixtures create."""
    application = fresh_app(template_data_dir, tmp_path_factory.mktemp("module"))
    yield application
    application.ctx.store.dispose()


@pytest.fixture(scope="module")
def module_api(module_app: OntapApp) -> Iterator[httpx.Client]:
    with inprocess_client(module_app, auth=AUTH) as c:
        yield c
