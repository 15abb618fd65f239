"""Shared fixtures: a fresh app per test on SQLite, and on PostgreSQL where storage matters.

Every app of the suite is built by `new_app` (or `app_on`, which also disposes of it):
`fresh_app` is one on a copy of a database migrated once per session, `any_app` one on
each backend in turn.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from ontap_ipsec.app import OntapApp, create_app
from ontap_ipsec.auth import Authenticator
from ontap_ipsec.config import Settings
from ontap_ipsec.inprocess import client as inprocess_client
from tests.requirements import need

ADMIN_PASSWORD = "test-admin-pw"
AUTH = ("admin", ADMIN_PASSWORD)
PG_BASE = os.environ.get("ONTAP_IPSEC_TEST_PG", "postgresql+psycopg://root@127.0.0.1:5432/test")


def _pg_available() -> str | None:
    try:
        engine = sa.create_engine(PG_BASE, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "no server"
        return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"


_PG_PROBLEM: str | None | bool = False


def pg_problem() -> str | None:
    global _PG_PROBLEM
    if _PG_PROBLEM is False:
        _PG_PROBLEM = _pg_available()
    return _PG_PROBLEM  # type: ignore[return-value]


def require_postgresql() -> None:
    """Skip (outside CI) or fail (under CI) when no PostgreSQL server answers."""
    problem = pg_problem()
    need(problem is None, f"no PostgreSQL server at {PG_BASE} ({problem})")


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL on a schema of its own, dropped afterwards."""
    require_postgresql()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_BASE)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    yield f"{PG_BASE}?options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def make_settings(data_dir: Path, database: str | None = None, **kw: object) -> Settings:
    return Settings(data_dir=data_dir, database=database, admin_password=ADMIN_PASSWORD, **kw)  # type: ignore[arg-type]


def quiet(_message: str) -> None:
    """What the app announces at first start (the generated admin password), dropped."""


def new_app(
    data_dir: Path | Settings,
    database: str | None = None,
    *,
    announce: Callable[[str], None] = quiet,
    **settings: object,
) -> OntapApp:
    """The app on `data_dir`, created (and migrated) at first start; on SQLite in the data
    dir, or on `database` (a URL, e.g. `pg_url`). `settings` are more of make_settings's;
    given a Settings instead of a data dir, the app is built on it as it is."""
    if isinstance(data_dir, Settings):
        return create_app(data_dir, announce=announce)
    return create_app(make_settings(data_dir, database, **settings), announce=announce)


@contextmanager
def app_on(
    data_dir: Path | Settings,
    database: str | None = None,
    *,
    announce: Callable[[str], None] = quiet,
    **settings: object,
) -> Iterator[OntapApp]:
    """`new_app(...)`, its store disposed of when the context ends."""
    application = new_app(data_dir, database, announce=announce, **settings)
    try:
        yield application
    finally:
        application.ctx.store.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> str | None:
    """The database URL of each backend (None = the SQLite default)."""
    if request.param == "sqlite":
        return None
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture(scope="session")
def template_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir migrated once per session; tests get copies of it."""
    data = tmp_path_factory.mktemp("template") / "data"
    with app_on(data):
        pass
    return data


# Verifying the admin password (scrypt) would be most of a test's cost, so the
# copies share one Authenticator: its cache is keyed by the stored hash, which
# every copy shares, and a changed password still misses it. Tests of
# authentication itself give their app a new one.
SHARED_AUTHENTICATOR = Authenticator()


def fresh_app(template: Path, where: Path) -> OntapApp:
    """A fresh app on its own copy of the migrated SQLite database."""
    data = where / "data"
    shutil.copytree(template, data)
    application = new_app(data)
    application.authenticator = SHARED_AUTHENTICATOR
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


@pytest.fixture
def api(app: OntapApp) -> Iterator[httpx.Client]:
    """An authenticated client of a fresh SQLite-backed app, in-process."""
    with inprocess_client(app, auth=AUTH) as c:
        yield c


@pytest.fixture
def anon(app: OntapApp) -> Iterator[httpx.Client]:
    with inprocess_client(app) as c:
        yield c


@pytest.fixture
def any_app(backend: str | None, tmp_path: Path) -> Iterator[OntapApp]:
    """A fresh app, once on SQLite and once on PostgreSQL."""
    with app_on(tmp_path / "data", backend) as application:
        yield application


@pytest.fixture
def any_api(any_app: OntapApp) -> Iterator[httpx.Client]:
    """Like `api`, once on SQLite and once on PostgreSQL."""
    with inprocess_client(any_app, auth=AUTH) as c:
        yield c
