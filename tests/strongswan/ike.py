"""What the tests ask of the lab's daemons themselves, over raw VICI sessions.

Daemon a initiates an IKE-only SA to daemon b; whether b accepts it is decided by b's
authorities alone (a trusts b's CA through the operator's authority, conftest.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import vici

from tests.strongswan.lab import Lab


def initiate(lab: Lab) -> tuple[bool, list[str]]:
    """A new IKE SA from a to b: (accepted, a's log of the exchange)."""
    said: list[str] = []
    with lab.session("a") as s:
        try:
            for event in s.initiate({"ike": "peer", "timeout": 5000}):
                said.append(event.get("msg", b"").decode())
        except vici.exception.CommandException:
            return False, said
    return True, said


def assert_accepted(lab: Lab) -> None:
    ok, said = initiate(lab)
    assert ok, "\n".join(said) + "\n--- b's log ---\n" + lab.daemons["b"].log()[-3000:]


def assert_refused(lab: Lab) -> None:
    ok, said = initiate(lab)
    assert not ok, "a's initiation was accepted"
    assert "received AUTHENTICATION_FAILED notify error" in said, said


def sas(lab: Lab, side: str) -> list[dict[str, Any]]:
    with lab.session(side) as s:
        return [sa for event in s.list_sas() for sa in event.values()]


def terminate_all(lab: Lab) -> None:
    """Established SAs survive a CA's removal: drop them before a new initiation."""
    with lab.session("a") as s:
        for sa in sas(lab, "a"):
            list(s.terminate({"ike-id": sa["uniqueid"], "force": "yes", "timeout": 2000}))


def authorities(lab: Lab, side: str) -> dict[str, str]:
    """name -> subject of every authority the daemon holds."""
    with lab.session(side) as s:
        return {n: v["cacert"].decode() for e in s.list_authorities() for n, v in e.items()}


def wait_for(condition: Callable[[], object], timeout: float) -> float:
    """Poll until `condition` holds; the seconds it took. AssertionError after `timeout`."""
    start = time.monotonic()
    deadline = start + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout} s")
        time.sleep(0.01)
    return time.monotonic() - start
