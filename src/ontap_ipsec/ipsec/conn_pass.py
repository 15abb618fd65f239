"""The connections part of a pass: a daemon's connections of ours equal to its scope's
enabled IPsec policies, with the keys and shared secrets they need.

Like authorities, what was loaded on the open connection is remembered (name ->
digest), so a pass for a change compares with that and a full pass (at start, on a
new connection, at each resync) lists the daemon. Order matters to charon only for
what a negotiation finds: secrets are loaded before the connections that use them,
and unloaded after the connections that used them are gone.

Unloading a connection terminates its IKE SAs (ONTAP flushes the security
associations of a policy it deletes or disables); replacing one keeps them, as ONTAP
keeps a policy's SAs through a modify.

Private keys have no name in charon. One is ours when this worker loaded it on the
current connection, the daemon not holding it before; only those are ever unloaded.
A key loaded before a restart of ours stays in the daemon until the daemon restarts.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from .connections import Loadable, Shared
from .names import CONN_PREFIX, SHARED_PREFIXES, owned
from .vici_driver import CommandFailed, ViciDriver

log = logging.getLogger("ontap_ipsec.strongswan")


def _shared_digest(s: Shared) -> str:
    h = hashlib.sha256(s.type.encode() + b"\0" + "\0".join(s.owners).encode() + b"\0")
    h.update(s.data)
    return h.hexdigest()


@dataclass
class Outcome:
    """Names not loaded that should be, names of ours left that should not, and why."""

    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    loaded: int = 0  # connections of ours the daemon holds after the pass


class ConnectionPass:
    """What one worker knows of its daemon's connections, keys and shared secrets."""

    def __init__(self, driver: ViciDriver) -> None:
        self.driver = driver
        self.conns: dict[str, str] = {}  # name -> digest, loaded on connection `on`
        self.shared: dict[str, str] = {}  # id -> digest
        self.keys: set[str] = set()  # ids of the private keys we loaded
        self.on = -1

    def converge(self, want: Mapping[str, Loadable], full: bool) -> Outcome:
        driver = self.driver
        if driver.connections != self.on:  # a new connection: maybe a restarted daemon
            self.conns.clear()
            self.shared.clear()
            self.keys.clear()
            self.on = driver.connections
            full = True
        if full:
            conns = {n for n in driver.list_conns() if owned(n, CONN_PREFIX)}
            shared = {i for i in driver.list_shared() if owned(i, *SHARED_PREFIXES)}
            for name in list(self.conns):
                if name not in conns:
                    del self.conns[name]
            for sid in list(self.shared):
                if sid not in shared:
                    del self.shared[sid]
        else:
            conns, shared = set(self.conns), set(self.shared)
        out = Outcome()
        want_keys = {ld.key_id: ld.key_pem for ld in want.values() if ld.key_pem and ld.key_id}
        # keys are always listed (one short message): loading one the operator holds
        # would make it ours, to be unloaded with the policy
        held_keys = set(driver.list_keys()) if want_keys or self.keys else set()
        self.keys &= held_keys
        want_shared = {s.id: s for ld in want.values() for s in ld.shared}
        self._load_keys(want_keys, held_keys, out)
        self._load_shared(want_shared, shared, out)
        for name, ld in want.items():
            digest = ld.digest()
            if name in conns and self.conns.get(name) == digest:
                continue
            if ld.key_id is not None and ld.key_id not in self.keys | held_keys:
                out.missing.append(name)  # its key did not load: charon could not sign
                continue
            try:
                driver.load_conn(name, ld.conn)
                self.conns[name] = digest
                conns.add(name)
            except CommandFailed as exc:
                self.conns.pop(name, None)
                out.missing.append(name)
                out.errors.append(f"load-conn {name}: {exc}")
        gone = sorted(conns - set(want))
        for name in gone:
            try:
                driver.unload_conn(name)
            except CommandFailed as exc:
                if "not found" not in str(exc):
                    out.extra.append(name)
                    out.errors.append(f"unload-conn {name}: {exc}")
                    continue
            self.conns.pop(name, None)
            conns.discard(name)
        if gone:
            self._terminate(set(gone))
        for sid in sorted(shared - set(want_shared)):
            try:
                driver.unload_shared(sid)
            except CommandFailed as exc:
                if "not found" not in str(exc):
                    out.extra.append(sid)
                    out.errors.append(f"unload-shared {sid}: {exc}")
                    continue
            self.shared.pop(sid, None)
        for kid in sorted(self.keys - set(want_keys)):
            try:
                driver.unload_key(kid)
            except CommandFailed as exc:
                log.debug("strongSwan: unload-key %s: %s", kid, exc)
            self.keys.discard(kid)
        out.loaded = len(conns & set(want))
        return out

    def _load_keys(self, want: Mapping[str, str | None], held: set[str], out: Outcome) -> None:
        for kid, pem in want.items():
            if kid in held or pem is None:
                continue
            try:
                loaded = self.driver.load_key(pem)
                self.keys.add(loaded)
            except CommandFailed as exc:
                out.errors.append(f"load-key {kid}: {exc}")

    def _load_shared(self, want: Mapping[str, Shared], present: set[str], out: Outcome) -> None:
        for sid, s in want.items():
            digest = _shared_digest(s)
            if sid in present and self.shared.get(sid) == digest:
                continue
            try:
                self.driver.load_shared(s.message())
                self.shared[sid] = digest
            except CommandFailed as exc:
                self.shared.pop(sid, None)
                out.missing.append(sid)
                out.errors.append(f"load-shared {sid}: {exc}")

    def _terminate(self, names: set[str]) -> None:
        """Drop the IKE SAs of connections just unloaded."""
        for conn, sa in self.driver.list_sas_raw():
            if conn not in names:
                continue
            ike_id = sa.get("uniqueid")
            if ike_id is None:
                continue
            uid = ike_id.decode() if isinstance(ike_id, bytes) else str(ike_id)
            try:
                self.driver.terminate(uid, force=True)
                log.info("strongSwan: terminated IKE SA %s of %s: its policy is gone", uid, conn)
            except CommandFailed as exc:
                log.debug("strongSwan: terminate %s: %s", uid, exc)
