"""Which IKE SAs lost their trust when CAs were removed (the terminate-on-remove option).

Why it is done this way, from what VICI gives (strongSwan 5.9): `list-sas` carries the
peer's identity (`remote-id`) but no certificate and no issuer; `list-authorities`
gives names and subject DNs only. Comparing names (the remote identity against a CA's
subject) would be unreliable: the remote id is the peer's own identity, not its
issuer, and two CAs may share a subject. But charon keeps a peer certificate it has
verified in its certificate cache, and `list-certs` with `subject=<remote-id>` returns
it (the filter matches the subject DN and the subjectAltNames). So at the start of
every pass, before anything changes, the peer certificates of SAs not seen before are
noted (`PeerRecord`): `unload-authority` flushes that cache, `load-authority` does not.
After the pass, each noted certificate's signature chain is verified with
`cryptography` against the CA certificates charon still holds (`list-certs flag=CA`:
ours, the operator's authorities and CAs loaded with `load-cert`) and those the pass
removed. An SA is terminated only when every candidate certificate of its peer chains
to a removed CA and to no remaining one.

Limits: charon's cache holds 32 issuer relations, so when more peers connect between
two passes (or after an operator's `flush-certs`) a peer's certificate may be gone
before it was noted; that SA cannot be judged and is left up (reported as undecided,
as are SAs authenticated without a certificate, which are never touched).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization

from .vici_driver import IkeSa, ViciDriver

# SAs being set up use the new trust list anyway; those going away need nothing.
JUDGED_STATES = frozenset({"ESTABLISHED", "REKEYING", "REKEYED", "PASSIVE"})
MAX_DEPTH = 8
_SHA256 = hashes.SHA256()
_DER = serialization.Encoding.DER


def _parse(der: bytes) -> x509.Certificate | None:
    try:
        return x509.load_der_x509_certificate(der)
    except ValueError:
        return None


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """Whether `issuer`'s name and key signed `cert`."""
    try:
        cert.verify_directly_issued_by(issuer)
        return True
    except (ValueError, TypeError, InvalidSignature):
        return False


def anchors(
    cert: x509.Certificate,
    trusted: Iterable[x509.Certificate],
    intermediates: Iterable[x509.Certificate] = (),
) -> set[bytes]:
    """DERs of the `trusted` CAs that `cert` chains up to, through `intermediates`."""
    trusted = list(trusted)
    intermediates = [c for c in intermediates if _is_ca(c)]
    found: set[bytes] = set()
    frontier, seen = [cert], {cert.fingerprint(_SHA256)}
    for _ in range(MAX_DEPTH):
        nxt: list[x509.Certificate] = []
        for node in frontier:
            for ca in trusted:
                if issued_by(node, ca):
                    found.add(ca.public_bytes(_DER))
            for mid in intermediates:
                fp = mid.fingerprint(_SHA256)
                if fp not in seen and issued_by(node, mid):
                    seen.add(fp)
                    nxt.append(mid)
        if not nxt:
            break
        frontier = nxt
    return found


@dataclass(frozen=True)
class Verdict:
    """IKE SAs to terminate, and those that could not be judged."""

    orphaned: list[IkeSa]
    undecided: list[IkeSa]


class PeerRecord:
    """The peer certificates of a daemon's IKE SAs, noted while charon's cache has them.

    Kept across passes because each `unload-authority` flushes the cache: a second
    removal would otherwise find no certificate for SAs older than the first one.
    """

    def __init__(self) -> None:
        self.sas: dict[str, tuple[IkeSa, list[x509.Certificate]]] = {}
        self.intermediates: dict[bytes, x509.Certificate] = {}
        self.connection = -1

    def refresh(self, driver: ViciDriver) -> None:
        """Note the certificates of SAs not seen before; forget SAs that are gone."""
        if driver.connections != self.connection:  # maybe a restarted daemon: ids reused
            self.sas.clear()
            self.intermediates.clear()
            self.connection = driver.connections
        current = {sa.uniqueid: sa for sa in driver.list_sas() if sa.state in JUDGED_STATES}
        for gone in set(self.sas) - set(current):
            del self.sas[gone]
        for uniqueid, sa in current.items():
            if uniqueid not in self.sas:
                self.sas[uniqueid] = (sa, self._peer_certs(driver, sa))
        for lc in driver.list_certs():
            cert = _parse(lc.der)
            if cert is not None and lc.flag != "CA" and _is_ca(cert):
                self.intermediates[cert.fingerprint(_SHA256)] = cert

    @staticmethod
    def _peer_certs(driver: ViciDriver, sa: IkeSa) -> list[x509.Certificate]:
        if not sa.remote_id or sa.remote_id == "%any":
            return []
        return [
            cert
            for lc in driver.list_certs(subject=sa.remote_id)
            if not lc.has_privkey and lc.flag != "CA" and (cert := _parse(lc.der)) is not None
        ]

    def judge(self, removed: Collection[bytes], remaining: Collection[bytes]) -> Verdict:
        """The SAs whose every peer certificate chains to a `removed` CA and no `remaining` one.

        `removed` must be CAs charon no longer holds (its CA set before the pass minus the
        set after), so a CA that another authority still provides does not count.
        """
        gone = [c for c in map(_parse, removed) if c is not None]
        if not gone:
            return Verdict([], [])
        kept = [c for c in map(_parse, remaining) if c is not None]
        gone_ders = {c.public_bytes(_DER) for c in gone}
        orphaned: list[IkeSa] = []
        undecided: list[IkeSa] = []
        for sa, certs in self.sas.values():
            if not certs:
                undecided.append(sa)
                continue
            hits = [anchors(c, kept + gone, self.intermediates.values()) for c in certs]
            if all(h and h <= gone_ders for h in hits):
                orphaned.append(sa)
        return Verdict(orphaned, undecided)


def ca_ders(driver: ViciDriver) -> set[bytes]:
    """The DERs of every CA certificate charon holds right now."""
    return {lc.der for lc in driver.list_certs(flag="CA")}
