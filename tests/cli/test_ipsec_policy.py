"""`security ipsec policy create | show | modify | delete` against a live HTTPS server."""

from __future__ import annotations

import json

import pytest

from tests.cli.conftest import TTY, Cli, Result, lines
from tests.cli.helpers import install_server_cert, vservers

CREATE = ("security", "ipsec", "policy", "create")
SHOW = ("security", "ipsec", "policy", "show")
MODIFY = ("security", "ipsec", "policy", "modify")
DELETE = ("security", "ipsec", "policy", "delete")
KEY = "a-pre-shared-key-never-to-be-shown"
NO_ENTRIES = "There are no entries matching your query.\n"
SUBNETS = ("-local-ip-subnets", "10.0.0.1/32", "-remote-ip-subnets", "10.0.0.2/32")
HEADER = """\
        Policy                                           Cipher
Vserver Name       Local IP Subnet    Remote IP Subnet   Suite          Action
------- ---------- ------------------ ------------------ -------------- -------
"""


def _create(cli: Cli, vserver: str, name: str, *extra: str, key: str | None = KEY) -> str:
    argv = [*CREATE, "-vserver", vserver, "-name", name]
    if not any(a.startswith("-local-ip") for a in extra):
        argv += ["-local-ip-subnets", "192.168.0.231/32", "-remote-ip-subnets", "192.168.0.0/25"]
    if key is not None:
        argv += ["-shared-key", key]
    return cli.ok(*argv, *extra)


def _secret_free(*results: Result | str) -> None:
    for result in results:
        text = result if isinstance(result, str) else result.out + result.err
        assert KEY not in text and KEY[:18] not in text


def test_create_prints_nothing_and_show_prints_ontaps_table(cli: Cli):
    vservers(cli, "vs1")
    assert _create(cli, "vs1", "p1") == ""
    _create(cli, "vs1", "p0", "-action", "BYPASS", key=None)
    assert cli.ok(*SHOW) == HEADER + lines(
        """
        vs1     p0         192.168.0.231/32   192.168.0.0/25     SUITEB_GCM256  BYPASS
        vs1     p1         192.168.0.231/32   192.168.0.0/25     SUITEB_GCM256  ESP_TRA
        2 entries were displayed.
        """
    )


def test_the_lab_example_a_long_vserver_name_takes_a_line_of_its_own(cli: Cli):
    vservers(cli, "svm_secured")
    cli.ok(
        *CREATE,
        "-vserver",
        "svm_secured",
        "-name",
        "ipsec_k8s",
        "-local-ip-subnets",
        "192.168.0.231/32",
        "-remote-ip-subnets",
        "192.168.0.63/25",
        "-shared-key",
        KEY,
    )
    assert cli.ok(*SHOW) == HEADER + lines(
        """
        svm_secured
                ipsec_k8s  192.168.0.231/32   192.168.0.63/25    SUITEB_GCM256  ESP_TRA
        """
    )


def test_show_instance_has_ontaps_labels(cli: Cli):
    vservers(cli, "vs1")
    install_server_cert(cli, "vs1", "www")
    cli.ok(
        *CREATE,
        "-vserver",
        "vs1",
        "-name",
        "pki1",
        "-local-ip-subnets",
        "10.0.0.1/32",
        "-remote-ip-subnets",
        "10.0.1.0/255.255.255.0",
        "-local-ports",
        "2049",
        "-protocols",
        "6",
        "-auth-method",
        "PKI",
        "-cert-name",
        "www",
        "-local-identity",
        "CN=www.example.com",
        "-remote-identity",
        "ANYTHING",
    )
    assert cli.ok(*SHOW, "-instance") == lines(
        """

                                            Vserver: vs1
                                        Policy Name: pki1
                                   Local IP Subnets: 10.0.0.1/32
                                  Remote IP Subnets: 10.0.1.0/24
                                        Local Ports: 2049-2049
                                       Remote Ports: 0-0
                                          Protocols: tcp
                                             Action: ESP_TRA
                                       Cipher Suite: SUITEB_GCM256
                  IKE Security Association Lifetime: 86400
                IPsec Security Association Lifetime: 28800
        IPsec Security Association Lifetime (bytes): 0
                                  Is Policy Enabled: true
                                     Local Identity: CN=www.example.com
                                    Remote Identity: ANYTHING
                              Authentication Method: PKI
                     Certificate for Local Identity: www
        """
    )


