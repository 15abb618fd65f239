"""Certificate login (mutual TLS): the client certificate a connection presented, checked
against the `client_ca` (and `root_ca`) certificates installed now, and the account it
names.

Two places take part:

- the TLS server *requests* a client certificate (never requires one: password clients
  send none). OpenSSL verifies a presented chain against the client CAs the context
  holds, and fails the handshake of one it cannot (an unknown issuer, an expired
  certificate), so the context must hold every installed client CA before the handshake:
  :func:`on_handshake` (the context's SNI callback, called at every handshake, SNI sent
  or not) adds those installed since the last handshake. A context cannot forget a CA,
  hence the second place:
- the app (:func:`login`), at every request without an `Authorization` header that came
  with a client certificate, verifies the certificate again with `cryptography` against
  the store's client CAs of this moment: a CA deleted through the API refuses at once,
  even on a connection opened before.

The certificate's subject common name is the account's name; the account must have the
`cert` method for `http`, be unlocked, and be of the CA's owner (a cluster CA admits
cluster and SVM accounts; an SVM's CA that SVM's accounts only).
"""

from __future__ import annotations

import hashlib
import logging
import ssl
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from ontap_ipsec.store.tables import CLUSTER_SCOPE, certificates

log = logging.getLogger("ontap_ipsec.auth")

# The certificates a client certificate may chain to: the installed client CAs, and the root
# CAs the cluster made or holds (NetApp's sample cert_auth.py logs in with a certificate its
# cluster's new root_ca signed, installing no client_ca: docs/fidelity.md).
TRUSTED_TYPES = ("client_ca", "root_ca")
# (scope_key, PEM) of every such CA installed now; set by the app of this process.
Provider = Callable[[], Sequence[tuple[str, str]]]
_provider: Provider | None = None
_loaded: dict[int, set[bytes]] = {}
_lock = threading.Lock()


def provide(provider: Provider) -> None:
    """The client CAs of this process's app, for the TLS server's handshakes."""
    global _provider
    _provider = provider


def client_ca_select() -> sa.Select[Any]:
    c = certificates.c
    return sa.select(c.scope_key, c.public_certificate).where(
        sa.or_(*(c.type == kind for kind in TRUSTED_TYPES))
    )


def on_handshake(sslobj: Any, _server_name: str | None, context: ssl.SSLContext) -> None:
    """The SNI callback: the context learns the client CAs installed since it last did."""
    provider = _provider
    if provider is None:
        return
    try:
        installed = provider()
    except Exception as exc:  # noqa: BLE001 - a database away: the handshake goes on as it was
        log.warning("client CAs not read for a TLS handshake: %s", type(exc).__name__)
        return
    with _lock:
        known = _loaded.setdefault(id(context), set())
        for _scope, pem in installed:
            digest = hashlib.sha256(pem.encode()).digest()
            if digest in known:
                continue
            try:
                context.load_verify_locations(cadata=pem)
            except ssl.SSLError:
                continue
            known.add(digest)


def request_client_certificates(context: ssl.SSLContext) -> ssl.SSLContext:
    """`context` asking clients for a certificate, which they may decline."""
    context.verify_mode = ssl.CERT_OPTIONAL
    context.sni_callback = on_handshake
    return context


def peer_pem(ssl_object: Any) -> str | None:
    """The leaf certificate a TLS connection's client presented, as PEM, or None."""
    if ssl_object is None:
        return None
    try:
        der = ssl_object.getpeercert(binary_form=True)
    except (ValueError, ssl.SSLError):
        return None
    return ssl.DER_cert_to_PEM_cert(der) if der else None


def verified_name(leaf_pem: str, installed: Sequence[tuple[str, str]], now: datetime
                  ) -> tuple[str, frozenset[str]] | None:
    """(the subject's common name, the scopes of the client CAs that issued it) of a
    certificate valid now and signed by an installed client CA valid now; else None."""
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.x509.oid import NameOID

    try:
        leaf = x509.load_pem_x509_certificate(leaf_pem.encode())
    except ValueError:
        return None
    if not leaf.not_valid_before_utc <= now <= leaf.not_valid_after_utc:
        return None
    names = leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if len(names) != 1 or not isinstance(names[0].value, str) or not names[0].value:
        return None
    scopes = set()
    for scope_key, pem in installed:
        try:
            ca = x509.load_pem_x509_certificate(pem.encode())
            if not ca.not_valid_before_utc <= now <= ca.not_valid_after_utc:
                continue
            leaf.verify_directly_issued_by(ca)
        except (ValueError, TypeError, InvalidSignature):
            continue
        scopes.add(scope_key)
    if not scopes:
        return None
    return names[0].value, frozenset(scopes)


def admits(scopes: frozenset[str], account_scope: str) -> bool:
    """Whether a certificate issued by CAs of `scopes` may log in as an account of
    `account_scope`: a cluster CA for any account, an SVM's CA for that SVM's."""
    return CLUSTER_SCOPE in scopes or account_scope in scopes


def utc_now() -> datetime:
    return datetime.now(UTC)
