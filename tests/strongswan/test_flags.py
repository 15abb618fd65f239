"""`serve --strongswan`: bad configuration is refused at start with the flag named; an
unreachable daemon is not fatal. No daemon needed (the unreachable one needs vici)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from ontap_ipsec.cli import admin
from tests.server.process import EXECUTABLE, clean_environment
from tests.strongswan.needs import require_vici


def test_a_malformed_flag_stops_the_server_before_it_starts(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(EXECUTABLE), "serve", "--data-dir", str(tmp_path), "--strongswan", "vs1"],
        capture_output=True,
        text=True,
        env=clean_environment(None),
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr == (
        "ontap-ipsec: --strongswan 'vs1': expected SCOPE=URI, e.g. "
        "cluster1=unix:///run/charon.vici\n"
    )
    assert not (tmp_path / "ontap-ipsec.db").exists()  # refused before anything was made


@pytest.mark.parametrize(
    ("argv", "env", "said"),
    [
        (["--strongswan", "vs1=tcp://10.0.0.1:4502"], {},
         "--strongswan 'vs1=tcp://10.0.0.1:4502': malformed VICI URI "
         "'tcp://10.0.0.1:4502': the scheme must be unix://"),
        (["--strongswan", "vs1=unix://run/charon.vici"], {},
         "--strongswan 'vs1=unix://run/charon.vici': malformed VICI URI "
         "'unix://run/charon.vici': the path must be absolute (unix:///path, three slashes)"),
        (["--strongswan", "vs 1=unix:///run/a.vici"], {},
         "--strongswan 'vs 1=unix:///run/a.vici': malformed scope 'vs 1'"),
        (["--strongswan", "vs1=unix:///run/a.vici", "--strongswan", "vs1=unix:///run/b.vici"], {},
         "--strongswan: scope 'vs1' is given twice"),
        (["--strongswan", "vs1=unix:///run/a.vici", "--strongswan", "vs2=unix:///run/a.vici"], {},
         "--strongswan: unix:///run/a.vici is given to scopes 'vs1' and 'vs2'"),
        ([], {"ONTAP_IPSEC_STRONGSWAN": "cluster1=unix:///run/a.vici,=unix:///run/b.vici"},
         "ONTAP_IPSEC_STRONGSWAN '=unix:///run/b.vici': expected SCOPE=URI"),
        (["--strongswan", "vs1=unix:///run/a.vici", "--strongswan-resync", "0"], {},
         "--strongswan-resync must be a positive number of seconds, not 0.0"),
        ([], {"ONTAP_IPSEC_STRONGSWAN_RESYNC": "soon"},
         "ONTAP_IPSEC_STRONGSWAN_RESYNC must be a number of seconds, not 'soon'"),
    ],
)  # fmt: skip
def test_bad_strongswan_settings_are_refused_naming_the_flag_or_variable(
    argv: list[str],
    env: dict[str, str],
    said: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert admin.main(["serve", "--data-dir", str(tmp_path), *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"ontap-ipsec: {said}"), err


def test_a_flag_wins_over_the_variable_even_when_that_is_malformed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ONTAP_IPSEC_STRONGSWAN", "not a spec")
    args = admin.build_parser().parse_args(["serve", "--strongswan", "c1=unix:///run/a.vici"])
    settings = admin.settings_from_args(args)
    assert [str(d) for d in settings.strongswan_daemons] == ["c1=unix:///run/a.vici"]
    assert settings.to_env()["ONTAP_IPSEC_STRONGSWAN"] == "c1=unix:///run/a.vici"


def test_the_variable_takes_several_daemons_separated_by_commas(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ONTAP_IPSEC_STRONGSWAN", " cluster1=unix:///run/a.vici , vs1=unix:///b ")
    monkeypatch.setenv("ONTAP_IPSEC_STRONGSWAN_TERMINATE_ON_REMOVE", "true")
    settings = admin.settings_from_args(admin.build_parser().parse_args(["serve"]))
    assert [(d.scope, d.uri) for d in settings.strongswan_daemons] == [
        ("cluster1", "unix:///run/a.vici"),
        ("vs1", "unix:///b"),
    ]
    assert settings.strongswan_terminate_on_remove and settings.strongswan_resync == 30.0


def test_a_daemon_that_is_not_there_is_no_reason_not_to_serve(tmp_path: Path) -> None:
    require_vici()
    from tests.certs import make_ca, pem
    from tests.strongswan.served import serving

    missing = "unix:///nonexistent/ontap-ipsec-test/charon.vici"
    with serving(tmp_path / "data", {"cluster1": missing}, reachable=False) as api:
        api.add(api.install_ca(pem(make_ca(cn="lab-ca")[0]), "lab-ca"))  # stored all the same
        doc = api.wait_status(
            lambda d: d["agent"].get("running") and d["daemons"][0]["missing"], 20.0
        )
    [daemon] = doc["daemons"]
    assert (daemon["reachable"], daemon["in_sync"]) == (False, False)
    assert daemon["last_error"].startswith("FileNotFoundError"), daemon
    assert "is not reachable" in api.log()


def test_the_agent_stops_with_the_server_and_dies_with_it(tmp_path: Path) -> None:
    require_vici()
    from ontap_ipsec.ipsec.status_file import alive, path_in
    from tests.strongswan.ike import wait_for
    from tests.strongswan.served import serving

    missing = {"cluster1": "unix:///nonexistent/ontap-ipsec-test/charon.vici"}
    with serving(tmp_path / "one", missing, reachable=False) as api:
        pid = api.wait_status(lambda d: d["agent"].get("running"), 20.0)["agent"]["pid"]
        assert pid != api.server.process.pid and path_in(tmp_path / "one").exists()
    assert not alive(pid) and not path_in(tmp_path / "one").exists()  # an orderly stop

    with serving(tmp_path / "two", missing, reachable=False) as api:
        pid = api.wait_status(lambda d: d["agent"].get("running"), 20.0)["agent"]["pid"]
        api.server.kill()  # SIGKILL: no shutdown code runs in the server
        wait_for(lambda: not alive(pid), 5.0)