def test_show_fields_filters_and_cluster_scope(cli: Cli):
    vservers(cli, "vs1", "vs2")
    _create(cli, "vs1", "p1")
    _create(cli, "vs2", "p1", "-is-enabled", "false")
    _create(cli, "cluster1", "cp")
    assert cli.ok(*SHOW, "-fields", "is-enabled,auth") == lines(
        """
        vserver  name is-enabled auth-method
        -------- ---- ---------- -----------
        cluster1 cp   true       PSK
        vs1      p1   true       PSK
        vs2      p1   false      PSK
        3 entries were displayed.
        """
    )
    assert cli.ok(*SHOW, "-vserver", "cluster1", "-fields", "action") == lines(
        """
        vserver  name action
        -------- ---- -------
        cluster1 cp   ESP_TRA
        """
    )
    assert cli.ok(*SHOW, "-name", "p1", "-fields", "remote-ports").count("p1") == 2
    assert cli.ok(*SHOW, "-vserver", "vs2", "-name", "cp") == NO_ENTRIES
    assert cli.ok(*SHOW, "-fields", "?").startswith(
        "  vserver                 Vserver\n  name                    Policy Name\n"
    )


def test_show_without_policies_says_there_are_none(cli: Cli):
    assert cli.ok(*SHOW) == NO_ENTRIES
    assert cli.ok(*SHOW, "-instance") == NO_ENTRIES


def test_modify_changes_what_ontap_lets_change(cli: Cli):
    vservers(cli, "vs1")
    _create(cli, "vs1", "p1")
    assert (
        cli.ok(
            *MODIFY,
            "-vserver",
            "vs1",
            "-name",
            "p1",
            "-is-enabled",
            "false",
            "-local-ip-subnets",
            "192.168.0.232/32",
            "-remote-ports",
            "443",
            "-protocols",
            "udp",
            "-remote-identity",
            "peer.example.com",
        )
        == ""
    )
    fields = "local-ip-subnets,remote-ports,protocols,is-enabled,remote-identity"
    assert cli.ok(*SHOW, "-fields", fields) == lines(
        """
        vserver name local-ip-subnets remote-ports protocols is-enabled remote-identity
        ------- ---- ---------------- ------------ --------- ---------- ----------------
        vs1     p1   192.168.0.232/32 443-443      udp       false      peer.example.com
        """
    )


def test_modify_refuses_what_is_set_at_creation(cli: Cli):
    vservers(cli, "vs1")
    _create(cli, "vs1", "p1")
    for option, value in (("-action", "BYPASS"), ("-auth-method", "PKI"), ("-shared-key", KEY)):
        result = cli(*MODIFY, "-vserver", "vs1", "-name", "p1", option, value)
        assert (result.rc, result.out, result.err) == (
            2,
            "",
            f'Error: invalid argument "{option}"\n',
        )
    result = cli(*MODIFY, "-vserver", "vs1", "-name", "p1")
    assert (result.rc, result.err) == (
        2,
        "Error: At least one parameter to modify must be specified.\n",
    )
    result = cli(*MODIFY, "-vserver", "vs1", "-name", "p1", "-cert-name", "www")
    assert (result.rc, result.err) == (
        1,
        "Error: Cannot set a certificate for an IPsec policy whose authentication_method is "
        '"psk".\n',
    )


def test_delete_removes_the_policy_of_the_vserver_named(cli: Cli):
    vservers(cli, "vs1", "vs2")
    _create(cli, "vs1", "p1")
    _create(cli, "vs2", "p1")
    assert cli.ok(*DELETE, "-vserver", "vs1", "-name", "p1") == ""
    assert cli.ok(*SHOW, "-fields", "name") == lines(
        """
        vserver name
        ------- ----
        vs2     p1
        """
    )
    for result in (
        cli(*DELETE, "-vserver", "vs1", "-name", "p1"),
        cli(*MODIFY, "-vserver", "vs1", "-name", "p1", "-is-enabled", "true"),
    ):
        assert (result.rc, result.out, result.err) == (1, "", "Error: entry doesn't exist\n")


def _argv(vserver: str, name: str, *extra: str) -> tuple[str, ...]:
    """`policy create` of the selectors SUBNETS, unless `extra` gives its own."""
    subnets = () if any(a.endswith("-ip-subnets") for a in extra) else SUBNETS
    return (*CREATE, "-vserver", vserver, "-name", name, *subnets, *extra)


