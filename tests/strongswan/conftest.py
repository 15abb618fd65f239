"""Fixtures of the strongSwan suite: two real charon daemons, fresh for every test.

The namespaces and veth pair are made once per session (per xdist worker, with unique
names); the daemons are restarted for every test, which costs ~0.2 s and leaves no
authority, SA or cache entry of one test behind for the next.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from tests.requirements import missing
from tests.strongswan.lab import Lab
from tests.strongswan.needs import daemon_problem

OPERATOR_NAME = "operator-ca-b"  # what an operator loaded on daemon a: never ours to touch


@pytest.fixture(scope="session")
def lab_session() -> Iterator[Lab]:
    problem = daemon_problem()
    if problem:
        missing(problem)
    lab = Lab.create()
    try:
        yield lab
    finally:
        lab.close()


@pytest.fixture
def lab(lab_session: Lab) -> Iterator[Lab]:
    """Both daemons restarted and configured; daemon a trusts b's CA through the operator.

    Daemon b trusts nothing until a test (or the reconciler) loads a's CA, so whether
    a's initiation is accepted is decided by b's authorities alone.
    """
    for side, daemon in lab_session.daemons.items():
        daemon.stop()
        daemon.start()
        lab_session.configure(side)
    with lab_session.session("a") as s:
        s.load_authority({OPERATOR_NAME: {"cacert": lab_session.daemons["b"].identity.ca_pem}})
    yield lab_session


class DesiredList:
    """A mutable stand-in for the store's desired IPsec CA list (scope -> {uuid: PEM})."""

    def __init__(self) -> None:
        self.scopes: dict[str, dict[str, str]] = {}
        self.calls = 0

    def __call__(self) -> Mapping[str, Mapping[str, str]]:
        self.calls += 1
        return {scope: dict(entries) for scope, entries in self.scopes.items()}


@pytest.fixture
def desired() -> DesiredList:
    return DesiredList()


@pytest.fixture
def make_reconciler(desired: DesiredList) -> Iterator[Callable[..., Any]]:
    """Build and start Reconcilers over `desired`; all are stopped after the test."""
    from ontap_ipsec.ipsec import Reconciler

    made: list[Reconciler] = []

    def make(daemons: Mapping[str, str], **kw: Any) -> Reconciler:
        kw.setdefault("resync", 30.0)
        reconciler = Reconciler(daemons, desired, **kw).start()
        made.append(reconciler)
        return reconciler

    yield make
    for reconciler in made:
        reconciler.stop()


@pytest.fixture
def bare(lab_session: Lab) -> Iterator[Lab]:
    """Both daemons restarted with nothing loaded: b is ours alone, a is set up per test."""
    for daemon in lab_session.daemons.values():
        daemon.stop()
        daemon.start()
    yield lab_session


@pytest.fixture
def api(bare: Lab, tmp_path: Path) -> Iterator[Any]:
    """An app driving daemon b for SVM vs1, its client, and IPsec enabled."""
    from ontap_ipsec.inprocess import client as inprocess_client
    from ontap_ipsec.ipsec.service import attach
    from tests.conftest import AUTH, new_app

    app = new_app(tmp_path / "data", strongswan=(f"vs1={bare.daemons['b'].uri}",))
    service = attach(app.ctx)
    try:
        with inprocess_client(app, auth=AUTH) as http:
            made = http.post("/api/svm/svms?return_timeout=10", json={"name": "vs1"})
            assert made.status_code in (200, 201), made.text
            enabled = http.patch("/api/security/ipsec", json={"enabled": True})
            assert enabled.status_code == 200, enabled.text
            yield http
    finally:
        service.stop()
        app.close()
