"""`security ipsec ca-certificate add | remove | show` against a live HTTPS server."""

from __future__ import annotations

import json

from tests.cli.conftest import Cli, lines
from tests.cli.helpers import install_ca, install_server_cert, vservers

SHOW = ("security", "ipsec", "ca-certificate", "show")
ADD = ("security", "ipsec", "ca-certificate", "add")
REMOVE = ("security", "ipsec", "ca-certificate", "remove")


def _setup(cli: Cli) -> None:
    vservers(cli, "vs1", "vs2")
    for name in ("caCert1", "caCert2"):
        install_ca(cli, "vs1", name)
    for name in ("caCert3", "caCert4"):
        install_ca(cli, "vs2", name)
    install_ca(cli, "cluster1", "clusterCa")


def test_show_prints_one_row_per_vserver_with_cluster_scope_under_the_cluster_name(cli: Cli):
    _setup(cli)
    assert cli.ok(*ADD, "-vserver", "vs1", "-ca-certs", "caCert2,caCert1") == ""
    cli.ok(*ADD, "-vserver", "vs2", "-ca-certs", "caCert3,caCert4")
    cli.ok(*ADD, "-vserver", "cluster1", "-ca-certs", "clusterCa")
    assert cli.ok(*SHOW) == lines(
        """
        Vserver              CA Certificate Names
        ------------------   ----------------------------------
        cluster1             clusterCa
        vs1                  caCert1, caCert2
        vs2                  caCert3, caCert4
        3 entries were displayed.
        """
    )


def test_show_of_one_vserver_prints_no_entry_count(cli: Cli):
    _setup(cli)
    cli.ok(*ADD, "-vserver", "vs1", "-ca-certs", "caCert1")
    assert cli.ok(*SHOW, "-vserver", "vs1") == lines(
        """
        Vserver              CA Certificate Names
        ------------------   ----------------------------------
        vs1                  caCert1
        """
    )


def test_show_without_entries_says_there_are_none(cli: Cli):
    _setup(cli)
    assert cli.ok(*SHOW) == "There are no entries matching your query.\n"
    assert cli.ok(*SHOW, "-vserver", "nosuch") == "There are no entries matching your query.\n"


def test_show_filters_by_the_cluster_name_and_by_ca_certs(cli: Cli):
    _setup(cli)
    cli.ok(*ADD, "-vserver", "vs1", "-ca-certs", "caCert1,caCert2")
    cli.ok(*ADD, "-vserver", "cluster1", "-ca-certs", "clusterCa")
    assert cli.ok(*SHOW, "-vserver", "cluster1") == lines(
        """
        Vserver              CA Certificate Names
        ------------------   ----------------------------------
        cluster1             clusterCa
        """
    )
    assert cli.ok(*SHOW, "-ca-certs", "caCert2") == lines(
        """
        Vserver              CA Certificate Names
        ------------------   ----------------------------------
        vs1                  caCert1, caCert2
        """
    )
    assert cli.ok(*SHOW, "-ca-certs", "caCert2,clusterCa") == (
        "There are no entries matching your query.\n"
    )


def test_show_fields_and_instance(cli: Cli):
    _setup(cli)
    cli.ok(*ADD, "-vserver", "vs1", "-ca-certs", "caCert1,caCert2")
    cli.ok(*ADD, "-vserver", "vs2", "-ca-certs", "caCert3")
    assert cli.ok(*SHOW, "-fields", "ca-certs") == lines(
        """
        vserver ca-certs
        ------- ----------------
        vs1     caCert1, caCert2
        vs2     caCert3
        2 entries were displayed.
        """
    )
    assert cli.ok(*SHOW, "-instance") == lines(
        """

                Vserver Name: vs1
        CA Certificate Names: caCert1, caCert2

                Vserver Name: vs2
        CA Certificate Names: caCert3

        2 entries were displayed.
        """
    )
    assert cli.ok(*SHOW, "-fields", "?") == (
        "  vserver     Vserver Name\n  ca-certs    CA Certificate Names\n"
    )


def test_a_long_list_of_names_wraps_within_its_column(cli: Cli):
    vservers(cli, "vs1")
    names = ["ipsec-root-ca-2024", "ipsec-root-ca-2025", "partner-ca"]
    for name in names:
        install_ca(cli, "vs1", name)
    cli.ok(*ADD, "-vserver", "vs1", "-ca-certs", ",".join(names))
    assert cli.ok(*SHOW) == lines(
        """
        Vserver              CA Certificate Names
        ------------------   ----------------------------------
        vs1                  ipsec-root-ca-2024,
                             ipsec-root-ca-2025, partner-ca
        """
    )


def test_an_unknown_name_is_refused_before_anything_is_added(cli: Cli):
    _setup(cli)
    result = cli(*ADD, "-vserver", "vs1", "-ca-certs", "caCert1,nosuch")
    assert (result.rc, result.out, result.err) == (
        1,
        "",
        'Error: CA certificate "nosuch" is not installed.\n',
    )
    assert cli.ok(*SHOW) == "There are no entries matching your query.\n"


