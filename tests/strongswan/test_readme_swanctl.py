"""The README's swanctl.conf, loaded with swanctl into a real charon (daemon b), trusts
exactly the list's authorities; and what the README warns of holds: `cacerts` trusts by
itself, `swanctl --load-all` unloads ours until a full pass loads them again."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization

from tests.requirements import require_executable
from tests.strongswan.conftest import DesiredList
from tests.strongswan.lab import Lab
from tests.strongswan.needs import require_vici

require_vici()

from tests.strongswan.ike import (  # noqa: E402
    assert_accepted,
    assert_refused,
    authorities,
    terminate_all,
)
from tests.strongswan.served import authority  # noqa: E402

README = Path(__file__).resolve().parents[2] / "README.md"
BLOCK = re.compile(r"<!-- swanctl.conf:[^>]*-->\n```\n(.*?)```\n<!-- /swanctl.conf -->", re.S)
UUID = "3c0e4f5c-0000-4000-8000-00000000000a"


def readme_conf(lab: Lab) -> str:
    """The README's connection, with the lab's addresses and b's identity put in."""
    [text] = BLOCK.findall(README.read_text())
    b, a = lab.daemons["b"], lab.daemons["a"]
    for example, real in (
        ("192.0.2.10", b.ip),
        ("192.0.2.0/24", f"{a.ip}/32"),
        ('"CN=host.example.com"', f'"{b.identity.dn}"'),
    ):
        assert example in text, example
        text = text.replace(example, real)
    return text


def load_all(lab: Lab, conf: str, cacerts: bool = False) -> str:
    """`swanctl --load-all` on daemon b, from a swanctl dir holding `conf` and b's own
    certificate and key (and a's CA in x509ca/, with `cacerts`)."""
    swanctl = require_executable("swanctl", "apt-get install strongswan-swanctl")
    b = lab.daemons["b"]
    home = lab.work / "swanctl-b"
    shutil.rmtree(home, ignore_errors=True)  # nothing of an earlier test's
    for sub in ("x509", "private", "x509ca"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    cert = b.identity.cert.public_bytes(serialization.Encoding.PEM)
    (home / "x509" / "host.pem").write_bytes(cert)
    (home / "private" / "host.pem").write_bytes(
        b.identity.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    if cacerts:
        (home / "x509ca" / "ca-a.pem").write_text(lab.daemons["a"].identity.ca_pem)
    (home / "swanctl.conf").write_text(conf)
    done = subprocess.run(
        [swanctl, "--load-all", "--uri", b.uri],
        env={**os.environ, "SWANCTL_DIR": str(home)},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done
    return done.stdout


def test_the_readme_connection_trusts_the_list_and_only_the_list(
    lab: Lab, desired: DesiredList, make_reconciler: Callable[..., Any]
) -> None:
    said = load_all(lab, readme_conf(lab))
    assert "loaded connection 'ipsec'" in said, said
    assert_refused(lab)  # nothing listed

    desired.scopes = {"cluster1": {UUID: lab.daemons["a"].identity.ca_pem}}
    reconciler = make_reconciler({"cluster1": lab.daemons["b"].uri}, resync=3600.0)
    assert reconciler.converge()
    assert_accepted(lab)

    terminate_all(lab)
    desired.scopes = {"cluster1": {}}
    assert reconciler.converge()
    assert_refused(lab)

    desired.scopes = {"cluster1": {UUID: lab.daemons["a"].identity.ca_pem}}
    assert reconciler.converge()
    terminate_all(lab)
    load_all(lab, readme_conf(lab))  # an operator reloads: ours are unloaded
    assert authority(UUID) not in authorities(lab, "b")
    assert_refused(lab)
    assert reconciler.converge(full=True)  # what the next resync does
    assert_accepted(lab)


def test_cacerts_in_the_connection_would_trust_a_ca_that_is_not_listed(lab: Lab) -> None:
    load_all(lab, with_remote(readme_conf(lab), "cacerts = ca-a.pem"), cacerts=True)
    assert authorities(lab, "b") == {}  # nothing listed, no authority at all
    assert_accepted(lab)  # and yet: why the README says not to


def test_ca_id_restricts_to_a_ca_without_trusting_it(
    lab: Lab, desired: DesiredList, make_reconciler: Callable[..., Any]
) -> None:
    subject = lab.daemons["a"].identity.ca.subject.rfc4514_string()
    load_all(lab, with_remote(readme_conf(lab), f'ca_id = "{subject}"'))
    assert_refused(lab)  # the CA named, but not listed
    desired.scopes = {"cluster1": {UUID: lab.daemons["a"].identity.ca_pem}}
    assert make_reconciler({"cluster1": lab.daemons["b"].uri}).converge()
    assert_accepted(lab)


def with_remote(conf: str, line: str) -> str:
    """`conf` with one more line in its `remote` section."""
    return conf.replace("      id = %any", f"      id = %any\n      {line}")
