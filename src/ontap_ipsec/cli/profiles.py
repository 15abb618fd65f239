"""Named connection profiles: `--profile lab` reads `[lab]` of profiles.toml.

The file is `$XDG_CONFIG_HOME/ontap-ipsec/profiles.toml` (default
`~/.config/ontap-ipsec/profiles.toml`), or the path in `ONTAP_IPSEC_PROFILES`:

    [lab]
    host = "cluster1.example.com"   # required
    port = 443                      # optional (default 443)
    user = "admin"                  # optional (default admin)
    insecure = false                # optional: skip TLS verification
    cacert = "~/lab-ca.pem"         # optional: CA bundle to verify the cluster with

A `[default]` profile is used when neither `--host` nor `--profile` is given.
Passwords never live in the file: `ONTAP_PASSWORD`, else a prompt.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from ontap_ipsec.cli.errors import CliError

KEYS = {"host": str, "port": int, "user": str, "insecure": bool, "cacert": str}


def profiles_path() -> Path:
    explicit = os.environ.get("ONTAP_IPSEC_PROFILES")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "ontap-ipsec" / "profiles.toml"


def load_profile(name: str | None) -> dict[str, Any]:
    """The profile's settings; {} when no name is given and there is no [default]."""
    path = profiles_path()
    if not path.exists():
        if name is None:
            return {}
        raise CliError(f'profile "{name}" not found: {path} does not exist')
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CliError(f"cannot read {path}: {exc}") from None
    wanted = name or "default"
    section = data.get(wanted)
    if section is None:
        if name is None:
            return {}
        raise CliError(f'profile "{name}" not found in {path}')
    if not isinstance(section, dict):
        raise CliError(f'profile "{wanted}" in {path} must be a table ([{wanted}])')
    for key, value in section.items():
        kind = KEYS.get(key)
        if kind is None:
            raise CliError(f'profile "{wanted}" in {path}: unknown key "{key}"')
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise CliError(f'profile "{wanted}" in {path}: "{key}" must be a {kind.__name__}')
    return dict(section)
