"""How the passes keep a daemon's connections: restarts, changes, scopes, the operator's own.

The same real daemons as tests/strongswan/test_policies.py; b is ontap-ipsec's.
"""

from __future__ import annotations

from typing import Any

from tests.strongswan.lab import Lab
from tests.strongswan.needs import require_vici

require_vici()

from tests.strongswan.ike import wait_for  # noqa: E402
from tests.strongswan.test_policies import (  # noqa: E402
    CONVERGED,
    POLICIES,
    PSK,
    _conns,
    _ours_loaded,
    _policy,
)

OPERATOR = "operators-own"


def _conn(lab: Lab, name: str) -> dict[str, Any]:
    with lab.session("b") as s:
        for event in s.list_conns({"ike": name}):
            if name in event:
                return dict(event[name])
    raise AssertionError(f"{name} is not loaded")


def _psk_policy(http: Any, lab: Lab, **extra: Any) -> str:
    return _policy(
        http, lab, authentication_method="psk", secret_key=PSK,
        local_identity="svm-vs1.example", remote_identity="host-a.example", **extra,
    )  # fmt: skip


def test_a_restarted_daemon_gets_its_connections_and_secrets_again(bare: Lab, api: Any) -> None:
    lab, http = bare, api
    policy = _psk_policy(http, lab)
    wait_for(lambda: _ours_loaded(lab, policy), CONVERGED)
    daemon = lab.daemons["b"]
    daemon.stop()
    daemon.start()  # charon forgets everything loaded over VICI
    assert _conns(lab, "b") == []
    wait_for(lambda: _ours_loaded(lab, policy), CONVERGED)
    with lab.session("b") as s:
        assert s.get_shared()["keys"] == [f"ontap-ipsec-psk-{policy}".encode()]


def test_a_change_reloads_the_connection(bare: Lab, api: Any) -> None:
    lab, http = bare, api
    policy = _psk_policy(http, lab)
    name = f"ontap-ipsec-policy-{policy}"
    wait_for(lambda: _ours_loaded(lab, policy), CONVERGED)
    assert _conn(lab, name)["remote_addrs"][0].decode().endswith(".0/24")
    changed = http.patch(
        f"{POLICIES}/{policy}",
        json={"remote_endpoint": {"address": lab.daemons["a"].ip, "netmask": "32"}},
    )
    assert changed.status_code == 200, changed.text
    wait_for(
        lambda: _conn(lab, name)["remote_addrs"] == [f"{lab.daemons['a'].ip}/32".encode()],
        CONVERGED,
    )


def test_the_operators_connections_and_secrets_are_never_touched(bare: Lab, api: Any) -> None:
    lab, http = bare, api
    with lab.session("b") as s:
        s.load_conn({OPERATOR: {"version": "2", "remote_addrs": ["192.0.2.1"],
                                "local": {"auth": "psk"}, "remote": {"auth": "psk"}}})  # fmt: skip
        s.load_shared({"id": "operator-psk", "type": "IKE", "data": b"operator's own secret"})
    policy = _psk_policy(http, lab)
    wait_for(lambda: _ours_loaded(lab, policy), CONVERGED)
    assert http.delete(f"{POLICIES}/{policy}").status_code == 200
    wait_for(lambda: not _ours_loaded(lab, policy), CONVERGED)
    api_app_full_pass = http.get("/_ontap-ipsec/strongswan").json()  # in sync, nothing extra
    assert api_app_full_pass["daemons"][0]["extra"] == []
    assert _conns(lab, "b") == [OPERATOR]
    with lab.session("b") as s:
        assert s.get_shared()["keys"] == [b"operator-psk"]


def test_a_policy_of_another_scope_is_not_loaded(bare: Lab, api: Any) -> None:
    lab, http = bare, api
    made = http.post("/api/svm/svms?return_timeout=10", json={"name": "vs2"})
    assert made.status_code in (200, 201), made.text
    other = http.post(
        POLICIES,
        json={"name": "elsewhere", "svm": {"name": "vs2"}, "authentication_method": "psk",
              "secret_key": PSK, "local_endpoint": {"address": "192.0.2.10", "netmask": "32"},
              "remote_endpoint": {"address": "192.0.2.20", "netmask": "32"}},
    )  # fmt: skip
    assert other.status_code == 201, other.text
    mine = _psk_policy(http, lab)
    wait_for(lambda: _ours_loaded(lab, mine), CONVERGED)
    assert _conns(lab, "b") == [f"ontap-ipsec-policy-{mine}"]
