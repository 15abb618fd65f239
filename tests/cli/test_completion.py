"""`ontap-ipsec completion bash`: a script whose candidates come from the program."""

from __future__ import annotations

import os
import subprocess

from tests.cli.conftest import BIN, run_cli
from tests.requirements import require_executable


def complete(*words: str) -> list[str]:
    """Load the printed script into bash and ask it to complete `words` (last = partial)."""
    require_executable("bash", "the completion script is a bash script")
    script = run_cli("completion", "bash").stdout
    quoted = " ".join(f"'{w}'" for w in ("ontap-ipsec", *words))
    program = (
        f"{script}\nCOMP_WORDS=({quoted}); COMP_CWORD={len(words)}; "
        '_ontap_ipsec_complete; printf "%s\\n" "${COMPREPLY[@]}"'
    )
    env = {**os.environ, "PATH": f"{BIN}:{os.environ.get('PATH', '')}"}
    out = subprocess.run(
        ["bash", "-c", program], capture_output=True, text=True, env=env, timeout=60, check=True
    ).stdout
    return [line.strip() for line in out.splitlines() if line.strip()]


def test_bash_completion_lists_the_commands():
    assert complete("") == [
        "security",
        "strongswan",
        "toolkit",
        "vserver",
        "serve",
        "passwd",
        "completion",
    ]
    assert complete("security", "") == ["certificate", "ipsec"]
    assert complete("security", "ipsec", "") == [
        "ca-certificate",
        "config",
        "policy",
        "show-ikesa",
        "show-ipsecsa",
    ]
    assert complete("security", "ipsec", "ca-certificate", "") == ["add", "remove", "show"]
    assert complete("security", "ipsec", "policy", "") == ["create", "delete", "modify", "show"]
    assert complete("sec", "ipsec", "conf", "") == ["modify", "show"]
    assert complete("sec", "cert", "") == ["create", "delete", "install", "show"]


def test_bash_completion_lists_parameters_and_their_values():
    assert complete("security", "ipsec", "ca-certificate", "add", "-") == [
        "-vserver",
        "-ca-certs",
    ]
    assert complete("security", "certificate", "install", "-type", "server") == [
        "server",
        "server-ca",
    ]
    assert complete("vserver", "show", "-fields", "uuid,admin") == ["uuid,admin-state"]
    assert complete("security", "ipsec", "policy", "create", "-action", "") == [
        "ESP_TRA",
        "ESP_UDP",
        "BYPASS",
        "DISCARD",
    ]
    assert complete("security", "ipsec", "config", "modify", "-replay-window", "1") == [
        "128",
        "1024",
    ]
    assert complete("security", "ipsec", "show-ikesa", "-fields", "state,i") == [
        "state,initiator-spi",
        "state,is-initiator",
        "state,ike-version",
    ]
    assert complete("--output", "") == ["table", "json"]


def test_only_bash_is_offered():
    result = run_cli("completion", "fish")
    assert (result.returncode, result.stderr) == (
        2,
        'Error: no completion for "fish": only bash is supported\n',
    )
