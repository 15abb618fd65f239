"""Where each resource's fields are stored: the FROM clause and a column per field.

A resource module declares its fields as ONTAP names them; this module says
which column (or expression) holds each. :meth:`View.bind` gives the declared
fields their columns when the declaration is made, so filters, ordering,
projection and the body's length checks all read the same mapping.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import sqlalchemy as sa

from ontap_ipsec.store.lockout import in_force
from ontap_ipsec.store.roles import ROLES as _roles
from ontap_ipsec.store.tables import (
    CLUSTER_SCOPE,
    accounts,
    audit_messages,
    certificate_sans,
    certificates,
    cluster,
    ipsec_ca_certificates,
    ipsec_config,
    ipsec_policies,
    jobs,
    svms,
)
from ontap_ipsec.store.visibility import account_param, svm_param

Exists = Callable[[Callable[[Any], Any]], Any]


@dataclass
class View:
    """The storage of one resource's records."""

    name: str
    table: Any  # the FROM clause records are read from
    columns: dict[str, Any]  # field name -> column or SQL expression
    exists: dict[str, Exists] = field(default_factory=dict)  # array fields, by element
    # What an SVM's caller sees of it (store/visibility.py): a condition, given whether
    # the caller is an SVM account (True) or a cluster account tunnelling (False); None:
    # objects of the cluster only, which no SVM's caller sees.
    svm_visible: Callable[[bool], Any] | None = None

    def bind(self, declared: list[Any]) -> list[Any]:
        """The declared fields with their storage; a stored field the view lacks is an
        error at import, not a wrong answer later."""
        bound = []
        for fld in declared:
            column = self.columns.get(fld.name)
            if column is None:
                bound.append(fld)
                continue
            length = getattr(getattr(column, "type", None), "length", None)
            bound.append(
                replace(
                    fld,
                    column=column,
                    exists=self.exists.get(fld.name),
                    max_length=length,
                    nullable=getattr(column, "nullable", True),
                )
            )
        unknown = set(self.columns) - {f.name for f in declared}
        if unknown:
            raise ValueError(f"view {self.name} maps undeclared fields: {sorted(unknown)}")
        return bound


def _scope_of(table: Any) -> Any:
    return sa.case((table.c.scope_key == CLUSTER_SCOPE, "cluster"), else_="svm")


CLUSTER = View(
    "cluster",
    cluster,
    {
        "name": cluster.c.name,
        "uuid": cluster.c.uuid,
        "version.full": cluster.c.version_full,
        "version.generation": cluster.c.version_generation,
        "version.major": cluster.c.version_major,
        "version.minor": cluster.c.version_minor,
        "contact": cluster.c.contact,
        "location": cluster.c.location,
    },

    svm_visible=lambda _account: sa.true(),
)

SVMS = View(
    "svms",
    svms,
    {
        "uuid": svms.c.uuid,
        "name": svms.c.name,
        "state": svms.c.state,
        "subtype": svms.c.subtype,
        "language": svms.c.language,
        "comment": svms.c.comment,
        "ipspace.name": svms.c.ipspace_name,
        "ipspace.uuid": svms.c.ipspace_uuid,
        "snapshot_policy.name": svms.c.snapshot_policy_name,
        "snapshot_policy.uuid": svms.c.snapshot_policy_uuid,
    },

    svm_visible=lambda _account: svms.c.uuid == svm_param(),
)

JOBS = View(
    "jobs",
    jobs,
    {
        "uuid": jobs.c.uuid,
        "description": jobs.c.description,
        "state": jobs.c.state,
        "message": jobs.c.message,
        "code": jobs.c.code,
        "start_time": jobs.c.start_time,
        "end_time": jobs.c.end_time,
        "svm.name": jobs.c.svm_name,
        "svm.uuid": jobs.c.svm_uuid,
        # a failed job's error object, as ONTAP's job has it (unset unless it failed)
        "error.code": sa.case(
            (jobs.c.state == "failure", sa.cast(jobs.c.code, sa.String)), else_=sa.null()
        ),
        "error.message": sa.case((jobs.c.state == "failure", jobs.c.message), else_=sa.null()),
    },

    svm_visible=lambda _account: jobs.c.svm_uuid == svm_param(),
)

SAN_KINDS = ("dns", "email", "ip", "uri")


def _san_exists(kind: str) -> Exists:
    def exists(cond: Callable[[Any], Any]) -> Any:
        s = certificate_sans
        return (
            sa.select(sa.literal(1))
            .where(s.c.certificate_uuid == certificates.c.uuid, s.c.kind == kind, cond(s.c.value))
            .exists()
        )

    return exists


_c = certificates.c
CERTIFICATES = View(
    "certificates",
    certificates.outerjoin(svms, _c.svm_uuid == svms.c.uuid),
    {
        "uuid": _c.uuid,
        "name": _c.name,
        "svm.name": svms.c.name,
        "svm.uuid": svms.c.uuid,
        "scope": _scope_of(certificates),
        "type": _c.type,
        "common_name": _c.common_name,
        "serial_number": _c.serial_number,
        "ca": _c.ca,
        "expiry_time": _c.expiry_time,
        "hash_function": _c.hash_function,
        "key_size": _c.key_size,
        "subject_key_identifier": _c.subject_key_identifier,
        "authority_key_identifier": _c.authority_key_identifier,
        **{f"subject_alternatives.{k}": getattr(_c, f"san_{k}") for k in SAN_KINDS},
        "public_certificate": _c.public_certificate,
    },
    exists={f"subject_alternatives.{k}": _san_exists(k) for k in SAN_KINDS},
    svm_visible=lambda _account: _c.scope_key == svm_param(),
)

