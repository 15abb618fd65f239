"""The thread that keeps one scope's daemon converged (the reconciler runs one per daemon).

Why one thread per daemon: a hanging daemon (each call bounded by the driver's
timeout) must not delay the others. The loop wakes every `poll_interval`: to probe a
daemon that is down (so it converges soon after it returns), to notice that an idle
connection was closed (a restart drops everything loaded over VICI), and to honour
requests and the periodic resync.

Why two kinds of pass: `list-authorities` costs about 40 ms at 1,000 authorities (VICI
streams one message per authority, decoded in Python), most of a pass at that size.
A full pass lists the daemon's authorities and compares; it runs at start, on every
new connection (a restart, a reconnection), at each resync and when asked. A pass for
a change compares the list with what this worker loaded on the open connection, which
is what the daemon holds unless someone else unloaded ours meanwhile (an operator's
`swanctl --load-authorities`): the next resync finds and repairs that.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from .conn_pass import ConnectionPass, Outcome
from .connections import Loadable
from .orphans import PeerRecord, ca_ders
from .plan import digest, plan
from .status import ScopeStatus
from .vici_driver import CommandFailed, DaemonUnreachable, ViciDriver

log = logging.getLogger("ontap_ipsec.strongswan")

Desired = Callable[[], Mapping[str, Mapping[str, str]]]
"""scope -> {certificate uuid: CA PEM}; a scope that is absent wants nothing."""

Connections = Callable[[str], Mapping[str, Loadable]]
"""scope -> {connection name: what to load}: the scope's enabled IPsec policies."""


@dataclass(frozen=True)
class Settings:
    """What every worker of one reconciler shares."""

    desired: Desired
    resync: float
    poll_interval: float
    terminate_on_remove: bool
    stopping: threading.Event
    on_pass: Callable[[], None] | None = None  # after each pass, e.g. to publish the status
    connections: Connections | None = None  # None: authorities only


