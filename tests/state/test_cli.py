"""`ontap-ipsec state export | import` and `serve --seed FILE`."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import pytest

from ontap_ipsec.cli.main import main
from ontap_ipsec.inprocess import client as inprocess_client
from tests.conftest import AUTH, app_on
from tests.server.process import EXECUTABLE, clean_environment, free_port, start_server
from tests.state.conftest import PASSPHRASE, populate


@pytest.fixture
def populated(tmp_path: Path) -> Path:
    """A data dir holding a populated state (its app closed again)."""
    data = tmp_path / "populated"
    with app_on(data) as app, inprocess_client(app, auth=AUTH) as client:
        populate(app, client)
    return data


def test_export_then_import_into_another_data_dir_is_the_same_document(
    populated: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = tmp_path / "first.yaml", tmp_path / "second.yaml"
    assert main(["state", "export", "--data-dir", str(populated), "-o", str(first)]) == 0
    other = tmp_path / "other"
    assert main(["state", "import", str(first), "--data-dir", str(other)]) == 0
    assert "state imported" in capsys.readouterr().err
    assert main(["state", "export", "--data-dir", str(other), "-o", str(second)]) == 0
    assert second.read_bytes() == first.read_bytes()


def test_private_keys_with_the_passphrase_from_the_environment(
    populated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ONTAP_IPSEC_STATE_PASSPHRASE", PASSPHRASE)
    sealed = tmp_path / "sealed.yaml"
    args = ["state", "export", "--private-keys", "--data-dir", str(populated), "-o", str(sealed)]
    assert main(args) == 0
    assert sealed.stat().st_mode & 0o777 == 0o600
    text = sealed.read_text()
    assert "private_keys:" in text and PASSPHRASE not in text and "PRIVATE KEY" not in text
    other = tmp_path / "other"
    assert main(["state", "import", str(sealed), "--data-dir", str(other)]) == 0
    again = tmp_path / "again.yaml"
    args = ["state", "export", "--private-keys", "--data-dir", str(other), "-o", str(again)]
    assert main(args) == 0
    assert again.read_bytes() == sealed.read_bytes()


def test_a_bad_file_is_refused_naming_its_line(
    populated: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good.yaml"
    main(["state", "export", "--data-dir", str(populated), "-o", str(good)])
    bad = tmp_path / "bad.yaml"
    bad.write_text(good.read_text().replace("  state: running", "  state: 7", 1))
    capsys.readouterr()
    assert main(["state", "import", str(bad), "--data-dir", str(populated)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("ontap-ipsec: line ") and '"state" must be text' in err
    assert main(["state", "import", str(tmp_path / "none.yaml"), "--data-dir", str(populated)]) == 1
    after = tmp_path / "after.yaml"
    main(["state", "export", "--data-dir", str(populated), "-o", str(after)])
    assert after.read_bytes() == good.read_bytes()


def test_serve_seed_loads_the_snapshot_before_serving(populated: Path, tmp_path: Path) -> None:
    snapshot = tmp_path / "seed.yaml"
    main(["state", "export", "--data-dir", str(populated), "-o", str(snapshot)])
    server = start_server(
        tmp_path / "served", admin_password="another-pw", extra_args=("--seed", str(snapshot))
    )
    try:
        # the snapshot's accounts replaced the server's: its admin password is the old one
        with httpx.Client(base_url=server.base_url, auth=AUTH, verify=False) as client:
            assert client.get("/_ontap-ipsec/state").text == snapshot.read_text()
    finally:
        server.stop()


def test_serve_with_a_bad_seed_does_not_start(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "format: ontap-ipsec-state\nversion: 1\ncluster: {}\nsvms: []\ncertificates: []\n"
        "ipsec_ca_certificates: []\n"
    )
    done = subprocess.run(
        [
            str(EXECUTABLE),
            "serve",
            "--port",
            str(free_port()),
            "--data-dir",
            str(tmp_path / "d"),
            "--seed",
            str(bad),
        ],
        env=clean_environment("pw-for-the-test"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert f'--seed {bad}: line 3: cluster: "uuid" is missing' in done.stderr
