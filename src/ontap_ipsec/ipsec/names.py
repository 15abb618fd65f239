"""The names of what ontap-ipsec loads into a daemon: anything else there is the operator's.

Every name carries a prefix of ours, so that a pass never loads over, or unloads,
what it did not load: authorities (the IPsec CA list), connections (one per enabled
IPsec policy) and shared keys (a policy's PSK or PPK). Private keys have no name in
charon; ours are the ones whose ids the policies' keys give (`connections.key_id`).
"""

from __future__ import annotations

AUTHORITY_PREFIX = "ontap-ipsec-ca-"
CONN_PREFIX = "ontap-ipsec-policy-"
PSK_PREFIX = "ontap-ipsec-psk-"
PPK_PREFIX = "ontap-ipsec-ppk-"
SHARED_PREFIXES = (PSK_PREFIX, PPK_PREFIX)


def owned(name: str, *prefixes: str) -> bool:
    """Whether `name` carries one of `prefixes` and something after it."""
    return any(name.startswith(p) and len(name) > len(p) for p in prefixes)
