"""One module per endpoint family: its fields and its handlers."""

from __future__ import annotations

from ontap_ipsec.rest.resource import Resource


def all_resources() -> list[Resource]:
    from ontap_ipsec.resources import (
        accounts,
        audit_messages,
        authentication_password,
        certificate_signing_request,
        certificates,
        cluster,
        ipsec_ca_certificates,
        ipsec_config,
        ipsec_policies,
        jobs,
        roles,
        security_associations,
        svms,
    )

    return [
        cluster.resource,
        svms.resource,
        jobs.resource,
        certificates.resource,
        certificate_signing_request.resource,
        ipsec_ca_certificates.resource,
        ipsec_config.resource,
        ipsec_policies.resource,
        security_associations.resource,
        accounts.resource,
        roles.resource,
        authentication_password.resource,
        audit_messages.resource,
    ]
