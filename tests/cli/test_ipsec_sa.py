"""`security ipsec show-ikesa | show-ipsecsa` against a live HTTPS server.

Without a strongSwan daemon the cluster has no security associations; for the tables,
the server's source of SAs is replaced by the records a daemon's `list-sas` makes
(:func:`ontap_ipsec.ipsec.associations.rows`), the manual page's example.
"""

from __future__ import annotations

import pytest

from ontap_ipsec.ipsec.associations import PolicyInfo, ScopeInfo, rows
from ontap_ipsec.ipsec.connections import conn_name
from ontap_ipsec.resources import security_associations
from tests.cli.conftest import Cli, lines

IKESA = ("security", "ipsec", "show-ikesa")
IPSECSA = ("security", "ipsec", "show-ipsecsa")
NO_ENTRIES = "There are no entries matching your query.\n"
POLICY = "5b1d6c38-0c3f-4d55-9d3c-0f1e8a6a2f10"
SVM = "8a3e5a52-5b3f-4b7e-8c55-6a1d2f0e9b11"


def _list_sas() -> list[tuple[str, dict]]:
    child = {
        "spi-in": "c4c5b3d6",
        "spi-out": "c2515559",
        "mode": "TRANSPORT",
        "state": "INSTALLED",
        "encr-alg": "AES_GCM_16",
        "bytes-in": "1048576",
        "packets-in": "1024",
        "bytes-out": "2048",
        "packets-out": "16",
    }
    ike = {
        "initiator-spi": "c764f9ee020cec69",
        "responder-spi": "5b7a0e3d2c1f9a84",
        "local-host": "192.168.134.34",
        "remote-host": "192.168.134.44",
        "state": "ESTABLISHED",
        "initiator": "yes",
        "version": "2",
        "child-sas": {"test34-1": child},
    }
    return [(conn_name(POLICY), ike)]


@pytest.fixture
def associations(monkeypatch: pytest.MonkeyPatch) -> None:
    scope = ScopeInfo(SVM, SVM, "vs1", "cluster1-01", "0e6e2f8c-1d2b-4f5e-9a7c-3b4d5e6f7a80")
    policies = {POLICY: PolicyInfo("test34", "esp_transport", "psk")}
    records = rows(_list_sas(), scope, policies)
    monkeypatch.setattr(security_associations, "collect", lambda ctx: records)


@pytest.mark.parametrize("command", [IKESA, IPSECSA], ids=["ikesa", "ipsecsa"])
def test_without_a_daemon_there_are_no_entries(cli: Cli, command):
    assert cli.ok(*command) == NO_ENTRIES
    assert cli.ok(*command, "-node", "cluster1-01", "-vserver", "vs1") == NO_ENTRIES
    assert cli.ok(*command, "-instance") == NO_ENTRIES
    assert cli.ok(*command, "-fields", "state") == NO_ENTRIES


def test_show_ikesa_prints_ontaps_table(cli: Cli, associations):
    assert cli.ok(*IKESA) == lines(
        """
                    Policy Local           Remote
        Vserver     Name   Address         Address         Initator-SPI     State
        ----------- ------ --------------- --------------- ---------------- -----------
        vs1         test34
                           192.168.134.34  192.168.134.44  c764f9ee020cec69 ESTABLISHED
        """
    )
    assert cli.ok(*IKESA, "-node", "cluster1-01", "-policy-name", "test34").endswith(
        "ESTABLISHED\n"
    )
    assert cli.ok(*IKESA, "-node", "cluster1-02") == NO_ENTRIES
    assert cli.ok(*IKESA, "-vserver", "vs2") == NO_ENTRIES
    assert cli.ok(*IKESA, "-policy-name", "other") == NO_ENTRIES


def test_show_ipsecsa_prints_ontaps_table(cli: Cli, associations):
    assert cli.ok(*IPSECSA) == lines(
        """
                    Policy  Local           Remote          Inbound  Outbound
        Vserver     Name    Address         Address         SPI      SPI      State
        ----------- ------- --------------- --------------- -------- -------- ---------
        vs1         test34
                            192.168.134.34  192.168.134.44  c4c5b3d6 c2515559 INSTALLED
        """
    )
    assert cli.ok(*IPSECSA, "-remote-address", "192.168.134.45") == NO_ENTRIES


def test_instance_and_fields(cli: Cli, associations):
    assert cli.ok(*IKESA, "-instance") == lines(
        """

                         Node: cluster1-01
                 Vserver Name: vs1
                  Policy Name: test34
                Local Address: 192.168.134.34
               Remote Address: 192.168.134.44
                Initiator SPI: c764f9ee020cec69
                Responder SPI: 5b7a0e3d2c1f9a84
                 Is Initiator: true
                  IKE Version: 2
        Authentication Method: PSK
                 Cipher Suite: SUITEB_GCM256
                     Lifetime: 86400
                        State: ESTABLISHED
        """
    )
    assert cli.ok(*IPSECSA, "-fields", "inbound-bytes,outbound-packets,action") == lines(
        """
        node        vserver policy-name inbound-bytes outbound-packets action
        ----------- ------- ----------- ------------- ---------------- -------
        cluster1-01 vs1     test34      1048576       16               ESP_TRA
        """
    )