_i = ipsec_ca_certificates.c
IPSEC_CA_CERTIFICATES = View(
    "ipsec_ca_certificates",
    ipsec_ca_certificates.outerjoin(svms, _i.svm_uuid == svms.c.uuid),
    {
        "certificate.uuid": _i.certificate_uuid,
        "scope": _scope_of(ipsec_ca_certificates),
        "svm.name": svms.c.name,
        "svm.uuid": svms.c.uuid,
    },
    svm_visible=lambda _account: _i.scope_key == svm_param(),
)

IPSEC_CONFIG = View(
    "ipsec_config",
    ipsec_config,
    {
        "enabled": ipsec_config.c.enabled,
        # text on the wire, as the Ansible module compares it (docs/fidelity.md)
        "replay_window": sa.cast(ipsec_config.c.replay_window, sa.String(4)),
        "offload_enabled": ipsec_config.c.offload_enabled,
    },
)

_p = ipsec_policies.c
_policy_certificates = certificates.alias("policy_certificates")
IPSEC_POLICIES = View(
    "ipsec_policies",
    ipsec_policies.outerjoin(svms, _p.svm_uuid == svms.c.uuid).outerjoin(
        _policy_certificates, _p.certificate_uuid == _policy_certificates.c.uuid
    ),
    {
        "uuid": _p.uuid,
        "name": _p.name,
        "svm.name": svms.c.name,
        "svm.uuid": svms.c.uuid,
        "scope": _scope_of(ipsec_policies),
        "ipspace.name": _p.ipspace_name,
        "ipspace.uuid": _p.ipspace_uuid,
        "enabled": _p.enabled,
        "action": _p.action,
        "authentication_method": _p.authentication_method,
        "certificate.name": _policy_certificates.c.name,
        "certificate.uuid": _p.certificate_uuid,
        "certificate_modify_keepsa": _p.certificate_modify_keepsa,
        **{
            f"{side}_endpoint.{part}": _p[f"{side}_{part}"]
            for side in ("local", "remote")
            for part in ("address", "family", "netmask", "port")
        },
        "protocol": _p.protocol,
        "local_identity": _p.local_identity,
        "remote_identity": _p.remote_identity,
        "ppk.identity": _p.ppk_identity,
    },

    svm_visible=lambda _account: _p.scope_key == svm_param(),
)

_a = accounts.c
_owner_uuid = sa.func.coalesce(_a.svm_uuid, cluster.c.uuid)


def _own_accounts(account: bool) -> Any:
    """An SVM account sees its own account only; a cluster account tunnelling into the SVM,
    every account of the SVM."""
    mine = _a.scope_key == svm_param()
    return sa.and_(mine, _a.name == account_param()) if account else mine


ACCOUNTS = View(
    "accounts",
    accounts.join(cluster, sa.true()).outerjoin(svms, _a.svm_uuid == svms.c.uuid),
    {
        "key": _owner_uuid + "/" + _a.name,  # the instance path's {owner.uuid}/{name}
        "name": _a.name,
        "owner.uuid": _owner_uuid,
        "owner.name": sa.func.coalesce(svms.c.name, cluster.c.name),
        "scope": _scope_of(accounts),
        "role.name": _a.role,
        "locked": in_force(_a.locked, _a.locked_until),  # a lockout that ended is none
        "comment": _a.comment,
        "applications": _a.applications,
        "owner_svm": _a.svm_uuid,  # hidden: the owner's link, for an SVM owner only
        "role_key": _owner_uuid + "/" + _a.role,  # hidden: the role's link
    },
    svm_visible=_own_accounts,
)

ROLES = View(
    "roles",
    _roles,
    {
        "key": _roles.c.owner_uuid + "/" + _roles.c.name,
        "name": _roles.c.name,
        "owner.uuid": _roles.c.owner_uuid,
        "owner.name": _roles.c.owner_name,
        "scope": _roles.c.scope,
        "privileges": _roles.c.privileges,
        "owner_svm": sa.case((_roles.c.scope == "svm", _roles.c.owner_uuid), else_=sa.null()),
    },
    svm_visible=lambda _account: _roles.c.owner_uuid == svm_param(),
)

_m = audit_messages.c
AUDIT_MESSAGES = View(
    "audit_messages",
    audit_messages,
    {
        "index": _m.seq,
        "timestamp": _m.timestamp,
        "node.name": _m.node_name,
        "node.uuid": _m.node_uuid,
        "application": _m.application,
        "location": _m.location,
        "user": _m.user_name,
        "role": _m.role,
        "input": _m.input,
        "state": _m.state,
        "scope": _m.scope,
        "svm.name": _m.svm_name,
        "session_id": _m.session_id,
        "command_id": _m.command_id,
        "message": _m.message,
    },
    svm_visible=lambda _account: _m.svm_uuid == svm_param(),
)
