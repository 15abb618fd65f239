"""`security certificate install | create | show | delete` against a live HTTPS server."""

from __future__ import annotations

import re

from cryptography import x509

from tests import certs
from tests.cli.conftest import TTY, Cli, lines
from tests.cli.helpers import ca, install_ca, serial, vservers

INSTALL = ("security", "certificate", "install")
SHOW = ("security", "certificate", "show")


def expires(cert: x509.Certificate) -> str:
    return cert.not_valid_after_utc.strftime("%a %b %d %H:%M:%S %Y")


def test_install_from_a_file_prints_ontaps_reference_lines(cli: Cli, tmp_path):
    vservers(cli, "vs1")
    cert = ca("lab-ca")
    path = tmp_path / "ca.pem"
    path.write_text(certs.pem(cert))
    out = cli.ok(*INSTALL, "-vserver", "vs1", "-type", "server-ca", "-cert-file", str(path))
    assert out == lines(
        f"""
        You should keep a copy of the CA-signed digital certificate for future reference.

        The installed certificate's CA and serial number for reference:
        CA: lab-ca
        serial: {serial(cert)}

        The certificate's generated name for reference: lab-ca_{serial(cert)}
        """
    )


def test_show_prints_ontaps_table_with_wide_values_wrapped(cli: Cli):
    vservers(cli, "vs1")
    a = install_ca(cli, "vs1", "a-rather-long-certificate-name-for-ipsec-ca", cn="ca-a")
    b = install_ca(cli, "cluster1", "clusterCa", cn="ca-b")
    assert cli.ok(*SHOW) == lines(
        f"""
        Vserver    Serial Number   Certificate Name                       Type
        ---------- --------------- -------------------------------------- ------------
        cluster1   {serial(b)}
                                   clusterCa                              server-ca
            Certificate Authority: ca-b
                  Expiration Date: {expires(b)}

        vs1        {serial(a)}
                                   a-rather-long-certificate-name-for-ipsec-ca
                                                                          server-ca
            Certificate Authority: ca-a
                  Expiration Date: {expires(a)}

        2 entries were displayed.
        """
    )


def test_show_with_short_serials_keeps_one_line_per_row(cli: Cli):
    vservers(cli, "vs1")
    cert, _ = certs.make_ca(cn="short", serial=0x1A2B)
    cli.ok(
        *INSTALL,
        "-vserver",
        "vs1",
        "-type",
        "server-ca",
        "-cert-name",
        "short",
        stdin=certs.pem(cert),
    )
    assert cli.ok(*SHOW, "-vserver", "vs1") == lines(
        f"""
        Vserver    Serial Number   Certificate Name                       Type
        ---------- --------------- -------------------------------------- ------------
        vs1        1A2B            short                                  server-ca
            Certificate Authority: short
                  Expiration Date: {expires(cert)}

        """
    )


def test_show_filters_fields_and_no_entries(cli: Cli):
    vservers(cli, "vs1")
    install_ca(cli, "vs1", "ca1")
    install_ca(cli, "vs1", "ca2")
    assert cli.ok(*SHOW, "-cert-name", "ca2", "-fields", "type,common-name") == lines(
        """
        vserver cert-name type      common-name
        ------- --------- --------- -----------
        vs1     ca2       server-ca ca2
        """
    )
    assert cli.ok(*SHOW, "-type", "server") == "There are no entries matching your query.\n"


def test_install_reads_certificate_and_key_from_standard_input(cli: Cli):
    vservers(cli, "vs1")
    issuer = certs.make_ca(cn="issuer")
    leaf, key = certs.make_leaf(issuer, cn="www.example.com")
    out = cli.ok(
        *INSTALL,
        "-vserver",
        "vs1",
        "-type",
        "server",
        stdin=certs.pem(leaf) + "\n" + certs.key_pem(key) + "\n",
    )
    assert out.startswith(
        "You should keep a copy of the private key and the CA-signed digital certificate"
    )
    assert f"serial: {serial(leaf)}\n" in out and "CA: issuer\n" in out