class Worker:
    """The thread that converges one scope's daemon."""

    def __init__(self, settings: Settings, scope: str, driver: ViciDriver) -> None:
        self.settings = settings
        self.scope = scope
        self.driver = driver
        self.status = ScopeStatus(scope, driver.uri)
        self.cond = threading.Condition()
        self.wake = threading.Event()
        self.requested = 1  # the pass at start
        self.completed = 0
        self.full_requested = False
        self.known: dict[str, str] = {}  # name -> digest loaded on connection `known_conn`
        self.known_conn = -1
        self.listed_conn = -1  # the connection the daemon's authorities were last listed on
        self.peers = PeerRecord()
        self.conn_pass = ConnectionPass(driver)
        self.thread = threading.Thread(target=self.run, name=f"strongswan-{scope}", daemon=True)

    def request(self, full: bool = False) -> int:
        """Ask for a pass (`full`: one that lists the daemon's authorities); its number."""
        with self.cond:
            self.requested += 1
            self.full_requested = self.full_requested or full
            target = self.requested
        self.wake.set()
        return target

    def wait_completed(self, target: int, timeout: float) -> bool:
        with self.cond:
            return self.cond.wait_for(lambda: self.completed >= target, timeout)

    def run(self) -> None:
        next_resync = 0.0
        while not self.settings.stopping.is_set():
            self.wake.clear()
            with self.cond:
                target = self.requested
                full, self.full_requested = self.full_requested, False
            pending = target > self.completed
            resync_due = time.monotonic() >= next_resync
            lost = self.status.reachable is True and not self.driver.connected()
            if pending or resync_due or lost or self.status.reachable is not True:
                try:
                    ran = self.step(report=pending or resync_due, full=full or resync_due)
                except Exception:  # noqa: BLE001 - the thread must survive any bug of a pass
                    log.exception("strongSwan reconciliation of scope %r failed", self.scope)
                    ran = True
                if ran:
                    next_resync = time.monotonic() + self.settings.resync
                with self.cond:
                    self.completed = max(self.completed, target)
                    self.cond.notify_all()
                if self.settings.on_pass is not None:
                    try:
                        self.settings.on_pass()
                    except Exception:  # noqa: BLE001 - a publisher's bug must not stop us
                        log.exception("strongSwan scope %r: publishing failed", self.scope)
            self.wake.wait(self.settings.poll_interval)
        self.driver.close()

    def step(self, report: bool, full: bool = True) -> bool:
        """Probe a daemon not known to be up, then converge; True when a pass ran."""
        if self.status.reachable is not True:
            full = True
            try:
                self.driver.version()
            except DaemonUnreachable as exc:
                self.set_reachable(False, exc)
                if report:
                    self.report_unreachable(self.reason(exc))
                return report
        self.converge(full)
        return True

    def set_reachable(self, up: bool, error: Exception | None = None) -> None:
        """Record reachability; log only its changes, so a daemon that stays down is quiet."""
        if not up and self.settings.stopping.is_set():
            return  # stop() aborted the call in flight: not the daemon's doing
        with self.cond:
            was = self.status.reachable
            self.status.reachable = up
        if up and was is not True:
            again = " again" if was is False else ""
            log.info(
                "strongSwan daemon of scope %r at %s is reachable%s",
                self.scope,
                self.driver.uri,
                again,
            )
        elif not up and was is not False:
            what = "went away" if was else "is not reachable"
            log.warning(
                "strongSwan daemon of scope %r at %s %s: %s",
                self.scope,
                self.driver.uri,
                what,
                self.reason(error),
            )

    def reason(self, error: Exception | None) -> str:
        """An error's text without the URI, which the status and the log give beside it."""
        return str(error).removeprefix(f"{self.driver.uri}: ")

    def wanted(self) -> dict[str, str] | None:
        """name -> PEM for this scope, or None (recorded as the error) if desired() fails."""
        try:
            entries = self.settings.desired().get(self.scope, {})
            return {self.driver.authority_name(uuid): pem for uuid, pem in entries.items()}
        except Exception as exc:  # noqa: BLE001 - whatever the store raised, touch nothing
            with self.cond:
                self.status.in_sync = False
                self.status.last_error = f"reading the desired CA list failed: {type(exc).__name__}"
            # the exception's text may quote a database URL: only at debug level
            log.warning("strongSwan scope %r: %s", self.scope, self.status.last_error)
            log.debug("strongSwan scope %r: desired() raised", self.scope, exc_info=exc)
            return None

    def wanted_connections(self) -> Mapping[str, Loadable] | None:
        """The scope's connections, or None (recorded as an error) if reading them fails."""
        if self.settings.connections is None:
            return {}
        try:
            return self.settings.connections(self.scope)
        except Exception as exc:  # noqa: BLE001 - whatever the store raised, touch nothing
            log.warning(
                "strongSwan scope %r: reading the IPsec policies failed: %s",
                self.scope,
                type(exc).__name__,
            )
            log.debug("strongSwan scope %r: connections() raised", self.scope, exc_info=exc)
            return None

    def report_unreachable(self, error: str) -> None:
        """A daemon that cannot be reached trusts none of our CAs as far as we can tell."""
        want = self.wanted()
        with self.cond:
            if want is not None:
                self.status.missing, self.status.extra = sorted(want), []
                self.status.last_error = error
            self.status.in_sync = False

    def converge(self, full: bool = True) -> None:
        """One pass: load what is missing or changed, then unload what is extra."""
        want = self.wanted()
        if want is None:
            return
        driver = self.driver
        try:
            if full or self.listed_conn != driver.connections or not driver.connected():
                loaded: Mapping[str, object] = driver.list_authorities()
                self.listed_conn = driver.connections
                self.set_reachable(True)
            else:
                loaded = dict.fromkeys(self.known)  # what we loaded on this connection
            if driver.connections != self.known_conn:  # a new connection: maybe a new daemon
                self.known.clear()
                self.known_conn = driver.connections
            todo = plan(want, loaded, self.known, driver.owns)
            terminate = self.settings.terminate_on_remove
            if terminate:  # before any unload flushes charon's certificate cache
                self.peers.refresh(driver)
            removes = bool(todo.unload or any(n in loaded for n in todo.load))
            before = ca_ders(driver) if terminate and removes else set()
            missing, extra, errors = [], [], []
            for name, pem in todo.load.items():
                try:
                    driver.load_authority(name, pem)
                    self.known[name] = digest(pem)
                except CommandFailed as exc:
                    self.known.pop(name, None)
                    missing.append(name)
                    errors.append(f"load-authority {name}: {exc}")
            for name in todo.unload:
                try:
                    driver.unload_authority(name)
                except CommandFailed as exc:
                    if "not found" not in str(exc):  # already gone is what we wanted
                        extra.append(name)
                        errors.append(f"unload-authority {name}: {exc}")
                self.known.pop(name, None)
            if terminate and removes:
                after = ca_ders(driver)
                self.terminate_orphans(before - after, after)
            conns = self.wanted_connections()
            if conns is None:
                errors.append("reading the IPsec policies failed")
                outcome = Outcome()
            else:
                outcome = self.conn_pass.converge(conns, full)
            missing += outcome.missing
            extra += outcome.extra
            errors += outcome.errors
        except DaemonUnreachable as exc:
            self.set_reachable(False, exc)
            self.report_unreachable(self.reason(exc))
            return
        with self.cond:
            self.status.missing, self.status.extra = sorted(missing), sorted(extra)
            self.status.in_sync = not missing and not extra and conns is not None
            self.status.connections = outcome.loaded
            self.status.last_error = "; ".join(errors) or None
            if self.status.in_sync:
                self.status.last_convergence = time.time()
        if todo:
            log.debug(
                "strongSwan scope %r: loaded %d, unloaded %d authorities",
                self.scope,
                len(todo.load) - len(missing),
                len(todo.unload),
            )

    def terminate_orphans(self, removed: set[bytes], remaining: set[bytes]) -> None:
        """Terminate the IKE SAs whose peers chain only to CAs this pass removed."""
        if not removed:
            return
        verdict = self.peers.judge(removed, remaining)
        for sa in verdict.orphaned:
            try:
                self.driver.terminate(sa.uniqueid, force=True)
                log.info(
                    "strongSwan scope %r: terminated IKE SA %s (%s, peer %s): its CA was removed",
                    self.scope,
                    sa.uniqueid,
                    sa.connection,
                    sa.remote_id,
                )
            except CommandFailed as exc:  # e.g. it went away meanwhile
                log.debug("strongSwan scope %r: terminate %s: %s", self.scope, sa.uniqueid, exc)
        if verdict.undecided:
            log.info(
                "strongSwan scope %r: %d IKE SA(s) left up: no peer certificate in "
                "charon's cache to judge them by",
                self.scope,
                len(verdict.undecided),
            )
