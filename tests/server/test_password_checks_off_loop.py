"""Password hashes are computed off the event loop, and cost the same for any name.

A burst of wrong passwords (each a scrypt hash, tens of milliseconds) waits in a small
pool of its own; a client whose credential is already verified is answered meanwhile.
An unknown or locked account's refusal computes a hash too, so its time says nothing.
"""

from __future__ import annotations

import hashlib
import threading
import time
from pathlib import Path

import pytest

from ontap_ipsec import auth
from ontap_ipsec.app import OntapApp
from ontap_ipsec.inprocess import client as inprocess_client
from tests.server.conftest import ServerFactory

PASSWORD = "known-pw"
GUESSES = 24


@pytest.mark.parametrize("server", ["granian", "uvicorn"])
def test_a_known_client_is_answered_while_guesses_are_checked(
    start_server: ServerFactory, tmp_path: Path, server: str
) -> None:
    running = start_server(
        tmp_path / "data",
        admin_password=PASSWORD,
        extra_args=("--server", server, "--workers", "1"),
    )
    with running.client(running.auth) as known:
        assert known.get("/api/cluster").status_code == 200  # verified once: remembered
        finished: list[float] = []

        def guess(i: int) -> None:
            with running.client(("admin", f"wrong-{i}")) as guesser:
                assert guesser.get("/api/svm/svms").status_code == 401
            finished.append(time.monotonic())

        threads = [threading.Thread(target=guess, args=(i,)) for i in range(GUESSES)]
        for t in threads:
            t.start()
        time.sleep(0.05)  # the guesses are queued or being hashed
        answered = known.get("/api/svm/svms")
        answered_at = time.monotonic()
        for t in threads:
            t.join(timeout=60)
    assert answered.status_code == 200
    assert len(finished) == GUESSES
    # Hashed two at a time, the guesses take several hash times; the known client did not
    # wait for them to be done.
    assert answered_at < max(finished)


def test_an_unknown_or_locked_account_is_refused_after_a_hash(
    app: OntapApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app.ctx.store.write() as conn:
        auth.set_password(conn, "locked", "locked-pw", role="readonly")
        conn.exec_driver_sql("UPDATE accounts SET locked = 1 WHERE name = 'locked'")
    app.authenticator = auth.Authenticator()
    auth.verify_password("warm", auth._stand_in_hash())  # the stand-in is made once
    hashed: list[int] = []
    real = hashlib.scrypt

    def counting(*args: object, **kwargs: object) -> bytes:
        hashed.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(hashlib, "scrypt", counting)
    with inprocess_client(app) as anonymous:
        for user, password in (("nobody", "x"), ("locked", "locked-pw"), ("admin", "wrong")):
            hashed.clear()
            response = anonymous.get("/api/cluster", auth=(user, password))
            assert response.status_code == 401, user
            assert len(hashed) == 1, user
