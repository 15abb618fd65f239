"""/api/security/roles: the built-in roles of the cluster and of each SVM (GET only).

Each owner lists its predefined roles, `builtin: true`, with their privileges (REST
paths and access levels) as this server enforces them (:mod:`ontap_ipsec.domain.roles`).
Custom REST roles are not served.
"""

from __future__ import annotations

from ontap_ipsec.resources.accounts import HIDDEN
from ontap_ipsec.rest.reads import enable_reads
from ontap_ipsec.rest.resource import Field, Link, Resource, string, uuid_field
from ontap_ipsec.store import views

resource = Resource(
    name="role",
    path="/api/security/roles",
    key="key",
    key_path="{owner.uuid}/{name}",
    view=views.ROLES,
    summary="Roles of the cluster and of the SVMs.",
    tag="security",
    not_found_target="name",
    fields=[
        Field("key", access=HIDDEN, description="{owner.uuid}/{name}: the instance path."),
        string("name", default=True, description="Role name.", example="admin"),
        uuid_field("owner.uuid", default=True, description="The owner's UUID."),
        string("owner.name", default=True, description="The owner's name."),
        string("scope", enum=("cluster", "svm"), description="Scope of the role."),
        Field(
            "builtin",
            "boolean",
            constant=True,
            description="Indicates a built-in (pre-defined) role, which cannot be modified "
            "or deleted.",
        ),
        Field(
            "privileges",
            "array",
            items="object",
            description="The REST paths the role grants, each with its access "
            "(all, readonly, none); DEFAULT is every other path.",
        ),
        Field("owner_svm", access=HIDDEN, description="The owning SVM, for its link."),
    ],
    links=[Link("owner", "/api/svm/svms/{}", "owner_svm")],
)
enable_reads(resource)
