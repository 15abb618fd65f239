"""/api/security/authentication/password: set an account's password (POST, 201).

ONTAP's `security login password`: an account sets its own password (`owner` may be
left out), a cluster admin any account's. The password is written, never returned.
"""

from __future__ import annotations

from ontap_ipsec.rest.body import parse_body
from ontap_ipsec.rest.context import Context
from ontap_ipsec.rest.http import Request, Response
from ontap_ipsec.rest.query import parse_query
from ontap_ipsec.rest.resource import POST_ONLY, Resource, string, uuid_field

resource = Resource(
    name="account_password",
    path="/api/security/authentication/password",
    key=None,
    summary="Update a user account's password.",
    tag="security",
    fields=[
        string(
            "name",
            access=POST_ONLY,
            required_on_post=True,
            description="The user account name whose password is being modified.",
        ),
        string("owner.name", access=POST_ONLY, description="The account's owner (an SVM)."),
        uuid_field("owner.uuid", access=POST_ONLY, description="The account's owner (an SVM)."),
        string(
            "password", access=POST_ONLY, required_on_post=True, description="The new password."
        ),
    ],
)


@resource.on("collection", "POST", summary="Update the password of a user account.")
def change(ctx: Context, request: Request) -> Response:
    parse_query(request.query_string, resource, "post")
    body = parse_body(request.body, resource, "post")
    ctx.backends.accounts.change_password(
        body["name"], body["password"], body.get("owner.name"), body.get("owner.uuid")
    )
    return Response(201, {})
