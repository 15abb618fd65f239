"""Fixtures that run the real server process (see process.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.server.process import Server, run_server

ServerFactory = Callable[..., Server]
HTTPS_PASSWORD = "server-test-pw"


@pytest.fixture
def start_server() -> Iterator[ServerFactory]:
    """start_server(data_dir, admin_password=..., tls=...) -> a running Server.

    Every server started through it is stopped at the end of the test.
    """
    with ExitStack() as stack:

        def start(data_dir: Path, **kw: object) -> Server:
            return stack.enter_context(run_server(data_dir, **kw))  # type: ignore[arg-type]

        yield start


@pytest.fixture(scope="module")
def https_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One TLS server with a known admin password, shared by a module's read-only tests."""
    data_dir = tmp_path_factory.mktemp("https") / "data"
    with run_server(data_dir, admin_password=HTTPS_PASSWORD) as server:
        yield server
