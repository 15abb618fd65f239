"""`security ipsec config show | modify` against a live HTTPS server."""

from __future__ import annotations

import json

from tests.cli.conftest import Cli, lines

SHOW = ("security", "ipsec", "config", "show")
MODIFY = ("security", "ipsec", "config", "modify")


def test_a_new_cluster_has_ipsec_disabled(cli: Cli):
    assert cli.ok(*SHOW) == lines(
        """
             IPsec Enabled: false
        Replay Window Size: 0
           Offload Enabled: false
        """
    )


def test_modify_then_show(cli: Cli):
    assert cli.ok(*MODIFY, "-is-enabled", "true", "-replay-window", "64") == ""
    assert cli.ok(*SHOW) == lines(
        """
             IPsec Enabled: true
        Replay Window Size: 64
           Offload Enabled: false
        """
    )
    cli.ok(*MODIFY, "-is-enabled", "false", "-replay-window", "0")
    cli.ok(*MODIFY, "-is-offload-enabled", "true")
    assert json.loads(cli.ok("--output", "json", *SHOW)) == {
        "enabled": False,
        "replay_window": "0",
        "offload_enabled": True,
        "_links": {"self": {"href": "/api/security/ipsec"}},
    }


def test_the_clusters_refusals_are_printed_as_ontap_prints_them(cli: Cli):
    cli.ok(*MODIFY, "-replay-window", "128")
    result = cli("-v", *MODIFY, "-is-offload-enabled", "true")
    assert (result.rc, result.out, result.err) == (
        1,
        "",
        "Error: Anti-replay protection and IPsec offload cannot be operational at the same "
        "time. (code 66256915)\n",
    )
    cli.ok(*MODIFY, "-replay-window", "0", "-is-enabled", "true")
    result = cli("-v", *MODIFY, "-is-offload-enabled", "true")
    assert result.err == (
        "Error: Offload setting changes are not allowed when IPsec is enabled. (code 66256913)\n"
    )
    assert "Offload Enabled: false" in cli.ok(*SHOW)


def test_bad_command_lines(cli: Cli):
    result = cli(*MODIFY)
    assert (result.rc, result.err) == (
        2,
        "Error: At least one parameter must be specified: -is-enabled, -replay-window or "
        "-is-offload-enabled.\n",
    )
    result = cli(*MODIFY, "-replay-window", "100")
    assert (result.rc, result.err) == (
        2,
        'Error: "100" is an invalid value for field "-replay-window <0|64|128|256|512|1024>". '
        "Valid values: 0, 64, 128, 256, 512, 1024\n",
    )
    result = cli(*MODIFY, "-is-enabled", "yes")
    assert (result.rc, result.err) == (
        2,
        'Error: "yes" is an invalid value for field "-is-enabled <true|false>". '
        "Valid values: true, false\n",
    )


def test_before_9_16_1_there_is_no_offload_line():
    from ontap_ipsec.cli.commands.ipsec_config import render

    assert render({"enabled": True, "replay_window": 0}) == [
        "     IPsec Enabled: true",
        "Replay Window Size: 0",
    ]
