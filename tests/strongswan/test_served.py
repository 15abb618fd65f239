"""Acceptance: the IPsec CA list served by the real `ontap-ipsec serve` (HTTPS, its default
server and its 2 workers) is the trust store of two real charon daemons.

Daemon b is the cluster's (scope "cluster1"), daemon a vs1's. a initiates an IKE-only SA
to b, which b accepts only while a's CA is among its authorities: here, only while that
CA is a cluster-scope entry of the list. a trusts b's CA through an authority the test
loaded itself (conftest.OPERATOR_NAME), which no change may touch. Every change goes
through the REST API of the server process; the agent process converges the daemons.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

from tests.strongswan.conftest import OPERATOR_NAME
from tests.strongswan.lab import Lab
from tests.strongswan.needs import require_vici

require_vici()

from tests.certs import make_ca, new_key, pem  # noqa: E402
from tests.server.process import EXECUTABLE  # noqa: E402
from tests.strongswan.ike import (  # noqa: E402
    assert_accepted,
    assert_refused,
    authorities,
    sas,
    terminate_all,
    wait_for,
)
from tests.strongswan.served import PASSWORD, authority, serving  # noqa: E402

CONVERGED = 2.0  # seconds within which every daemon must follow a change


def daemons(lab: Lab) -> dict[str, str]:
    return {"cluster1": lab.daemons["b"].uri, "vs1": lab.daemons["a"].uri}


def test_a_peer_is_accepted_while_its_ca_is_listed_and_refused_after_delete(
    lab: Lab, tmp_path: Path
) -> None:
    with serving(tmp_path / "data", daemons(lab)) as api:
        assert_refused(lab)
        ca = api.install_ca(lab.daemons["a"].identity.ca_pem, "ca-a")
        api.add(ca)
        wait_for(lambda: authority(ca) in authorities(lab, "b"), CONVERGED)
        assert_accepted(lab)

        terminate_all(lab)
        api.remove(ca)
        wait_for(lambda: authority(ca) not in authorities(lab, "b"), CONVERGED)
        assert_refused(lab)  # AUTHENTICATION_FAILED

        api.add(ca)
        wait_for(lambda: authority(ca) in authorities(lab, "b"), CONVERGED)
        assert_accepted(lab)
        # vs1's daemon got none of the cluster's entries, and kept the operator's own
        assert set(authorities(lab, "a")) == {OPERATOR_NAME}
        assert api.wait_status(lambda doc: doc["daemons"][0]["in_sync"], CONVERGED)


def test_a_restarted_daemon_gets_its_authorities_back_and_a_post_while_down_converges(
    lab: Lab, tmp_path: Path
) -> None:
    b = lab.daemons["b"]
    with serving(tmp_path / "data", daemons(lab)) as api:
        ca = api.install_ca(lab.daemons["a"].identity.ca_pem, "ca-a")
        api.add(ca)
        wait_for(lambda: authority(ca) in authorities(lab, "b"), CONVERGED)

        b.stop()
        api.wait_status(lambda doc: doc["daemons"][0]["reachable"] is False, CONVERGED)
        later = api.install_ca(pem(make_ca(new_key("p256"), "added while down")[0]), "later")
        api.add(later)  # the daemon is down: the change is stored, the call succeeds
        down = api.wait_status(
            lambda doc: len(doc["daemons"][0]["missing"]) == 2, CONVERGED
        )["daemons"][0]
        assert down["missing"] == sorted([authority(ca), authority(later)])
        assert not down["in_sync"] and down["last_error"]

        b.start()
        took = wait_for(
            lambda: {authority(ca), authority(later)} <= set(authorities(lab, "b")), CONVERGED
        )
        assert took < CONVERGED
        lab.configure("b")  # the test's own certificate, key and connection
        assert_accepted(lab)
        api.wait_status(lambda doc: doc["daemons"][0]["in_sync"], CONVERGED)
    said = [line for line in api.log().splitlines() if "'cluster1'" in line]
    assert len([line for line in said if "went away" in line]) == 1, said
    assert len([line for line in said if "reachable again" in line]) == 1, said


def test_an_svm_named_before_it_exists_attaches_and_its_delete_unloads_its_cas(
    lab: Lab, tmp_path: Path
) -> None:
    with serving(tmp_path / "data", daemons(lab)) as api:
        api.wait_status(lambda doc: doc["daemons"][1]["attached"] is False, CONVERGED)
        svm = api.create_svm("vs1")
        ca = api.install_ca(lab.daemons["b"].identity.ca_pem, "ca-b", svm="vs1")
        api.add(ca, svm="vs1")
        wait_for(lambda: authority(ca) in authorities(lab, "a"), CONVERGED)
        assert authority(ca) not in authorities(lab, "b")  # an SVM's entry: vs1's daemon only
        status = api.daemon("vs1")
        assert (status["attached"], status["scope_key"], status["entries"]) == (True, svm, 1)
        cluster_ca = api.install_ca(lab.daemons["a"].identity.ca_pem, "ca-a")
        api.add(cluster_ca)  # cluster scope: the cluster's daemon only, not vs1's
        wait_for(lambda: authority(cluster_ca) in authorities(lab, "b"), CONVERGED)
        api.wait_status(lambda doc: all(d["in_sync"] for d in doc["daemons"]), CONVERGED)
        assert set(authorities(lab, "a")) == {OPERATOR_NAME, authority(ca)}

        api.delete_svm(svm)
        wait_for(lambda: set(authorities(lab, "a")) == {OPERATOR_NAME}, CONVERGED)
    log = api.log()
    assert "strongSwan scope 'vs1' names neither the cluster nor an SVM (yet)" in log
    assert "strongSwan scope 'vs1' is attached to scope key" in log


def test_terminate_on_remove_takes_the_established_sa_down(lab: Lab, tmp_path: Path) -> None:
    with serving(
        tmp_path / "data", daemons(lab), "--strongswan-terminate-on-remove"
    ) as api:
        ca = api.install_ca(lab.daemons["a"].identity.ca_pem, "ca-a")
        api.add(ca)
        wait_for(lambda: authority(ca) in authorities(lab, "b"), CONVERGED)
        assert_accepted(lab)
        assert len(sas(lab, "b")) == 1
        api.remove(ca)
        wait_for(lambda: sas(lab, "b") == [], CONVERGED)
        assert_refused(lab)


def test_authorities_loaded_by_the_operator_survive_every_change(
    lab: Lab, tmp_path: Path
) -> None:
    with lab.session("b") as s:
        s.load_authority({"operator-ca": {"cacert": lab.daemons["b"].identity.ca_pem}})
    with serving(tmp_path / "data", daemons(lab), "--strongswan-resync", "0.2") as api:
        ca = api.install_ca(lab.daemons["a"].identity.ca_pem, "ca-a")
        svm = api.create_svm("vs1")
        own = api.install_ca(lab.daemons["b"].identity.ca_pem, "ca-b", svm="vs1")
        steps = [  # a change, then which of ours each daemon must hold
            (lambda: api.add(ca), {authority(ca)}, set()),
            (lambda: api.add(own, svm="vs1"), {authority(ca)}, {authority(own)}),
            (lambda: api.remove(ca), set(), {authority(own)}),
            (lambda: api.delete_svm(svm), set(), set()),
        ]
        for change, on_b, on_a in steps:
            change()
            want = {"b": {"operator-ca", *on_b}, "a": {OPERATOR_NAME, *on_a}}
            wait_for(lambda w=want: all(set(authorities(lab, s)) == w[s] for s in "ab"), CONVERGED)
            time.sleep(0.3)  # and a resync or more
            assert {side: set(authorities(lab, side)) for side in "ab"} == want


def test_strongswan_status_prints_each_daemon_and_the_unattached_scopes(
    lab: Lab, tmp_path: Path
) -> None:
    with serving(tmp_path / "data", {"cluster1": lab.daemons["b"].uri}) as api:
        api.create_svm("vs2")
        api.add(api.install_ca(lab.daemons["b"].identity.ca_pem, "ca-b", svm="vs2"), svm="vs2")
        api.wait_status(lambda doc: doc["daemons"][0]["in_sync"], CONVERGED)
        connection = ["--host", "127.0.0.1", "--port", str(api.server.port), "--insecure"]
        env = {**os.environ, "ONTAP_PASSWORD": PASSWORD}

        def cli(*argv: str) -> str:
            done = subprocess.run(
                [str(EXECUTABLE), *connection, *argv], capture_output=True, text=True, env=env
            )
            assert (done.returncode, done.stderr) == (0, ""), done
            return done.stdout

        table = cli("strongswan", "status").splitlines()
        assert table[1].split() == ["Scope", "Reachable", "In", "Sync", "Missing", "Extra",
                                    "Convergence", "Daemon"]  # fmt: skip
        assert table[3].split()[:5] == ["cluster1", "true", "true", "0", "0"]
        assert table[3].endswith(lab.daemons["b"].uri)
        assert table[-1] == "Unattached scopes (entries kept, trusted by no daemon): vs2 (1 entry)"
        document = json.loads(cli("--output", "json", "strongswan", "status"))
        assert document["unattached"] == [
            {"scope": "vs2", "scope_key": document["unattached"][0]["scope_key"], "entries": 1}
        ]
        assert document["daemons"][0]["scope_key"] == "cluster"


def test_entries_listed_before_the_start_are_loaded_and_a_query_delete_unloads_them(
    lab: Lab, tmp_path: Path
) -> None:
    """What a restore will need: the pass at start converges whatever the database holds."""
    data = tmp_path / "data"
    with serving(data, daemons(lab)) as api:
        made = [
            api.install_ca(lab.daemons["a"].identity.ca_pem, "ca-a"),
            api.install_ca(pem(make_ca(new_key("p256"), "another")[0]), "another"),
        ]
        for ca in made:
            api.add(ca)
    lab.daemons["b"].stop()  # a daemon that has lost everything, and a server not running
    lab.daemons["b"].start()
    lab.configure("b")
    with serving(data, daemons(lab)) as api:
        wanted = {authority(ca) for ca in made}
        wait_for(lambda: wanted <= set(authorities(lab, "b")), CONVERGED)
        assert_accepted(lab)
        terminate_all(lab)
        answer = api.http.delete("/api/security/ipsec/ca-certificates", params={"scope": "cluster"})
        assert answer.json() == {"num_records": 2}, answer.text
        wait_for(lambda: not wanted & set(authorities(lab, "b")), CONVERGED)
        assert_refused(lab)


def test_a_restore_into_the_running_server_reconciles_the_daemons(
    lab: Lab, tmp_path: Path
) -> None:
    """`ontap-ipsec restore` while the server runs: the restored IPsec CA list reaches the
    daemons through the agent, with no restart, and the peer is accepted again."""
    data, file = tmp_path / "data", tmp_path / "state.backup"

    def cli(*argv: str) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ONTAP_IPSEC_")}
        done = subprocess.run(
            [str(EXECUTABLE), *argv, "--data-dir", str(data)],
            capture_output=True,
            text=True,
            env=env,
            stdin=subprocess.DEVNULL,
            timeout=60,
        )
        assert done.returncode == 0, done

    with serving(data, daemons(lab)) as api:
        ca = api.install_ca(lab.daemons["a"].identity.ca_pem, "ca-a")
        api.add(ca)
        wait_for(lambda: authority(ca) in authorities(lab, "b"), CONVERGED)
        cli("backup", str(file))

        terminate_all(lab)
        api.remove(ca)
        wait_for(lambda: authority(ca) not in authorities(lab, "b"), CONVERGED)
        assert_refused(lab)

        cli("restore", str(file))
        wait_for(lambda: authority(ca) in authorities(lab, "b"), CONVERGED)
        assert_accepted(lab)
        listed = api.ok(api.http.get("/api/security/ipsec/ca-certificates"))["records"]
        assert [record["certificate"]["uuid"] for record in listed] == [ca]