def test_errors_read_as_ontap_prints_them(cli: Cli):
    vservers(cli, "vs1")
    _create(cli, "vs1", "p1")
    duplicate = cli("-v", *_argv("vs1", "p1", "-shared-key", KEY))
    assert (duplicate.rc, duplicate.out, duplicate.err) == (
        1,
        "",
        "Error: IPsec policy with same name already exists in this SVM. (code 66257104)\n",
    )
    for vserver_error in (
        cli(*_argv("vs9", "p", "-shared-key", KEY)),
        cli(*DELETE, "-vserver", "vs9", "-name", "p1"),
    ):
        assert (vserver_error.rc, vserver_error.err) == (
            1,
            'Error: Vserver "vs9" does not exist.\n',
        )
    two = cli(
        "-v",
        *_argv(
            "vs1",
            "p2",
            "-shared-key",
            KEY,
            "-local-ip-subnets",
            "10.0.0.1/32,10.0.0.3/32",
            "-remote-ip-subnets",
            "10.0.0.2/32",
        ),
    )
    assert two.err == "Error: Only one local IP subnet can be specified. (code 66257113)\n"
    bare = cli(
        *_argv(
            "vs1",
            "p2",
            "-shared-key",
            KEY,
            "-local-ip-subnets",
            "10.0.0.1",
            "-remote-ip-subnets",
            "10.0.0.2/32",
        )
    )
    assert (bare.rc, bare.err) == (
        2,
        'Error: "10.0.0.1" is an invalid value for field "-local-ip-subnets <IP/Mask>"\n',
    )
    ports = cli("-v", *_argv("vs1", "p2", "-shared-key", KEY, "-local-ports", "100-200"))
    assert ports.err == (
        "Error: Port ranges containing more than one port are not supported. (code 66257115)\n"
    )
    action = cli(*_argv("vs1", "p2", "-shared-key", KEY, "-action", "TUNNEL"))
    assert action.err == (
        'Error: "TUNNEL" is an invalid value for field "-action <action>". '
        "Valid values: ESP_TRA, ESP_UDP, BYPASS, DISCARD\n"
    )
    assert cli.ok(*SHOW, "-fields", "name").count("p2") == 0


def test_the_key_is_never_printed(cli: Cli):
    vservers(cli, "vs1")
    created = cli("--output", "json", *_argv("vs1", "p1", "-shared-key", KEY))
    assert created.rc == 0
    assert [r["name"] for r in json.loads(created.out)] == ["p1"]
    short = cli("-v", *_argv("vs1", "p2", "-shared-key", KEY[:10]))
    assert short.rc == 1 and KEY[:10] not in short.err
    hexed = cli(*_argv("vs1", "p3", "-shared-key", "0x" + KEY))
    assert hexed.err == "Error: The specified pre-shared key is not a valid hexadecimal string.\n"
    _secret_free(
        created,
        short,
        hexed,
        cli(*SHOW),
        cli(*SHOW, "-instance"),
        cli("--output", "json", *SHOW),
        cli(*CREATE, "--help"),
    )


def test_without_a_key_a_terminal_is_asked_without_echo(cli: Cli, monkeypatch):
    vservers(cli, "vs1")
    asked: list[str] = []

    def getpass(prompt: str = "Password: ", stream: object = None) -> str:
        asked.append(prompt)
        return KEY

    monkeypatch.setattr("getpass.getpass", getpass)
    result = cli(*_argv("vs1", "p1"), stdin=TTY(""))
    assert (result.rc, result.out, result.err) == (0, "", "")
    assert asked == ["Enter the preshared key for IPsec Policy p1 on Vserver vs1: "]
    svm = json.loads(cli.ok("--output", "json", "vserver", "show", "-vserver", "vs1"))[0]
    (spec,) = cli.live.app.ctx.backends.ipsec_policies.connections_of(svm["uuid"])
    assert (spec.name, spec.authentication_method, spec.secret_key) == ("p1", "psk", KEY)


@pytest.mark.parametrize(
    "extra",
    [(), ("-auth-method", "PSK"), ("-action", "ESP_UDP")],
    ids=["default", "psk", "esp-udp"],
)
def test_without_a_key_and_without_a_terminal_a_psk_policy_is_refused(cli: Cli, monkeypatch, extra):
    vservers(cli, "vs1")
    monkeypatch.setattr("getpass.getpass", lambda *a, **k: pytest.fail("asked for a key"))
    result = cli(*_argv("vs1", "p1", *extra))
    assert (result.rc, result.out) == (2, "")
    assert result.err == (
        'Error: Missing required parameter "-shared-key": a PSK policy needs a preshared key, '
        "and it is asked for only on a terminal.\n"
    )
    assert cli.ok(*SHOW) == NO_ENTRIES


def test_policies_that_need_no_key_are_not_asked_for_one(cli: Cli, monkeypatch):
    vservers(cli, "vs1")
    install_server_cert(cli, "vs1", "www")
    monkeypatch.setattr("getpass.getpass", lambda *a, **k: pytest.fail("asked for a key"))
    _create(cli, "vs1", "drop", "-action", "DISCARD", key=None)
    pki = ("-cert-name", "www", "-local-identity", "CN=www", "-remote-identity", "ANYTHING")
    _create(cli, "vs1", "pki", *pki, key=None)
    assert cli.ok(*SHOW, "-fields", "action,auth-method") == lines(
        """
        vserver name action  auth-method
        ------- ---- ------- -----------
        vs1     drop DISCARD NONE
        vs1     pki  ESP_TRA PKI
        2 entries were displayed.
        """
    )
