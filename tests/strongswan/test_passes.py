"""Full passes and passes for a change: what an operator's `swanctl --load-authorities`
(which unloads every authority not in swanctl.conf, ours too) costs, and what repairs it."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable
from typing import Any

from tests.requirements import require_executable
from tests.strongswan.conftest import OPERATOR_NAME, DesiredList
from tests.strongswan.lab import Lab
from tests.strongswan.needs import require_vici

require_vici()

from tests.strongswan.ike import authorities, wait_for  # noqa: E402
from tests.strongswan.served import authority  # noqa: E402

UUID = "2c0e4f5c-0000-4000-8000-00000000000a"


def swanctl_load_authorities(lab: Lab, side: str) -> str:
    """`swanctl --load-authorities` with a swanctl.conf holding one authority of its own."""
    swanctl = require_executable("swanctl", "apt-get install strongswan-swanctl")
    conf = lab.work / f"swanctl-{side}"
    (conf / "x509ca").mkdir(parents=True, exist_ok=True)
    (conf / "x509ca" / "own.pem").write_text(lab.daemons["b"].identity.ca_pem)
    (conf / "swanctl.conf").write_text("authorities { own { cacert = own.pem } }\n")
    done = subprocess.run(
        [swanctl, "--load-authorities", "--uri", lab.daemons[side].uri],
        env={**os.environ, "SWANCTL_DIR": str(conf)},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done
    return done.stdout


def test_swanctl_unloads_ours_until_a_full_pass_loads_them_again(
    lab: Lab, desired: DesiredList, make_reconciler: Callable[..., Any]
) -> None:
    desired.scopes = {"vs1": {UUID: lab.daemons["b"].identity.ca_pem}}
    reconciler = make_reconciler({"vs1": lab.daemons["a"].uri}, resync=3600.0)
    assert reconciler.converge()
    assert set(authorities(lab, "a")) == {OPERATOR_NAME, authority(UUID)}

    assert "2 unloaded" in swanctl_load_authorities(lab, "a")  # ours and the test's own
    assert authority(UUID) not in authorities(lab, "a")
    assert reconciler.converge()  # a pass for a change trusts what it loaded
    assert authority(UUID) not in authorities(lab, "a")
    assert reconciler.converge(full=True)  # a resync's pass looks at the daemon
    assert authority(UUID) in authorities(lab, "a")


def test_the_resync_repairs_what_swanctl_unloaded(
    lab: Lab, desired: DesiredList, make_reconciler: Callable[..., Any]
) -> None:
    desired.scopes = {"vs1": {UUID: lab.daemons["b"].identity.ca_pem}}
    reconciler = make_reconciler({"vs1": lab.daemons["a"].uri}, resync=0.5)
    assert reconciler.converge()
    swanctl_load_authorities(lab, "a")
    gone = time.monotonic()
    wait_for(lambda: authority(UUID) in authorities(lab, "a"), 2.0)
    assert time.monotonic() - gone < 0.5 + 0.5  # a resync interval, and a poll or two


def test_the_resync_converges_a_change_nobody_announced(
    lab: Lab, desired: DesiredList, make_reconciler: Callable[..., Any]
) -> None:
    """A restore, or a hand-made edit past the triggers, sends no notice: the resync finds it."""
    reconciler = make_reconciler({"vs1": lab.daemons["a"].uri}, resync=0.5)
    assert reconciler.converge()
    desired.scopes = {"vs1": {UUID: lab.daemons["b"].identity.ca_pem}}  # and no notify()
    took = wait_for(lambda: authority(UUID) in authorities(lab, "a"), 2.0)
    assert took < 0.5 + 0.5
