"""A small typed wrapper over PyPI `vici` for one strongSwan (charon) daemon.

Why a wrapper: `vici` is untyped, raises several unrelated exception types, and reads
from a blocking socket with no bound (it even clears the socket's timeout after the
first byte of a packet). Here every call has one deadline, a lost or confused
connection is always `DaemonUnreachable` (and is dropped, to be reopened by the next
call), and authorities without our prefix can never be loaded over or unloaded.
"""

from __future__ import annotations

import select
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any, TypeVar

import vici
import vici.exception

from .deadline_socket import DeadlineSocket
from .names import AUTHORITY_PREFIX as AUTHORITY_PREFIX  # re-exported
from .names import CONN_PREFIX, SHARED_PREFIXES, owned
from .uri import parse_vici_uri as parse_vici_uri  # re-exported; .uri needs no vici

DEFAULT_TIMEOUT = 2.0
T = TypeVar("T")


class StrongswanError(Exception):
    """Base of the errors this package raises about a daemon."""


class DaemonUnreachable(StrongswanError):
    """The daemon could not be reached, timed out, or broke the protocol."""


class CommandFailed(StrongswanError):
    """The daemon answered and refused the command (its errmsg is the text)."""


@dataclass(frozen=True)
class Authority:
    """A loaded authority: its name and the subject DN of its CA as charon writes it."""

    name: str
    subject: str


@dataclass(frozen=True)
class IkeSa:
    """The fields of an IKE SA (list-sas) that the reconciler looks at."""

    uniqueid: str
    connection: str
    state: str
    local_id: str
    remote_id: str
    remote_host: str


@dataclass(frozen=True)
class LoadedCert:
    """A certificate charon holds (loaded, an authority's, or cached from a peer)."""

    der: bytes
    flag: str  # NONE, CA, AA or OCSP
    has_privkey: bool


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value or "")


def _require(name: str, *prefixes: str) -> None:
    if not owned(name, *prefixes):
        raise ValueError(f"{name!r} lacks the prefix {prefixes[0]!r}; not ours")


