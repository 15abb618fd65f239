"""`ontap-ipsec serve` and `passwd` still work, and the CLI drives a served instance.

The README's session, run for real: the server and every command are separate
processes, as a user runs them.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import certs
from tests.cli.conftest import BIN, lines, run_cli
from tests.server.process import run_server

PASSWORD = "readme-secret"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[list[str], Path]]:
    """`ontap-ipsec serve --port P --data-dir D` as the README runs it, with only PATH set."""
    data = tmp_path_factory.mktemp("served") / "data"
    with run_server(
        data, admin_password=PASSWORD, host=None, log_level=None, env={"PATH": str(BIN)}
    ) as server:
        yield ["--host", "127.0.0.1", "--port", str(server.port), "--insecure"], data


def test_the_readme_session_against_a_served_instance(served, tmp_path: Path):
    connection, _ = served
    env = {"ONTAP_PASSWORD": PASSWORD}
    ca = certs.make_ca(cn="lab-ca", serial=0x5EC0)[0]
    (tmp_path / "lab-ca.pem").write_text(certs.pem(ca))

    def ok(*argv: str) -> str:
        result = run_cli(*connection, *argv, env=env)
        assert (result.returncode, result.stderr) == (0, ""), result
        return result.stdout

    assert ok("vserver", "create", "-vserver", "vs1").startswith("[Job ")
    assert ok(
        "security",
        "certificate",
        "install",
        "-vserver",
        "vs1",
        "-type",
        "server-ca",
        "-cert-name",
        "lab-ca",
        "-cert-file",
        str(tmp_path / "lab-ca.pem"),
    ) == lines(
        """
        You should keep a copy of the CA-signed digital certificate for future reference.

        The installed certificate's CA and serial number for reference:
        CA: lab-ca
        serial: 5EC0
        """
    )
    assert (
        ok("security", "ipsec", "ca-certificate", "add", "-vserver", "vs1", "-ca-certs", "lab-ca")
        == ""
    )
    assert ok("security", "ipsec", "ca-certificate", "show") == lines(
        """
        Vserver              CA Certificate Names
        ------------------   ----------------------------------
        vs1                  lab-ca
        """
    )
    assert (
        ok(
            "security",
            "ipsec",
            "ca-certificate",
            "remove",
            "-vserver",
            "vs1",
            "-ca-certs",
            "lab-ca",
        )
        == ""
    )
    assert ok("security", "ipsec", "ca-certificate", "show") == (
        "There are no entries matching your query.\n"
    )


def test_passwd_makes_a_readonly_account_the_cli_can_use(served):
    connection, data = served
    made = subprocess.run(
        [str(BIN / "ontap-ipsec"), "passwd", "ops", "--role", "readonly", "--data-dir", str(data)],
        env={"ONTAP_IPSEC_NEW_PASSWORD": "ops-pw", "PATH": str(BIN)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (made.returncode, made.stdout) == (0, "ontap-ipsec: password of 'ops' set\n")
    as_ops = [*connection, "--user", "ops"]
    shown = run_cli(*as_ops, "vserver", "show", env={"ONTAP_PASSWORD": "ops-pw"})
    assert (shown.returncode, shown.stderr) == (0, "")
    refused = run_cli(*as_ops, "-v", "vserver", "create", "vs1", env={"ONTAP_PASSWORD": "ops-pw"})
    assert refused.returncode == 1 and refused.stderr.endswith("(code 6)\n"), refused


def test_serve_keeps_its_own_help():
    result = run_cli("serve", "--help")
    assert result.returncode == 0
    assert "--data-dir" in result.stdout and "--cluster-name" in result.stdout
