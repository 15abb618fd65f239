"""Certificates for the CLI tests, installed through the CLI itself."""

from __future__ import annotations

import functools

from cryptography import x509

from tests import certs
from tests.cli.conftest import Cli


@functools.cache
def ca(name: str) -> x509.Certificate:
    """A CA certificate whose subject CN is `name` (one per name for the session)."""
    return certs.make_ca(cn=name)[0]


def serial(cert: x509.Certificate) -> str:
    return format(cert.serial_number, "X")


def install_ca(cli: Cli, vserver: str, name: str, cn: str | None = None) -> x509.Certificate:
    cert = ca(cn or name)
    cli.ok(
        "security",
        "certificate",
        "install",
        "-vserver",
        vserver,
        "-type",
        "server-ca",
        "-cert-name",
        name,
        stdin=certs.pem(cert),
    )
    return cert


def install_server_cert(cli: Cli, vserver: str, name: str) -> x509.Certificate:
    leaf, key = certs.make_leaf(certs.make_ca(cn="issuer")[0:2], cn=f"{name}.example.com")
    cli.ok(
        "security",
        "certificate",
        "install",
        "-vserver",
        vserver,
        "-type",
        "server",
        "-cert-name",
        name,
        stdin=certs.pem(leaf) + "\n" + certs.key_pem(key),
    )
    return leaf


def vservers(cli: Cli, *names: str) -> None:
    for name in names:
        cli.ok("vserver", "create", "-vserver", name)