def test_a_certificate_that_is_not_a_ca_gets_ontaps_error_and_nothing_stays_added(cli: Cli):
    _setup(cli)
    install_server_cert(cli, "vs1", "www")
    result = cli(*ADD, "-vserver", "vs1", "-ca-certs", "caCert1,www")
    assert (result.rc, result.out, result.err) == (
        1,
        "",
        "Error: CA certificate is not installed.\n",
    )
    assert cli.ok(*SHOW) == "There are no entries matching your query.\n"
    verbose = cli("-v", *ADD, "-vserver", "vs1", "-ca-certs", "www")
    assert verbose.err == "Error: CA certificate is not installed. (code 66257304)\n"


def test_a_cluster_certificate_is_not_found_in_an_svm(cli: Cli):
    _setup(cli)
    result = cli(*ADD, "-vserver", "vs1", "-ca-certs", "clusterCa")
    assert (result.rc, result.err) == (1, 'Error: CA certificate "clusterCa" is not installed.\n')


def test_a_vserver_that_does_not_exist_is_an_error(cli: Cli):
    _setup(cli)
    for verb in (ADD, REMOVE):
        result = cli(*verb, "-vserver", "vs9", "-ca-certs", "caCert1")
        assert (result.rc, result.out, result.err) == (
            1,
            "",
            'Error: Vserver "vs9" does not exist.\n',
        )


def test_adding_twice_is_ontaps_duplicate_entry(cli: Cli):
    _setup(cli)
    cli.ok(*ADD, "-vserver", "vs1", "-ca-certs", "caCert1")
    result = cli("-v", *ADD, "-vserver", "vs1", "-ca-certs", "caCert1")
    assert (result.rc, result.err) == (1, "Error: duplicate entry (code 1)\n")


def test_remove_takes_out_the_named_certificates_only(cli: Cli):
    _setup(cli)
    cli.ok(*ADD, "-vserver", "vs1", "-ca-certs", "caCert1,caCert2")
    cli.ok(*ADD, "-vserver", "cluster1", "-ca-certs", "clusterCa")
    assert cli.ok(*REMOVE, "-vserver", "vs1", "-ca-certs", "caCert2") == ""
    cli.ok(*REMOVE, "-vserver", "cluster1", "-ca-certs", "clusterCa")
    assert cli.ok(*SHOW) == lines(
        """
        Vserver              CA Certificate Names
        ------------------   ----------------------------------
        vs1                  caCert1
        """
    )


def test_remove_of_a_certificate_not_in_ipsec_undoes_the_others(cli: Cli):
    _setup(cli)
    cli.ok(*ADD, "-vserver", "vs1", "-ca-certs", "caCert1")
    result = cli("-v", *REMOVE, "-vserver", "vs1", "-ca-certs", "caCert1,caCert2")
    assert (result.rc, result.err) == (
        1,
        "Error: CA certificate is not installed for IPsec. (code 66257298)\n",
    )
    assert "vs1                  caCert1\n" in cli.ok(*SHOW)


def test_remove_of_an_unknown_name_changes_nothing(cli: Cli):
    _setup(cli)
    cli.ok(*ADD, "-vserver", "vs1", "-ca-certs", "caCert1")
    result = cli(*REMOVE, "-vserver", "vs1", "-ca-certs", "caCert1,nosuch")
    assert (result.rc, result.err) == (
        1,
        'Error: The CA certificate "nosuch" cannot be removed from IPsec because it is not '
        "installed.\n",
    )
    assert "vs1                  caCert1\n" in cli.ok(*SHOW)


def test_json_output_is_the_records_with_certificate_names(cli: Cli):
    _setup(cli)
    added = json.loads(cli.ok("--output", "json", *ADD, "-vserver", "vs1", "-ca-certs", "caCert1"))
    assert [r["svm"]["name"] for r in added] == ["vs1"]
    shown = json.loads(cli.ok(*SHOW, "--output", "json"))
    assert [(r["certificate"]["name"], r["scope"], r["svm"]["name"]) for r in shown] == [
        ("caCert1", "svm", "vs1")
    ]
    assert shown[0]["certificate"]["uuid"] == added[0]["certificate"]["uuid"]


def test_abbreviated_words_and_double_dash_parameters_work(cli: Cli):
    _setup(cli)
    cli.ok("sec", "ipsec", "ca", "add", "-v", "vs1", "--ca-certs=caCert1")
    cli.ok("security", "ipsec", "ca-certificate", "add", "--vserver", "vs2", "-ca", "caCert3")
    assert cli.ok("sec", "ips", "ca", "sh", "-fields", "ca") == lines(
        """
        vserver ca-certs
        ------- --------
        vs1     caCert1
        vs2     caCert3
        2 entries were displayed.
        """
    )
