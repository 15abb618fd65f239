"""What a metrics scrape reads of the state: per scope, the IPsec CA list and expiries."""

from __future__ import annotations

import sqlalchemy as sa

from ontap_ipsec.store.prepared import Statement
from ontap_ipsec.store.tables import certificates, ipsec_ca_certificates, svms

_listed = ipsec_ca_certificates

# (scope key, entries, earliest expiry of their certificates) for each scope with entries
IPSEC_CA_PER_SCOPE = Statement(
    ("gauges", "ipsec_ca_per_scope"),
    lambda: (
        sa.select(_listed.c.scope_key, sa.func.count(), sa.func.min(certificates.c.expiry_time))
        .select_from(_listed.join(certificates, _listed.c.certificate_uuid == certificates.c.uuid))
        .group_by(_listed.c.scope_key)
    ),
)
# (scope key, earliest expiry) of every installed certificate, for each scope with any
CERTIFICATES_PER_SCOPE = Statement(
    ("gauges", "certificates_per_scope"),
    lambda: (
        sa.select(certificates.c.scope_key, sa.func.min(certificates.c.expiry_time)).group_by(
            certificates.c.scope_key
        )
    ),
)
SVM_NAMES = Statement(("gauges", "svm_names"), lambda: sa.select(svms.c.uuid, svms.c.name))
# SQLite's synchronous setting of the connection it runs on: 0 off, 1 normal, 2 full, 3 extra
SYNCHRONOUS = Statement(("gauges", "synchronous"), lambda: sa.text("PRAGMA synchronous"))
