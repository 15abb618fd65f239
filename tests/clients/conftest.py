"""NetApp's own clients against the real server: `ontap-ipsec serve` as a subprocess.

Each test module gets its own server (own port, own data dir), started by
tests/server/process.py. A client that is not installed makes its tests skip outside CI;
under CI=true they fail instead (tests/requirements.py).
"""

from __future__ import annotations

from collections.abc import Iterator

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
