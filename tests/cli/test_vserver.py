"""`vserver create | show | delete` against a live HTTPS server."""

from __future__ import annotations

import re

from tests.cli.conftest import Cli, lines

JOB = re.compile(r"\[Job [0-9a-f-]{36}\] Job succeeded: success\n")


def test_create_follows_the_job_and_show_prints_ontaps_columns(cli: Cli):
    assert JOB.fullmatch(cli.ok("vserver", "create", "-vserver", "vs1"))
    assert JOB.fullmatch(cli.ok("vserver", "create", "vs2", "-comment", "second"))
    assert cli.ok("vserver", "show") == lines(
        """
                                       Admin      Operational Root
        Vserver     Type    Subtype    State      State       Volume     Aggregate
        ----------- ------- ---------- ---------- ----------- ---------- ----------
        cluster1    admin   -          -          -           -          -
        vs1         data    default    running    running     -          -
        vs2         data    default    running    running     -          -
        3 entries were displayed.
        """
    )


def test_show_of_one_vserver_fields_and_instance(cli: Cli):
    cli.ok("vserver", "create", "-vserver", "vs1", "-comment", "lab")
    assert cli.ok("vserver", "show", "-vserver", "vs1", "-fields", "comment,ipspace") == lines(
        """
        vserver comment ipspace
        ------- ------- -------
        vs1     lab     Default
        """
    )
    shown = cli.ok("vserver", "show", "vs1", "-instance")
    assert re.fullmatch(
        lines(
            r"""

                              Vserver: vs1
                         Vserver Type: data
                      Vserver Subtype: default
                         Vserver UUID: [0-9a-f-]{36}
                          Root Volume: -
                            Aggregate: -
                             Language: c.utf_8
                              Comment: lab
                         IPspace Name: Default
                  Vserver Admin State: running
            Vserver Operational State: running
            """
        ),
        shown,
    ), shown
    assert cli.ok("vserver", "show", "-vserver", "cluster1", "-fields", "type") == lines(
        """
        vserver  type
        -------- -----
        cluster1 admin
        """
    )
    assert cli.ok("vserver", "show", "-vserver", "nosuch") == (
        "There are no entries matching your query.\n"
    )


def test_delete_removes_the_vserver_with_its_certificates(cli: Cli):
    cli.ok("vserver", "create", "-vserver", "vs1")
    cli.ok(
        "security",
        "certificate",
        "create",
        "-vserver",
        "vs1",
        "-common-name",
        "c",
        "-type",
        "root-ca",
        "-cert-name",
        "c",
    )
    assert JOB.fullmatch(cli.ok("vserver", "delete", "-vserver", "vs1"))
    assert "vs1" not in cli.ok("vserver", "show")
    assert cli.ok("security", "certificate", "show") == (
        "There are no entries matching your query.\n"
    )


def test_errors_of_create_and_delete(cli: Cli):
    cli.ok("vserver", "create", "-vserver", "vs1")
    result = cli("-v", "vserver", "create", "-vserver", "vs1")
    assert (result.rc, result.err) == (
        1,
        'Error: Duplicate SVM name "vs1": an SVM or the cluster already has it. (code 13434908)\n',
    )
    result = cli("vserver", "delete", "-vserver", "vs9")
    assert (result.rc, result.out, result.err) == (1, "", 'Error: Vserver "vs9" does not exist.\n')
    result = cli("vserver", "delete", "cluster1")
    assert (result.rc, result.err) == (
        1,
        'Error: Vserver "cluster1" is the admin Vserver; it cannot be deleted.\n',
    )
    result = cli("vserver", "create")
    assert (result.rc, result.err) == (2, 'Error: Missing required parameter "-vserver".\n')
