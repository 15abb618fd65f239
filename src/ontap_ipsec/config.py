"""Settings: every flag, its ONTAP_IPSEC_* environment variable and its default."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ontap_ipsec.ipsec.daemons import DaemonSpec

ENV_PREFIX = "ONTAP_IPSEC_"
DEFAULT_VERSION = "9.18.1"
LOG_FORMATS = ("text", "json")
SYNC_MODES = ("normal", "full")
_VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)(\S*)$")


def default_workers() -> int:
    """Two worker processes where there are two cores or more, else one.

    Measured (bench/README.md): on 2 cores shared with the load generator, a second
    worker leaves throughput about where it was, reads and writes alike; it is kept
    so that one long request (a key generated, a large page rendered) does not stall
    every other client, and so that free cores are used. More with --workers.
    """
    return min(2, os.cpu_count() or 1)


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "ontap-ipsec"


@dataclass
class Settings:
    """One place for configuration; flags override environment, which overrides defaults."""

    host: str = "127.0.0.1"
    port: int = 8443
    data_dir: Path = Path()
    database: str | None = None  # default: SQLite in the data dir
    tls_cert: Path | None = None
    tls_key: Path | None = None
    no_tls: bool = False
    cluster_name: str | None = None  # default "cluster1" at first start, then kept
    ontap_version: str = DEFAULT_VERSION
    admin_password: str | None = None  # only read from the environment
    log_level: str = "info"
    log_format: str = "text"  # or "json": one object per line (docs/operations.md)
    access_log: bool = False
    workers: int = field(default_factory=default_workers)
    server: str = "uvicorn"  # or "granian" (docs/fidelity.md: why uvicorn is the default)
    cache_mib: int = 16  # rendered GET responses kept while the data is unchanged; 0: none
    # strongSwan daemons whose trust store the IPsec CA list is: "SCOPE=URI" each (README)
    strongswan: tuple[str, ...] = ()
    strongswan_resync: float = 30.0  # seconds between full reconciliations
    strongswan_terminate_on_remove: bool = False
    no_control_api: bool = False  # the test toolkit under /_ontap-ipsec/ (README) turned off
    journal: bool = False  # the request journal on from the start (else over the control API)
    seed: Path | None = None  # a state snapshot loaded at start, all or nothing (serve --seed)
    metrics_public: bool = False  # GET /metrics without credentials
    shutdown_timeout: float = 30.0  # seconds in-flight requests are given after SIGTERM
    sync: str = "normal"  # SQLite's synchronous: "normal" or "full" (README, Configuration)
    # Abusive clients (docs/operations.md, "Limits"): a request body must arrive whole, and a
    # response the client stops reading must move again, within body_timeout; a connection
    # must send a request's headers (and finish its TLS handshake) within header_timeout; at
    # most max_connections open at once, shared among the workers.
    body_timeout: float = 10.0
    header_timeout: float = 10.0
    max_connections: int = 4096
    # the audit log (/api/security/audit/messages): the newest records kept; 0: none kept
    audit_records: int = 10_000
    # the lockout (ONTAP's `security login role config` -max-failed-login-attempts and
    # -lockout-duration, which ONTAP's REST API does not serve): failed password logins in a
    # row that lock an account, 0: none does; and for how long, 0: until an admin unlocks it
    max_failed_logins: int = 0
    lockout_duration: float = 0.0

    def __post_init__(self) -> None:
        if self.data_dir == Path():
            self.data_dir = default_data_dir()
        self.data_dir = Path(self.data_dir)
        version_parts(self.ontap_version)  # fail early on a malformed version
        if self.workers < 1:
            raise ValueError(f"workers must be at least 1, not {self.workers}")
        if self.cache_mib < 0:
            raise ValueError(f"cache-mib must be 0 or more, not {self.cache_mib}")
        if self.server not in ("uvicorn", "granian"):
            raise ValueError(f"server must be uvicorn or granian, not {self.server!r}")
        self.strongswan = tuple(self.strongswan)
        if self.strongswan:
            self.strongswan_daemons  # noqa: B018 - refused at start, naming the flag
        if self.log_format not in LOG_FORMATS:
            raise ValueError(f"log-format must be json or text, not {self.log_format!r}")
        if self.sync not in SYNC_MODES:
            raise ValueError(f"sync must be normal or full, not {self.sync!r}")
        if not self.shutdown_timeout > 0:
            raise ValueError(
                f"--shutdown-timeout must be a positive number of seconds, not "
                f"{self.shutdown_timeout!r}"
            )
        for name in ("body_timeout", "header_timeout"):
            if not 0 < getattr(self, name) < 86400:  # NaN and infinity too
                flag = "--" + name.replace("_", "-")
                raise ValueError(
                    f"{flag} must be a number of seconds above 0 and below a day, not "
                    f"{getattr(self, name)!r}"
                )
        if self.max_failed_logins < 0:
            raise ValueError(
                f"--max-failed-logins must be 0 or more, not {self.max_failed_logins}"
            )
        if not 0 <= self.lockout_duration < 10 * 365 * 86400:  # NaN too
            raise ValueError(
                "--lockout-duration must be a number of seconds from 0 (until unlocked) to "
                f"ten years, not {self.lockout_duration!r}"
            )
        if self.audit_records < 0:
            raise ValueError(f"--audit-records must be 0 or more, not {self.audit_records}")
        if self.max_connections < 1:
            raise ValueError(f"--max-connections must be at least 1, not {self.max_connections}")
        if not self.strongswan_resync > 0:
            raise ValueError(
                f"--strongswan-resync must be a positive number of seconds, not "
                f"{self.strongswan_resync!r}"
            )

    @property
    def database_url(self) -> str:
        if self.database:
            return self.database
        return f"sqlite:///{self.data_dir / 'ontap-ipsec.db'}"

    @property
    def tls(self) -> bool:
        return not self.no_tls

    @property
    def strongswan_daemons(self) -> tuple[DaemonSpec, ...]:
        """The attached daemons, parsed (ValueError naming --strongswan when malformed)."""
        if not self.strongswan:
            return ()
        from ontap_ipsec.ipsec import daemons  # only with the flag: nothing of it otherwise

        return daemons.parse(self.strongswan)

    def to_env(self) -> dict[str, str]:
        """The settings as ONTAP_IPSEC_* variables (the admin password is not passed on)."""
        env: dict[str, str] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None or f.name == "admin_password":
                continue
            if isinstance(value, bool):
                value = "true" if value else "false"
            elif isinstance(value, tuple):
                if not value:
                    continue
                value = ",".join(value)
            env[ENV_PREFIX + f.name.upper()] = str(value)
        return env

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: object) -> Settings:
        """Defaults, then ONTAP_IPSEC_* variables, then explicit (non-None) overrides."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(ENV_PREFIX + f.name.upper())
            if raw is None or raw == "" or overrides.get(f.name) is not None:
                continue  # unset, or a flag wins (and a malformed variable it hides is moot)
            values[f.name] = _convert(f.name, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]


