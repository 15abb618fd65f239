"""How the CLI reaches a cluster: options, profiles, TLS, passwords, and its errors."""

from __future__ import annotations

from tests.cli.conftest import ADMIN_PASSWORD, Cli, Live, run_cli
from tests.server.process import free_port

ENV = {"ONTAP_PASSWORD": ADMIN_PASSWORD}


def test_a_refused_connection_is_one_error_line_and_no_traceback():
    port = free_port()
    result = run_cli("--host", "127.0.0.1", "--port", str(port), "vserver", "show", env=ENV)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.startswith(f"Error: cannot connect to https://127.0.0.1:{port}: ")
    assert "refused" in result.stderr
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1


def test_a_self_signed_cluster_is_refused_unless_its_ca_is_given_or_insecure(cli: Cli, live: Live):
    cli.connection = ["--host", "127.0.0.1", "--port", str(live.port)]
    refused = cli("vserver", "show")
    assert refused.rc == 1
    assert refused.err.startswith(f"Error: cannot verify the TLS certificate of {live.url} (")
    assert refused.err.endswith("; use --cacert <file> or --insecure\n")
    assert "cluster1    admin" in cli.ok("--cacert", str(live.tls_cert), "vserver", "show")
    assert "cluster1    admin" in cli.ok("--insecure", "vserver", "show")


def test_a_profile_names_the_cluster_and_default_is_used_without_options(cli: Cli, live, tmp_path):
    profiles = tmp_path / "profiles.toml"
    profiles.write_text(
        f'[lab]\nhost = "127.0.0.1"\nport = {live.port}\ncacert = "{live.tls_cert}"\n'
        f'[default]\nhost = "127.0.0.1"\nport = {live.port}\ninsecure = true\nuser = "admin"\n'
    )
    cli.monkeypatch.setenv("ONTAP_IPSEC_PROFILES", str(profiles))
    cli.connection = []
    assert "cluster1    admin" in cli.ok("--profile", "lab", "vserver", "show")
    assert "cluster1    admin" in cli.ok("vserver", "show")
    missing = cli("--profile", "prod", "vserver", "show")
    assert (missing.rc, missing.err) == (1, f'Error: profile "prod" not found in {profiles}\n')
    profiles.write_text('[lab]\nhost = "h"\nport = "443"\n')
    bad = cli("--profile", "lab", "vserver", "show")
    assert bad.err == f'Error: profile "lab" in {profiles}: "port" must be a int\n'


def test_without_a_host_or_profile_the_cli_says_so(cli: Cli):
    cli.connection = []
    result = cli("vserver", "show")
    assert (result.rc, result.err) == (
        2,
        "Error: no cluster given: use --host <name> or --profile <name>\n",
    )


def test_the_password_comes_from_the_environment_or_it_is_an_error(cli: Cli, live: Live):
    cli.monkeypatch.delenv("ONTAP_PASSWORD")
    result = cli("vserver", "show")
    assert (result.rc, result.err) == (
        2,
        "Error: no password: set ONTAP_PASSWORD or run interactively\n",
    )
    cli.monkeypatch.setenv("ONTAP_PASSWORD", "wrong")
    result = cli("-v", "vserver", "show")
    assert result.rc == 1 and result.err.endswith(" (code 6)\n"), result


def test_a_url_may_stand_for_host_and_port(cli: Cli, live: Live):
    cli.connection = ["--host", live.url, "--insecure"]
    assert "cluster1    admin" in cli.ok("vserver", "show")