class ViciDriver:
    """One daemon's VICI socket, connected on first use and kept open between calls.

    Thread-safe (one lock per daemon): the VICI protocol is strictly request/response,
    so calls on one connection must not interleave.
    """

    def __init__(
        self, uri: str, *, timeout: float = DEFAULT_TIMEOUT, prefix: str = AUTHORITY_PREFIX
    ) -> None:
        if not prefix:
            raise ValueError("the authority prefix must not be empty")
        self.uri = uri
        self.path = parse_vici_uri(uri)
        self.timeout = timeout
        self.prefix = prefix
        self.connections = 0  # counts connections made: a new one may be a new daemon
        self._lock = threading.RLock()
        self._sock: DeadlineSocket | None = None
        self._session: Any = None

    # -- names ----------------------------------------------------------------------

    def authority_name(self, certificate_uuid: str) -> str:
        """The authority name we give a CA certificate."""
        return f"{self.prefix}{certificate_uuid}"

    def owns(self, name: str) -> bool:
        """Whether an authority is ours to change; all others are the operator's."""
        return name.startswith(self.prefix) and len(name) > len(self.prefix)

    def _require_owned(self, name: str) -> None:
        if not self.owns(name):
            raise ValueError(f"authority {name!r} lacks the prefix {self.prefix!r}; not ours")

    # -- connection -----------------------------------------------------------------

    def _connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self.path)
        except OSError:
            sock.close()
            raise
        self._sock = DeadlineSocket(sock)
        self._session = vici.Session(self._sock)
        self.connections += 1

    def close(self) -> None:
        """Drop the connection; the next call opens a new one."""
        with self._lock:
            if self._sock is not None:
                self._sock.close()
            self._sock = self._session = None

    def abort(self) -> None:
        """Wake a call blocked on the socket (from another thread): it fails at once."""
        sock = self._sock
        if sock is not None:
            with suppress(OSError):
                sock.sock.shutdown(socket.SHUT_RDWR)

    def connected(self) -> bool:
        """Whether a connection is open and the daemon has not closed it.

        Between calls charon sends nothing unless asked, so a readable socket means EOF
        (the daemon stopped or restarted): checked without blocking.
        """
        with self._lock:
            if self._sock is None:
                return False
            try:
                readable, _, _ = select.select([self._sock], [], [], 0)
            except (OSError, ValueError):
                readable = [self._sock]
            if readable:
                self.close()
                return False
            return True

    @contextmanager
    def _call(self, budget: float | None = None) -> Iterator[Any]:
        """A session for one call, with a deadline; errors mapped to ours."""
        with self._lock:
            try:
                if self._session is None:
                    self._connect()
                assert self._sock is not None
                self._sock.deadline = time.monotonic() + (budget or self.timeout)
                yield self._session
            except vici.exception.CommandException as exc:
                raise CommandFailed(str(exc).removeprefix("Command failed: ")) from None
            except (
                OSError,
                EOFError,
                struct.error,
                vici.exception.SessionException,
                vici.exception.DeserializationException,
            ) as exc:
                self.close()
                raise DaemonUnreachable(f"{self.uri}: {type(exc).__name__}: {exc}") from None
            except (vici.exception.EventUnknownException, KeyError) as exc:
                self.close()
                raise DaemonUnreachable(f"{self.uri}: protocol error: {exc}") from None

    def _request(self, fn: Callable[[Any], T], budget: float | None = None) -> T:
        with self._call(budget) as session:
            return fn(session)

    # -- operations -----------------------------------------------------------------

    def version(self) -> dict[str, str]:
        """The daemon's name and version; a cheap liveness check."""
        reply = self._request(lambda s: s.version())
        return {k: _text(v) for k, v in reply.items()}

    def list_authorities(self) -> dict[str, Authority]:
        """Every loaded authority, ours and others', by name."""
        # streamed calls are lazy generators: list() them inside the call
        events = self._request(lambda s: list(s.list_authorities()))
        found: dict[str, Authority] = {}
        for event in events:
            for name, body in event.items():
                found[name] = Authority(name, _text(body.get("cacert")))
        return found

    def load_authority(self, name: str, pem: str) -> None:
        """Load (or replace: charon swaps an authority of the same name) one of ours."""
        self._require_owned(name)
        self._request(lambda s: s.load_authority({name: {"cacert": pem}}))

    def unload_authority(self, name: str) -> None:
        """Unload one of ours; CommandFailed when charon has no such authority."""
        self._require_owned(name)
        self._request(lambda s: s.unload_authority({"name": name}))

    def list_sas(self) -> list[IkeSa]:
        """The IKE SAs, whatever their state."""
        events = self._request(lambda s: list(s.list_sas()))
        return [
            IkeSa(
                uniqueid=_text(sa.get("uniqueid")),
                connection=conn,
                state=_text(sa.get("state")),
                local_id=_text(sa.get("local-id")),
                remote_id=_text(sa.get("remote-id")),
                remote_host=_text(sa.get("remote-host")),
            )
            for event in events
            for conn, sa in event.items()
        ]

    def list_certs(
        self, *, flag: str | None = None, subject: str | None = None
    ) -> list[LoadedCert]:
        """X.509 certificates charon holds, optionally by flag (CA, NONE) or subject/SAN."""
        query = {"type": "X509"}
        if flag:
            query["flag"] = flag
        if subject:
            query["subject"] = subject
        events = self._request(lambda s: list(s.list_certs(query)))
        return [
            LoadedCert(bytes(e["data"]), _text(e.get("flag")), _text(e.get("has_privkey")) == "yes")
            for e in events
            if e.get("data")
        ]

    # -- connections and their credentials (IPsec policies) ------------------------

    def list_conns(self) -> list[str]:
        """The names of every loaded connection, ours and others'."""
        reply = self._request(lambda s: s.get_conns())
        return [_text(n) for n in reply.get("conns", [])]

    def load_conn(self, name: str, conn: dict[str, Any]) -> None:
        """Load (or replace) one connection of ours."""
        _require(name, CONN_PREFIX)
        self._request(lambda s: s.load_conn({name: conn}))

    def unload_conn(self, name: str) -> None:
        """Unload one of ours, with its trap policies; CommandFailed if it is not loaded."""
        _require(name, CONN_PREFIX)
        self._request(lambda s: s.unload_conn({"name": name}))

    def list_shared(self) -> list[str]:
        """The ids of every shared key loaded with an id (`get-shared`)."""
        reply = self._request(lambda s: s.get_shared())
        return [_text(n) for n in reply.get("keys", [])]

    def load_shared(self, message: dict[str, Any]) -> None:
        """Load (or replace) a shared key of ours: `message` as `load-shared` takes it."""
        _require(str(message.get("id", "")), *SHARED_PREFIXES)
        self._request(lambda s: s.load_shared(message))

    def unload_shared(self, shared_id: str) -> None:
        _require(shared_id, *SHARED_PREFIXES)
        self._request(lambda s: s.unload_shared({"id": shared_id}))

    def list_keys(self) -> list[str]:
        """The ids of every private key charon holds (`get-keys`)."""
        reply = self._request(lambda s: s.get_keys())
        return [_text(k) for k in reply.get("keys", [])]

    def load_key(self, pem: str) -> str:
        """Load a private key (PEM); charon's id for it."""
        reply = self._request(lambda s: s.load_key({"type": "any", "data": pem.encode()}))
        return _text(reply.get("id"))

    def unload_key(self, key_id: str) -> None:
        self._request(lambda s: s.unload_key({"id": key_id}))

    def list_sas_raw(self) -> list[tuple[str, dict[str, Any]]]:
        """Every IKE SA as (connection name, list-sas' record), children included."""
        events = self._request(lambda s: list(s.list_sas()))
        return [(_text(conn), sa) for event in events for conn, sa in event.items()]

    def terminate(self, ike_id: str, *, force: bool = True, timeout: float = 1.0) -> None:
        """Terminate one IKE SA; `force` drops it without waiting for the peer's answer."""
        request = {
            "ike-id": ike_id,
            "force": "yes" if force else "no",
            "timeout": int(timeout * 1000),
        }
        # charon's own timeout must expire before our socket deadline does
        self._request(lambda s: list(s.terminate(request)), budget=timeout + self.timeout)

    def __enter__(self) -> ViciDriver:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ViciDriver({self.uri!r})"
