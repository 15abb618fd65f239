"""Two `ontap-ipsec serve` processes on one PostgreSQL database, each with a daemon of its
own host (here: its own charon): a change through either converges both within 2 s,
through the database's NOTIFY (no polling, no shared file)."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

from tests.strongswan.lab import Lab
from tests.strongswan.needs import require_vici

require_vici()

from tests.strongswan.ike import (  # noqa: E402
    assert_accepted,
    assert_refused,
    authorities,
    terminate_all,
    wait_for,
)
from tests.strongswan.served import authority, serving  # noqa: E402

CONVERGED = 2.0


def test_a_change_through_either_server_converges_both_daemons(
    lab: Lab, tmp_path: Path, pg_url: str
) -> None:
    with ExitStack() as stack:
        one, two = (
            stack.enter_context(
                serving(tmp_path / name, {"cluster1": lab.daemons[side].uri}, "--database", pg_url)
            )
            for name, side in (("one", "b"), ("two", "a"))
        )

        def on_both(name: str) -> bool:
            return all(name in authorities(lab, side) for side in "ab")

        def on_neither(name: str) -> bool:
            return not any(name in authorities(lab, side) for side in "ab")

        ca = one.install_ca(lab.daemons["a"].identity.ca_pem, "ca-a")
        one.add(ca)
        assert wait_for(lambda: on_both(authority(ca)), CONVERGED) < CONVERGED
        assert_accepted(lab)

        terminate_all(lab)
        two.remove(ca)
        assert wait_for(lambda: on_neither(authority(ca)), CONVERGED) < CONVERGED
        assert_refused(lab)

        two.add(ca)
        assert wait_for(lambda: on_both(authority(ca)), CONVERGED) < CONVERGED
        for api in (one, two):
            api.wait_status(lambda doc: doc["daemons"][0]["in_sync"], CONVERGED)
