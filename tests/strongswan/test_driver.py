"""The VICI driver and the reconciler without a daemon: URIs, timeouts, plans, a daemon down.

These need neither root nor charon, only the vici module, so they also run where the
daemon tests skip.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.strongswan.needs import require_vici

require_vici()

from ontap_ipsec.ipsec import (  # noqa: E402
    AUTHORITY_PREFIX,
    DaemonUnreachable,
    Reconciler,
    ViciDriver,
    parse_vici_uri,
)
from ontap_ipsec.ipsec.plan import Plan, digest, plan  # noqa: E402

PEM_A = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
PEM_B = "-----BEGIN CERTIFICATE-----\nBBBB\n-----END CERTIFICATE-----\n"


@pytest.mark.parametrize("uri", ["unix:///run/charon.vici", "unix:///tmp/a%20b/c.vici"])
def test_a_unix_uri_gives_its_path(uri: str) -> None:
    assert parse_vici_uri(uri).startswith("/")


@pytest.mark.parametrize(
    "uri",
    [
        "",
        "/run/charon.vici",
        "tcp://127.0.0.1:4502",
        "unix://run/charon.vici",
        "unix:relative.vici",
        "unix:///",
        "unix:///run/charon.vici?x=1",
        "unix:///run/charon.vici#frag",
    ],
)
def test_a_malformed_uri_is_refused_with_the_uri_named(uri: str) -> None:
    with pytest.raises(ValueError, match="malformed VICI URI") as caught:
        ViciDriver(uri)
    assert repr(uri) in str(caught.value)


def test_a_missing_socket_is_unreachable_at_once(tmp_path: Path) -> None:
    driver = ViciDriver(f"unix://{tmp_path}/none.vici", timeout=5)
    started = time.monotonic()
    with pytest.raises(DaemonUnreachable, match="none.vici"):
        driver.version()
    assert time.monotonic() - started < 1


def test_only_names_with_our_prefix_can_be_changed(tmp_path: Path) -> None:
    driver = ViciDriver(f"unix://{tmp_path}/none.vici")
    assert driver.authority_name("u1") == f"{AUTHORITY_PREFIX}u1"
    assert driver.owns(f"{AUTHORITY_PREFIX}u1")
    for foreign in ("operator-ca", AUTHORITY_PREFIX, AUTHORITY_PREFIX.rstrip("-")):
        assert not driver.owns(foreign)
        with pytest.raises(ValueError, match="not ours"):
            driver.load_authority(foreign, PEM_A)
        with pytest.raises(ValueError, match="not ours"):
            driver.unload_authority(foreign)


@pytest.fixture
def mute_daemon(tmp_path: Path) -> Iterator[tuple[str, list[bytes]]]:
    """A VICI socket whose 'daemon' answers with `replies[0]` (maybe a partial packet), then
    hangs: nothing more ever comes."""
    path = tmp_path / "mute.vici"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    server.listen()
    replies: list[bytes] = [b""]
    held: list[socket.socket] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            held.append(conn)
            conn.sendall(replies[0])

    threading.Thread(target=serve, daemon=True).start()
    yield f"unix://{path}", replies
    server.close()
    for conn in held:
        conn.close()


@pytest.mark.parametrize("reply", [b"", b"\x00\x00", b"\x00\x00\x00\x10\x01"])
def test_a_daemon_that_hangs_times_out(mute_daemon: tuple[str, list[bytes]], reply: bytes) -> None:
    """Also mid-packet, where the vici package would clear the socket's timeout."""
    uri, replies = mute_daemon
    replies[0] = reply
    driver = ViciDriver(uri, timeout=0.3)
    started = time.monotonic()
    with pytest.raises(DaemonUnreachable, match="timed out"):
        driver.version()
    assert time.monotonic() - started < 1.0
    assert not driver.connected()


def test_the_plan_loads_missing_and_changed_and_unloads_only_our_extras() -> None:
    ours = AUTHORITY_PREFIX
    desired = {f"{ours}new": PEM_A, f"{ours}same": PEM_A, f"{ours}changed": PEM_B}
    loaded = [f"{ours}same", f"{ours}changed", f"{ours}gone", "operator-ca"]
    known = {f"{ours}same": digest(PEM_A), f"{ours}changed": digest(PEM_A)}
    result = plan(desired, loaded, known, lambda n: n.startswith(ours))
    assert result == Plan({f"{ours}changed": PEM_B, f"{ours}new": PEM_A}, [f"{ours}gone"])


def test_an_authority_of_ours_loaded_before_we_knew_it_is_loaded_again_once() -> None:
    name = f"{AUTHORITY_PREFIX}x"
    owns = lambda n: n.startswith(AUTHORITY_PREFIX)  # noqa: E731
    assert plan({name: PEM_A}, [name], {}, owns).load == {name: PEM_A}
    assert not plan({name: PEM_A}, [name], {name: digest(PEM_A)}, owns)


def test_a_down_daemon_never_raises_and_reports_its_drift(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="ontap_ipsec.strongswan")
    desired = {"vs1": {"u1": PEM_A, "u2": PEM_B}}
    uri = f"unix://{tmp_path}/down.vici"
    with Reconciler({"vs1": uri}, lambda: desired, poll_interval=0.05) as reconciler:
        assert reconciler.converge(timeout=2) is False
        reconciler.notify()
        time.sleep(0.3)  # several polls
        status = reconciler.status()["vs1"]
    assert status["uri"] == uri
    assert status["reachable"] is False and status["in_sync"] is False
    assert status["missing"] == [f"{AUTHORITY_PREFIX}u1", f"{AUTHORITY_PREFIX}u2"]
    assert status["extra"] == [] and "FileNotFoundError" in status["last_error"]
    assert status["last_convergence"] is None
    said = [r.getMessage() for r in caplog.records if r.name == "ontap_ipsec.strongswan"]
    assert len(said) == 1 and "is not reachable" in said[0], said


def test_a_failing_desired_list_is_reported_not_raised(tmp_path: Path) -> None:
    def broken() -> dict[str, dict[str, str]]:
        raise RuntimeError("database is down, password=hunter2")

    with Reconciler({"vs1": f"unix://{tmp_path}/x.vici"}, broken) as reconciler:
        reconciler.converge(timeout=2)
        error = reconciler.status()["vs1"]["last_error"]
    assert "RuntimeError" in error and "hunter2" not in error


def test_stop_is_prompt_even_while_a_daemon_hangs(mute_daemon: tuple[str, list[bytes]]) -> None:
    uri, _ = mute_daemon
    reconciler = Reconciler({"vs1": uri}, dict, timeout=10).start()
    time.sleep(0.2)  # the first pass is now blocked on the mute daemon
    started = time.monotonic()
    reconciler.stop()
    assert time.monotonic() - started < 1.0


def test_a_malformed_uri_is_refused_by_the_reconciler() -> None:
    with pytest.raises(ValueError, match="scope 'vs1': malformed VICI URI 'unix://x'"):
        Reconciler({"vs1": "unix://x"}, dict)