def _convert(name: str, raw: str) -> object:
    if name in ("port", "workers", "cache_mib", "max_connections", "audit_records",
                "max_failed_logins"):
        return int(raw)
    if name in ("no_tls", "access_log", "strongswan_terminate_on_remove", "no_control_api",
                "journal", "metrics_public"):
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if name in ("strongswan_resync", "shutdown_timeout", "body_timeout", "header_timeout",
                "lockout_duration"):
        try:
            return float(raw)
        except ValueError:
            raise ValueError(
                f"{ENV_PREFIX}{name.upper()} must be a number of seconds, not {raw!r}"
            ) from None
    if name in ("log_format", "sync"):
        return raw.strip().lower()
    if name == "strongswan":
        from ontap_ipsec.ipsec import daemons  # only when it is set

        items = daemons.split_env(raw)
        daemons.parse(items, source=daemons.ENV)  # its errors name the variable
        return items
    if name in ("data_dir", "tls_cert", "tls_key", "seed"):
        return Path(raw)
    return raw


def version_parts(version: str) -> tuple[int, int, int]:
    match = _VERSION.match(version)
    if not match:
        raise ValueError(f"ONTAP version must look like 9.18.1 or 9.18.1P3, not {version!r}")
    return int(match.group(1)), int(match.group(2)), int(match.group(3))
