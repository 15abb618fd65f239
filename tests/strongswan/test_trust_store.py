"""The IPsec CA list as the trust store of two real charon daemons.

Daemon a initiates an IKE-only SA to daemon b. b accepts a's certificate only when a's CA
is among b's authorities, which our driver or reconciler loads (scope "cluster1" is b's
daemon, "vs1" is a's). a trusts b's CA through an authority the test loaded itself,
without our prefix, so every reconciliation of a's daemon must leave it alone.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import pytest

from tests.certs import make_ca, new_key, pem
from tests.strongswan.conftest import OPERATOR_NAME, DesiredList
from tests.strongswan.lab import Lab
from tests.strongswan.needs import require_vici

require_vici()

from ontap_ipsec.ipsec import AUTHORITY_PREFIX, Reconciler, ViciDriver  # noqa: E402
from tests.strongswan.ike import (  # noqa: E402
    assert_accepted,
    assert_refused,
    authorities,
    sas,
    terminate_all,
    wait_for,
)

UUID_A = "1b0e4f5c-0000-4000-8000-00000000000a"
UUID_OTHER = "1b0e4f5c-0000-4000-8000-0000000000ff"
NAME_A = f"{AUTHORITY_PREFIX}{UUID_A}"
MakeReconciler = Callable[..., Reconciler]


def daemons(lab: Lab) -> dict[str, str]:
    return {"cluster1": lab.daemons["b"].uri, "vs1": lab.daemons["a"].uri}


def test_an_authority_loaded_by_the_driver_lets_the_peer_in(lab: Lab) -> None:
    assert_refused(lab)  # b trusts nothing yet
    with ViciDriver(lab.daemons["b"].uri) as driver:
        driver.load_authority(NAME_A, lab.daemons["a"].identity.ca_pem)
        assert driver.list_authorities()[NAME_A].subject == "CN=ontap-ipsec test CA a"
        assert_accepted(lab)
        [sa] = driver.list_sas()
        assert (sa.state, sa.remote_id) == ("ESTABLISHED", lab.daemons["a"].identity.dn)
        driver.unload_authority(NAME_A)
        assert NAME_A not in driver.list_authorities()


def test_removal_refuses_new_peers_and_adding_again_accepts_them(
    lab: Lab, desired: DesiredList, make_reconciler: MakeReconciler
) -> None:
    desired.scopes = {"cluster1": {UUID_A: lab.daemons["a"].identity.ca_pem}}
    reconciler = make_reconciler(daemons(lab))
    assert reconciler.converge()
    assert_accepted(lab)

    terminate_all(lab)
    desired.scopes = {"cluster1": {}}
    assert reconciler.converge()
    assert NAME_A not in authorities(lab, "b")
    assert_refused(lab)

    desired.scopes = {"cluster1": {UUID_A: lab.daemons["a"].identity.ca_pem}}
    reconciler.notify()
    assert reconciler.converge()
    assert_accepted(lab)
    status = reconciler.status()
    assert status["cluster1"]["in_sync"] and status["vs1"]["in_sync"]
    assert status["cluster1"]["reachable"] and status["cluster1"]["last_convergence"]
    assert (status["cluster1"]["missing"], status["cluster1"]["extra"]) == ([], [])


def test_a_changed_pem_under_the_same_uuid_is_loaded_again(
    lab: Lab, desired: DesiredList, make_reconciler: MakeReconciler
) -> None:
    other, _ = make_ca(new_key("p256"), "some other CA")
    desired.scopes = {"cluster1": {UUID_A: pem(other)}}
    reconciler = make_reconciler(daemons(lab))
    assert reconciler.converge()
    assert_refused(lab)
    desired.scopes = {"cluster1": {UUID_A: lab.daemons["a"].identity.ca_pem}}
    assert reconciler.converge()
    assert authorities(lab, "b")[NAME_A] == "CN=ontap-ipsec test CA a"
    assert_accepted(lab)


def test_authorities_the_operator_loaded_survive_every_reconciliation(
    lab: Lab, desired: DesiredList, make_reconciler: MakeReconciler
) -> None:
    foreign = {"operator-ca": "CN=ontap-ipsec test CA b", AUTHORITY_PREFIX.rstrip("-"): ""}
    with lab.session("b") as s:
        for name in foreign:
            s.load_authority({name: {"cacert": lab.daemons["b"].identity.ca_pem}})
    desired.scopes = {"cluster1": {UUID_A: lab.daemons["a"].identity.ca_pem}, "vs1": {}}
    reconciler = make_reconciler(daemons(lab), resync=0.1)
    for scopes in (
        {"cluster1": {}},
        {},
        {"cluster1": {UUID_OTHER: lab.daemons["b"].identity.ca_pem}},
    ):
        desired.scopes = scopes
        assert reconciler.converge()
        time.sleep(0.15)  # and a resync
        assert set(foreign) <= set(authorities(lab, "b"))
        assert set(authorities(lab, "a")) == {OPERATOR_NAME}
    assert set(authorities(lab, "b")) == {*foreign, f"{AUTHORITY_PREFIX}{UUID_OTHER}"}
    terminate_all(lab)
    desired.scopes = {"cluster1": {UUID_A: lab.daemons["a"].identity.ca_pem}}
    assert reconciler.converge()
    assert_accepted(lab)  # a's own trust in b, the operator's, is intact


def test_a_restarted_daemon_gets_its_authorities_back_within_2_s(
    lab: Lab,
    desired: DesiredList,
    make_reconciler: MakeReconciler,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="ontap_ipsec.strongswan")
    b = lab.daemons["b"]
    desired.scopes = {"cluster1": {UUID_A: lab.daemons["a"].identity.ca_pem}}
    reconciler = make_reconciler(daemons(lab))
    assert reconciler.converge()

    b.stop()
    wait_for(lambda: reconciler.status()["cluster1"]["reachable"] is False, 2.0)
    # a change while the daemon is down is stored and reported as drift
    desired.scopes["cluster1"][UUID_OTHER] = pem(make_ca(new_key("p256"), "CA added")[0])
    assert reconciler.converge(timeout=2) is False
    down = reconciler.status()["cluster1"]
    assert down["missing"] == sorted([NAME_A, f"{AUTHORITY_PREFIX}{UUID_OTHER}"])
    assert not down["in_sync"] and down["last_error"]
    time.sleep(0.6)  # polls of a daemon that is down say nothing more

    b.start()  # returns once the socket accepts connections
    back = time.monotonic()
    wanted = {NAME_A, f"{AUTHORITY_PREFIX}{UUID_OTHER}"}
    wait_for(lambda: wanted <= set(authorities(lab, "b")), 2.0)
    assert time.monotonic() - back < 2.0
    wait_for(lambda: reconciler.status()["cluster1"]["in_sync"], 1.0)

    lab.configure("b")  # the test's own connection, key and certificate
    assert_accepted(lab)
    said = [r.getMessage() for r in caplog.records if "cluster1" in r.getMessage()]
    assert len([m for m in said if "went away" in m]) == 1, said
    assert len([m for m in said if "reachable again" in m]) == 1, said


def test_terminate_on_remove_takes_the_established_sa_down(
    lab: Lab, desired: DesiredList, make_reconciler: MakeReconciler
) -> None:
    desired.scopes = {"cluster1": {UUID_A: lab.daemons["a"].identity.ca_pem}}
    reconciler = make_reconciler(daemons(lab), terminate_on_remove=True)
    assert reconciler.converge()
    assert_accepted(lab)
    assert len(sas(lab, "b")) == 1
    desired.scopes = {"cluster1": {}}
    assert reconciler.converge()
    assert sas(lab, "b") == []
    wait_for(lambda: sas(lab, "a") == [], 2.0)  # b told a with a DELETE
    assert_refused(lab)


def test_terminate_on_remove_still_knows_the_peer_after_an_earlier_removal(
    lab: Lab, desired: DesiredList, make_reconciler: MakeReconciler
) -> None:
    """Each unload-authority flushes charon's certificate cache, where the peer's
    certificate is found: the reconciler must have noted it before the first removal."""
    unrelated = pem(make_ca(new_key("p256"), "unrelated CA")[0])
    desired.scopes = {"cluster1": {UUID_A: lab.daemons["a"].identity.ca_pem, UUID_OTHER: unrelated}}
    reconciler = make_reconciler(daemons(lab), terminate_on_remove=True)
    assert reconciler.converge()
    assert_accepted(lab)
    del desired.scopes["cluster1"][UUID_OTHER]
    assert reconciler.converge()
    assert [sa["state"] for sa in sas(lab, "b")] == [b"ESTABLISHED"]  # still trusted
    desired.scopes = {"cluster1": {}}
    assert reconciler.converge()
    assert sas(lab, "b") == []


def test_without_terminate_on_remove_the_established_sa_stays(
    lab: Lab, desired: DesiredList, make_reconciler: MakeReconciler
) -> None:
    """strongSwan keeps established SAs when a CA goes; only new negotiations fail."""
    desired.scopes = {"cluster1": {UUID_A: lab.daemons["a"].identity.ca_pem}}
    reconciler = make_reconciler(daemons(lab))
    assert reconciler.converge()
    assert_accepted(lab)
    desired.scopes = {"cluster1": {}}
    assert reconciler.converge()
    assert [sa["state"] for sa in sas(lab, "b")] == [b"ESTABLISHED"]


def test_terminate_on_remove_spares_a_peer_another_authority_still_trusts(
    lab: Lab, desired: DesiredList, make_reconciler: MakeReconciler
) -> None:
    with lab.session("b") as s:  # the operator trusts a's CA too, under a name of its own
        s.load_authority({"operator-ca-a": {"cacert": lab.daemons["a"].identity.ca_pem}})
    desired.scopes = {"cluster1": {UUID_A: lab.daemons["a"].identity.ca_pem}}
    reconciler = make_reconciler(daemons(lab), terminate_on_remove=True)
    assert reconciler.converge()
    assert_accepted(lab)
    desired.scopes = {"cluster1": {}}
    assert reconciler.converge()
    assert [sa["state"] for sa in sas(lab, "b")] == [b"ESTABLISHED"]

