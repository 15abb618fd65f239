"""/api/security/accounts: the accounts of the cluster and of each SVM.

As ONTAP's reference pages give it: GET the collection, POST an account (`name` and
`applications` required; `owner` names an SVM for an SVM-scoped account), and GET,
PATCH, DELETE one by `{owner.uuid}/{name}`. `password` is written, never returned.
The rules are the accounts backend's (:mod:`ontap_ipsec.domain.backends.accounts`).
"""

from __future__ import annotations

from ontap_ipsec.domain.events import AccountRecord
from ontap_ipsec.rest.body import parse_body
from ontap_ipsec.rest.context import Context
from ontap_ipsec.rest.http import Request, Response
from ontap_ipsec.rest.query import parse_query
from ontap_ipsec.rest.reads import enable_reads, fetch_record, records_body
from ontap_ipsec.rest.resource import (
    READ_POST,
    READ_POST_PATCH,
    Field,
    Link,
    Resource,
    boolean,
    string,
    uuid_field,
)
from ontap_ipsec.store import views

HIDDEN: frozenset = frozenset()  # type: ignore[type-arg]

resource = Resource(
    name="account",
    path="/api/security/accounts",
    key="key",
    key_path="{owner.uuid}/{name}",
    view=views.ACCOUNTS,
    summary="User accounts of the cluster and of the SVMs.",
    tag="security",
    not_found_target="name",
    clocked=True,  # `locked` ends with a lockout's time (store/lockout.py)
    fields=[
        Field("key", access=HIDDEN, description="{owner.uuid}/{name}: the instance path."),
        string(
            "name",
            access=READ_POST,
            default=True,
            required_on_post=True,
            description="User or group account name.",
            example="joe.smith",
        ),
        uuid_field(
            "owner.uuid",
            access=READ_POST,
            default=True,
            description="The owner: the cluster's or an SVM's UUID.",
        ),
        string(
            "owner.name",
            access=READ_POST,
            default=True,
            description="The owner: the cluster's or an SVM's name.",
            example="svm1",
        ),
        string(
            "scope",
            access=READ_POST,
            enum=("cluster", "svm"),
            description='"cluster" for cluster accounts, "svm" for SVM accounts.',
        ),
        string(
            "role.name",
            access=READ_POST_PATCH,
            description="The role: admin or readonly (cluster), vsadmin or vsadmin-readonly "
            "(SVM). Defaults to admin, or vsadmin for an SVM account.",
        ),
        Field(
            "applications",
            "array",
            items="object",
            access=READ_POST_PATCH,
            required_on_post=True,
            description="Application tuples: application (http, ontapi, ssh, console, "
            "service_processor, amqp), authentication_methods, second_authentication_method.",
        ),
        boolean("locked", access=READ_POST_PATCH, description="Locked status of the account."),
        string("comment", access=READ_POST_PATCH, description="Optional comment."),
        string(
            "password",
            access=frozenset({"post", "patch"}),
            description="Password for the account (written only; never returned).",
        ),
        Field("owner_svm", access=HIDDEN, description="The owning SVM, for its link."),
        Field("role_key", access=HIDDEN, description="The role's instance path."),
    ],
    links=[
        Link("owner", "/api/svm/svms/{}", "owner_svm"),
        Link("role", "/api/security/roles/{}", "role_key"),
    ],
)
enable_reads(resource)


def _key(request: Request) -> tuple[str, str]:
    owner_uuid, _, name = request.path_params["key"].partition("/")
    return owner_uuid, name


@resource.on("collection", "POST", summary="Create a user account.")
def create(ctx: Context, request: Request) -> Response:
    query = parse_query(request.query_string, resource, "post")
    body = parse_body(request.body, resource, "post")
    made = ctx.backends.accounts.create(body)
    key = _key_of(ctx, made)
    headers = {"location": resource.instance_href(key)}
    if not query.return_records:
        return Response(201, {}, headers)
    record = fetch_record(ctx.store, resource, key, hal=request.hal)
    return Response(201, records_body([record] if record else []), headers)


def _key_of(ctx: Context, made: AccountRecord) -> str:
    return f"{made.svm_uuid or ctx.cluster_uuid}/{made.name}"


@resource.on("instance", "PATCH", summary="Update a user account.")
def modify(ctx: Context, request: Request) -> Response:
    parse_query(request.query_string, resource, "patch")
    body = parse_body(request.body, resource, "patch")
    ctx.backends.accounts.modify(*_key(request), body)
    return Response(200, {})


@resource.on("instance", "DELETE", summary="Delete a user account.")
def delete(ctx: Context, request: Request) -> Response:
    parse_query(request.query_string, resource, "delete")
    ctx.backends.accounts.delete(*_key(request))
    return Response(200, {})