def test_install_asks_as_ontap_does_when_interactive(cli: Cli):
    vservers(cli, "vs1")
    issuer = certs.make_ca(cn="issuer")
    leaf, key = certs.make_leaf(issuer, cn="www.example.com")
    typed = certs.pem(leaf) + "\n" + certs.key_pem(key) + "\n" + "y\n" + certs.pem(issuer[0])
    typed += "\nn\n"
    result = cli(
        *INSTALL, "-vserver", "vs1", "-type", "server", "-cert-name", "www", stdin=TTY(typed)
    )
    assert result.rc == 0, result
    assert result.err == (
        "\nPlease enter Certificate: Press <Enter> when done\n"
        "\nPlease enter Private Key: Press <Enter> when done\n"
        "\nDo you want to continue entering root and/or intermediate certificates {y|n}: \n"
        "Please enter Intermediate Certificate: Press <Enter> when done\n"
        "\nDo you want to continue entering root and/or intermediate certificates {y|n}: "
    )
    assert "The certificate's generated name" not in result.out


def test_install_errors_come_from_the_cluster(cli: Cli):
    vservers(cli, "vs1")
    leaf, _ = certs.make_leaf(certs.make_ca(cn="issuer"))
    result = cli("-v", *INSTALL, "-vserver", "vs1", "-type", "server", stdin=certs.pem(leaf))
    assert (result.rc, result.err) == (
        1,
        "Error: The certificate installation failed as private key was empty. (code 3735693)\n",
    )
    result = cli(*INSTALL, "-vserver", "vs1", "-type", "server-ca", stdin="not a certificate")
    assert (result.rc, result.err) == (
        1,
        "Error: no certificate was given (-----BEGIN CERTIFICATE----- ... END)\n",
    )
    result = cli(*INSTALL, "-vserver", "vs9", "-type", "server-ca", stdin=certs.pem(ca("x")))
    assert (result.rc, result.err) == (1, 'Error: Vserver "vs9" does not exist.\n')
    result = cli(*INSTALL, "-vserver", "vs1", "-type", "client_ca", stdin=certs.pem(ca("x")))
    assert (result.rc, result.err) == (
        2,
        'Error: "client_ca" is an invalid value for field "-type <type of certificate>". '
        "Valid values: server, client-ca, server-ca, client, root-ca\n",
    )


def test_create_makes_a_self_signed_certificate(cli: Cli):
    vservers(cli, "vs1")
    out = cli.ok(
        "security",
        "certificate",
        "create",
        "-vserver",
        "vs1",
        "-common-name",
        "selfca",
        "-type",
        "root-ca",
        "-size",
        "2048",
        "-hash-function",
        "sha384",
        "-expire-days",
        "30",
    )
    assert re.fullmatch(
        r"The certificate's generated name for reference: selfca_[0-9A-F]+\n", out
    ), out
    shown = cli.ok(*SHOW, "-vserver", "vs1", "-fields", "type,size,hash-function,ca")
    assert re.fullmatch(
        r"vserver cert-name +type +size hash-function ca\n"
        r"[- ]+\n"
        r"vs1 +selfca_[0-9A-F]+ root-ca 2048 sha384 +selfca\n",
        shown,
    ), shown
    named = cli.ok(
        "security",
        "certificate",
        "create",
        "-vserver",
        "cluster1",
        "-common-name",
        "c1",
        "-type",
        "root-ca",
        "-cert-name",
        "c1",
    )
    assert named == ""


def test_delete_by_name_unknown_and_in_use(cli: Cli):
    vservers(cli, "vs1")
    install_ca(cli, "vs1", "ca1")
    install_ca(cli, "vs1", "ca2")
    cli.ok("security", "ipsec", "ca-certificate", "add", "-vserver", "vs1", "-ca-certs", "ca2")
    assert cli.ok("security", "certificate", "delete", "-vserver", "vs1", "-cert-name", "ca1") == ""
    result = cli("security", "certificate", "delete", "-vserver", "vs1", "-cert-name", "ca1")
    assert (result.rc, result.err) == (1, "Error: entry doesn't exist\n")
    result = cli("-v", "security", "certificate", "delete", "-vserver", "vs1", "-cert-name", "ca2")
    assert (result.rc, result.err) == (
        1,
        "Error: The certificate could not be removed due to being in use by one or more "
        "subsystems. (code 52560272)\n",
    )
    result = cli("security", "certificate", "delete", "-vserver", "vs1")
    assert (result.rc, result.err) == (2, 'Error: Missing required parameter "-cert-name".\n')
    assert "ca2" in cli.ok(*SHOW)
