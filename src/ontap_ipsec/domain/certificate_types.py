"""ONTAP's certificate types and hash functions, and the defaults of a new certificate.

Plain values, so that what declares the API (resources/certificates.py) need not
import the X.509 machinery before a certificate is actually installed or made.
"""

from __future__ import annotations

TYPES = ("client", "server", "client_ca", "server_ca", "root_ca")
CA_TYPES = frozenset({"client_ca", "server_ca", "root_ca"})
KEYED_TYPES = frozenset({"client", "server"})
HASHES = ("sha1", "sha256", "md5", "sha224", "sha384", "sha512")
SIGN_HASHES = ("sha256", "sha224", "sha384", "sha512")  # NetApp's security_certificate_sign
DEFAULT_EXPIRY = "P365DT"
DEFAULT_KEY_SIZE = 2048
DEFAULT_HASH = "sha256"
