"""ONTAP-style parsing, help and table layout (no server needed)."""

from __future__ import annotations

import pytest

from ontap_ipsec.cli.args import build_tree, parse_params, resolve
from ontap_ipsec.cli.commands import COMMANDS
from ontap_ipsec.cli.errors import CliError
from ontap_ipsec.cli.main import main
from ontap_ipsec.cli.options import split_globals
from ontap_ipsec.cli.tables import Column, table

TREE = build_tree(COMMANDS)


def parse(*argv: str) -> tuple[tuple[str, ...], dict]:
    _, rest = split_globals(argv)
    path, node, used = resolve(TREE, rest)
    return path, parse_params(node, rest[used:])


def test_words_and_parameters_may_be_abbreviated_and_double_dashed():
    assert parse("sec", "ipsec", "ca", "add", "-v", "vs1", "--ca-certs=a,b") == (
        ("security", "ipsec", "ca-certificate", "add"),
        {"vserver": "vs1", "ca-certs": ["a", "b"]},
    )
    assert parse("vserver", "show", "vs1", "-inst")[1] == {"vserver": "vs1", "instance": True}


def test_connection_options_stand_anywhere_and_minus_v_is_verbose_only_before_the_words():
    opts, rest = split_globals(
        ["-v", "vserver", "show", "--host", "h", "-v", "vs1", "--port=8443", "--insecure"]
    )
    assert (opts.host, opts.port, opts.insecure, opts.verbose) == ("h", 8443, True, True)
    assert rest == ["vserver", "show", "-v", "vs1"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["security", "ipsex"], '"ipsex" is not a recognized command'),
        (["vserver", "show", "-bogus"], 'invalid argument "-bogus"'),
        (
            ["security", "certificate", "show", "-c", "x"],
            'Ambiguous argument "-c". Possible matches: -ca, -cert-name, -common-name',
        ),
        (["vserver", "delete"], 'Missing required parameter "-vserver".'),
        (["vserver", "show", "-vserver"], 'Missing value for "-vserver".'),
        (["vserver", "show", "a", "b"], 'invalid argument "b"'),
        (
            ["vserver", "show", "-fields", "type", "-instance"],
            '"-fields" and "-instance" cannot be used together.',
        ),
        (
            ["vserver", "show", "-vserver", "a", "-vserver", "b"],
            'Parameter "-vserver" is specified more than once.',
        ),
        (
            [
                "security",
                "certificate",
                "create",
                "-vserver",
                "v",
                "-common-name",
                "c",
                "-type",
                "root-ca",
                "-expire-days",
                "ten",
            ],
            '"ten" is an invalid value for field "-expire-days <integer>"',
        ),
    ],
)
def test_bad_command_lines_read_like_ontaps(argv, message, capsys):
    with pytest.raises(CliError) as caught:
        parse(*argv)
    assert caught.value.message == message
    assert main(argv) == 2
    assert capsys.readouterr().err == f"Error: {message}\n"


@pytest.mark.parametrize("cmd", COMMANDS, ids=lambda c: c.words)
def test_every_command_has_help(cmd, capsys):
    assert main([*cmd.path, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: ontap-ipsec {cmd.words}")
    assert all(f"-{p.name}" in out for p in cmd.params)


def test_top_level_help_lists_every_command(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert all(cmd.words in out for cmd in COMMANDS)
    assert "serve" in out and "--profile" in out


def test_rows_wider_than_their_columns_continue_under_the_next_column():
    columns = [
        Column(10, ("Vserver",)),
        Column(15, ("Serial Number",)),
        Column(38, ("Certificate Name",)),
        Column(12, ("Type",)),
    ]
    assert table(
        columns,
        [
            ["dp_test", "16F6A6EC8DE4E0A3", "0016d08e-807d-4159-a6fe-feec7e344cc0", "server"],
            ["ocum-infinity", "2908E23B", "0016d08e-807d-4159-a6fe-feec7e344cc0", "client"],
        ],
    ) == [
        "Vserver    Serial Number   Certificate Name                       Type",
        "---------- --------------- -------------------------------------- ------------",
        "dp_test    16F6A6EC8DE4E0A3",
        "                           0016d08e-807d-4159-a6fe-feec7e344cc0   server",
        "ocum-infinity",
        "           2908E23B        0016d08e-807d-4159-a6fe-feec7e344cc0   client",
        "2 entries were displayed.",
    ]


def test_the_manual_page_example_of_ipsec_ca_certificate_show():
    columns = [Column(18, ("Vserver",)), Column(34, ("CA Certificate Names",))]
    rows = [["v1", ["caCert1", "caCert2"]], ["v2", ["caCert3", "caCert4"]]]
    assert table(columns, rows, sep="   ") == [
        "Vserver              CA Certificate Names",
        "------------------   ----------------------------------",
        "v1                   caCert1, caCert2",
        "v2                   caCert3, caCert4",
        "2 entries were displayed.",
    ]
