"""What a scrape reads now: the IPsec CA list per scope, expiries, strongSwan, the setup.

Read by the worker that answers the scrape, from the database (which every worker
shares) and from the strongSwan agent's status file (`ipsec/status_file.py`), so these
are the same whichever worker answers, and are never summed across workers. A scope is
named as `--strongswan` names it: the cluster's name for cluster scope, else the SVM's.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from prometheus_client.core import GaugeMetricFamily, InfoMetricFamily, Metric

from ontap_ipsec import __version__
from ontap_ipsec.store import gauges as rows
from ontap_ipsec.store import svms as svm_rows
from ontap_ipsec.store.tables import CLUSTER_SCOPE

if TYPE_CHECKING:
    from ontap_ipsec.rest.context import Context

log = logging.getLogger("ontap_ipsec.metrics")
_SYNCHRONOUS = {0: "off", 1: "normal", 2: "full", 3: "extra"}


class StateCollector:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def collect(self) -> Iterator[Metric]:
        yield self._info()
        up = GaugeMetricFamily(
            "ontap_ipsec_database_up", "1 when the scrape could read the database, else 0."
        )
        try:
            state = list(self._state())
        except Exception:  # noqa: BLE001 - a scrape answers whatever the database does
            log.warning("metrics: the state could not be read", exc_info=True)
            state = []
            up.add_metric([], 0)
        else:
            up.add_metric([], 1)
        yield up
        yield from state
        if self.ctx.settings.strongswan:
            yield from self._strongswan()

    def _info(self) -> Metric:
        settings = self.ctx.settings
        info = InfoMetricFamily("ontap_ipsec", "The server: release, setup, storage.")
        info.add_metric(
            [],
            {
                "version": __version__,
                "ontap_version": settings.ontap_version,
                "server": settings.server,
                "database": self.ctx.store.dialect,
                "synchronous": self._synchronous(),
            },
        )
        return info

    def _synchronous(self) -> str:
        """SQLite's setting as the connection reports it (not as configured); "" else."""
        if self.ctx.store.dialect != "sqlite":
            return ""
        try:
            value = self.ctx.store.rows(rows.SYNCHRONOUS, {})[0][0]
        except Exception:  # noqa: BLE001
            return "unknown"
        return _SYNCHRONOUS.get(int(value), str(value))

    def _state(self) -> Iterator[Metric]:
        store = self.ctx.store
        cluster_name = str(store.rows(svm_rows.CLUSTER_NAME, {})[0][0])
        names = {CLUSTER_SCOPE: cluster_name}
        names.update({str(uuid): str(name) for uuid, name in store.rows(rows.SVM_NAMES, {})})
        now = self.ctx.naive_now()
        entries = GaugeMetricFamily(
            "ontap_ipsec_ipsec_ca_entries",
            "Entries of the IPsec CA list, per scope (every scope, 0 included).",
            labels=["scope"],
        )
        listed_expiry = GaugeMetricFamily(
            "ontap_ipsec_ipsec_ca_expiry_seconds",
            "Seconds until the earliest expiry among a scope's IPsec CA entries (negative: "
            "one has expired); scopes with entries only.",
            labels=["scope"],
        )
        counts: dict[str, int] = dict.fromkeys(names, 0)
        for scope_key, count, earliest in store.rows(rows.IPSEC_CA_PER_SCOPE, {}):
            counts[scope_key] = int(count)
            if scope_key in names:
                listed_expiry.add_metric([names[scope_key]], _seconds(earliest, now))
        for scope_key, count in counts.items():
            if scope_key in names:
                entries.add_metric([names[scope_key]], count)
        installed_expiry = GaugeMetricFamily(
            "ontap_ipsec_certificate_expiry_seconds",
            "Seconds until the earliest expiry among a scope's installed certificates "
            "(negative: one has expired); scopes with certificates only.",
            labels=["scope"],
        )
        for scope_key, earliest in store.rows(rows.CERTIFICATES_PER_SCOPE, {}):
            if scope_key in names:
                installed_expiry.add_metric([names[scope_key]], _seconds(earliest, now))
        yield entries
        yield listed_expiry
        yield installed_expiry

    def _strongswan(self) -> Iterator[Metric]:
        from ontap_ipsec.ipsec import report

        reachable = GaugeMetricFamily(
            "ontap_ipsec_strongswan_daemon_reachable",
            "1 when the strongSwan daemon of a scope answers over VICI, else 0.",
            labels=["scope"],
        )
        in_sync = GaugeMetricFamily(
            "ontap_ipsec_strongswan_daemon_in_sync",
            "1 when the daemon of a scope trusts exactly the scope's IPsec CA list, else 0.",
            labels=["scope"],
        )
        running = GaugeMetricFamily(
            "ontap_ipsec_strongswan_agent_running",
            "1 when the process driving the daemons is running (its status is fresh), else 0.",
        )
        try:
            document: dict[str, Any] = report.build(self.ctx)
        except Exception:  # noqa: BLE001 - reported as unknown: nothing reachable
            log.warning("metrics: the strongSwan status could not be read", exc_info=True)
            document = {"agent": {"running": False}, "daemons": []}
            document["daemons"] = [{"scope": s.scope} for s in self.ctx.settings.strongswan_daemons]
        running.add_metric([], 1 if document["agent"].get("running") else 0)
        for daemon in document["daemons"]:
            reachable.add_metric([daemon["scope"]], 1 if daemon.get("reachable") else 0)
            in_sync.add_metric([daemon["scope"]], 1 if daemon.get("in_sync") else 0)
        yield running
        yield reachable
        yield in_sync


def _seconds(expiry: Any, now: datetime) -> float:
    if isinstance(expiry, str):
        expiry = datetime.fromisoformat(expiry)
    if expiry.tzinfo is not None:
        expiry = expiry.replace(tzinfo=None)  # stored as UTC without a zone
    return (expiry - now).total_seconds()
