"""Request bodies: nested and dotted keys, unknown and read-only fields, JSON errors."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ontap_ipsec.rest.body import parse_body
from ontap_ipsec.rest.errors import OntapError
from ontap_ipsec.rest.resource import READ_POST_PATCH, Resource, boolean, integer, string
from tests.api.helpers import SVMS, assert_error, make_svms


def post(api: httpx.Client, body: bytes, **headers: str) -> httpx.Response:
    return api.post(SVMS, content=body, headers={"content-type": "application/json", **headers})


def test_nested_and_dotted_keys_are_equal(api: httpx.Client) -> None:
    nested = api.post(SVMS, json={"name": "n1", "ipspace": {"name": "Default"}})
    dotted = api.post(SVMS, json={"name": "n2", "ipspace.name": "Default"})
    assert nested.status_code == dotted.status_code == 202
    one = api.get(nested.headers["location"]).json()
    two = api.get(dotted.headers["location"]).json()
    for record in (one, two):
        del record["uuid"], record["name"], record["_links"]
    assert one == two


def test_nested_and_dotted_keys_fail_alike(api: httpx.Client) -> None:
    nested = api.post(SVMS, json={"name": "n1", "ipspace": {"name": "Elsewhere"}})
    dotted = api.post(SVMS, json={"name": "n1", "ipspace.name": "Elsewhere"})
    assert nested.status_code == dotted.status_code == 400
    assert nested.json() == dotted.json()
    assert nested.json()["error"]["target"] == "ipspace.name"


@pytest.mark.parametrize(
    "body",
    [
        b'{"name": "n1", "ipspace.name": "Default", "ipspace": {"name": "Default"}}',
        b'{"name": "n1", "ipspace": {"name": "Default"}, "ipspace.name": "Default"}',
    ],
)
def test_dotted_and_nested_forms_of_one_field_is_400_code_262188(
    api: httpx.Client, body: bytes
) -> None:
    assert_error(
        post(api, body), 400, "262188", 'Field "ipspace.name" was specified more than once.',
        "ipspace.name",
    )


def test_duplicate_json_key_is_400_code_262188(api: httpx.Client) -> None:
    assert_error(
        post(api, b'{"name": "a", "name": "b"}'),
        400, "262188", 'Field "name" was specified more than once.', "name",
    )
    assert api.get(SVMS).json()["num_records"] == 0


def test_duplicate_nested_json_key_is_400_code_262188(api: httpx.Client) -> None:
    response = post(api, b'{"name": "a", "ipspace": {"name": "Default", "name": "Default"}}')
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "262188"


def test_unknown_top_level_body_field_is_400_code_262179(api: httpx.Client) -> None:
    assert_error(
        api.post(SVMS, json={"name": "a", "colour": "red"}),
        400, "262179", 'Unexpected argument "colour".',
    )


def test_unknown_nested_body_field_is_400_code_262179_with_the_dotted_path(
    api: httpx.Client,
) -> None:
    assert_error(
        api.post(SVMS, json={"name": "a", "ipspace": {"nme": "Default"}}),
        400, "262179", 'Unexpected argument "ipspace.nme".',
    )
    assert_error(
        api.post(SVMS, json={"name": "a", "ipspace.nme": "Default"}),
        400, "262179", 'Unexpected argument "ipspace.nme".',
    )


@pytest.mark.parametrize("field", ["state", "uuid", "subtype"])
def test_read_only_field_on_post_is_400_code_262196(api: httpx.Client, field: str) -> None:
    assert_error(
        api.post(SVMS, json={"name": "a", field: "running"}),
        400, "262196", f'Field "{field}" cannot be set in this operation', field,
    )


def test_read_only_nested_field_is_400_code_262196(api: httpx.Client) -> None:
    assert_error(
        api.post(SVMS, json={"name": "a", "snapshot_policy": {"name": "none"}}),
        400, "262196", 'Field "snapshot_policy.name" cannot be set in this operation',
        "snapshot_policy.name",
    )


@pytest.mark.parametrize("body", [{"ipspace": {"name": "Default"}}, {"subtype": "default"}])
def test_post_only_field_on_patch_is_400_code_262196(
    api: httpx.Client, body: dict[str, Any]
) -> None:
    uuid = make_svms(api, ["a"])["a"]
    response = api.patch(f"{SVMS}/{uuid}", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "262196"


@pytest.mark.parametrize("body", [b'{"name":', b"{name: 'a'}", b'{"name": "a"} trailing', b"nul"])
def test_malformed_json_is_400_code_262199(api: httpx.Client, body: bytes) -> None:
    response = post(api, body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "262199"
    assert response.json()["error"]["message"].startswith("Invalid JSON input")


def test_body_that_is_not_utf8_is_400_code_262199(api: httpx.Client) -> None:
    response = post(api, b'{"name": "\xff\xfe"}')
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "262199"


@pytest.mark.parametrize("body", [b'[{"name": "a"}]', b'"a"', b"42", b"null"])
def test_top_level_non_object_is_400_code_262199(api: httpx.Client, body: bytes) -> None:
    assert_error(post(api, body), 400, "262199", "Invalid JSON input: an object was expected.")


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", None]
)
def test_json_is_parsed_whatever_the_content_type(
    api: httpx.Client, content_type: str | None
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = api.post(SVMS, content=b'{"name": "ct", "comment": "c"}', headers=headers)
    assert response.status_code == 202, response.text
    assert api.get(f"{response.headers['location']}?fields=comment").json()["comment"] == "c"


def test_body_on_get_is_400_code_262198(api: httpx.Client) -> None:
    assert_error(
        api.request("GET", SVMS, content=b'{"name": "a"}'),
        400, "262198", "A request body is not allowed on GET, HEAD, and DELETE.",
    )


def test_empty_object_body_on_get_is_also_400_code_262198(api: httpx.Client) -> None:
    assert api.request("GET", SVMS, content=b"{}").json()["error"]["code"] == "262198"


def test_body_on_head_is_400(api: httpx.Client) -> None:
    assert api.request("HEAD", SVMS, content=b'{"a": 1}').status_code == 400


@pytest.mark.parametrize("body", [b"{}", b"  { }\n", b""])
def test_delete_with_an_empty_object_body_is_accepted(api: httpx.Client, body: bytes) -> None:
    uuid = make_svms(api, ["d1"])["d1"]
    response = api.request(
        "DELETE", f"{SVMS}/{uuid}", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 202, response.text
    assert api.get(f"{SVMS}/{uuid}").status_code == 404


@pytest.mark.parametrize("body", [b'{"name": "d1"}', b"[]", b"{"])
def test_delete_with_a_non_empty_body_is_400_code_262198(api: httpx.Client, body: bytes) -> None:
    uuid = make_svms(api, ["d1"])["d1"]
    assert_error(
        api.request("DELETE", f"{SVMS}/{uuid}", content=body),
        400, "262198", "A request body is not allowed on GET, HEAD, and DELETE.",
    )
    assert api.get(f"{SVMS}/{uuid}").status_code == 200


@pytest.mark.parametrize("body", [{}, {"comment": "no name"}, {"name": None}])
def test_missing_name_on_post_is_400_code_262212(api: httpx.Client, body: dict[str, Any]) -> None:
    assert_error(
        api.post(SVMS, json=body),
        400, "262212", 'Request is missing required value: "name".', "name",
    )


def test_empty_body_on_post_is_400_code_262212(api: httpx.Client) -> None:
    assert post(api, b"").json()["error"]["code"] == "262212"


def test_filter_parameter_on_post_is_400_code_262211(api: httpx.Client) -> None:
    assert_error(
        api.post(f"{SVMS}?name=a", json={"name": "a"}),
        400,
        "262211",
        "POST request on a REST API does not support filtering on an attribute. "
        "Attributes must be in the request body.",
        "name",
    )
    assert api.get(SVMS).json()["num_records"] == 0


def test_unknown_parameter_on_post_is_400_code_262179(api: httpx.Client) -> None:
    assert_error(
        api.post(f"{SVMS}?fields=name", json={"name": "a"}),
        400, "262179", 'Unexpected argument "fields".',
    )


def test_wrong_json_type_is_400_code_262185(api: httpx.Client) -> None:
    assert_error(
        api.post(SVMS, json={"name": 5}),
        400, "262185", '"5" is an invalid value for field "name"', "name",
    )


def test_scalar_where_an_object_is_expected_is_400_code_262185(api: httpx.Client) -> None:
    assert_error(
        api.post(SVMS, json={"name": "a", "ipspace": "Default"}),
        400, "262185", '"Default" is an invalid value for field "ipspace" (an object was expected)',
        "ipspace",
    )


# --- coercion -------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["true", "TRUE", "1", "True"])
def test_true_strings_are_coerced_for_return_records(api: httpx.Client, value: str) -> None:
    response = api.post(f"{SVMS}?return_records={value}", json={"name": "rr"})
    assert response.status_code == 202
    assert response.json()["num_records"] == 1
    assert response.json()["records"][0]["name"] == "rr"


@pytest.mark.parametrize("value", ["false", "0", "FALSE"])
def test_false_strings_are_coerced_for_return_records(api: httpx.Client, value: str) -> None:
    response = api.post(f"{SVMS}?return_records={value}", json={"name": "rr"})
    assert response.status_code == 202
    assert set(response.json()) == {"job"}


def test_non_boolean_return_records_is_400_code_262197(api: httpx.Client) -> None:
    response = api.post(f"{SVMS}?return_records=maybe", json={"name": "rr"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "262197"
    assert response.json()["error"]["target"] == "return_records"


def test_patch_comment_sets_and_clears_it(api: httpx.Client) -> None:
    uuid = make_svms(api, [("pc", "old")])["pc"]
    assert api.patch(f"{SVMS}/{uuid}", json={"comment": "new"}).status_code == 202
    assert api.get(f"{SVMS}/{uuid}").json()["comment"] == "new"
    assert api.patch(f"{SVMS}/{uuid}", json={"comment": None}).status_code == 202
    assert "comment" not in api.get(f"{SVMS}/{uuid}").json()


def test_patch_comment_with_a_number_is_400_code_262185(api: httpx.Client) -> None:
    uuid = make_svms(api, [("pc", "old")])["pc"]
    response = api.patch(f"{SVMS}/{uuid}", json={"comment": 7})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "262185"
    assert api.get(f"{SVMS}/{uuid}").json()["comment"] == "old"


def test_patch_with_an_empty_object_is_400(api: httpx.Client) -> None:
    uuid = make_svms(api, ["pe"])["pe"]
    response = api.patch(f"{SVMS}/{uuid}", json={})
    assert response.status_code == 400
    assert isinstance(response.json()["error"]["code"], str)


# Coercion of integer and boolean body fields, on a resource declared for the test
# (no endpoint has a postable integer or boolean field yet).
COERCE = Resource(
    name="coerce_probe",
    path="/api/test/coerce",
    key="uuid",
    fields=[
        string("uuid"),
        integer("size", access=READ_POST_PATCH),
        boolean("enabled", access=READ_POST_PATCH),
        string("label", access=READ_POST_PATCH, enum=("one", "two")),
        integer("limits.max", access=READ_POST_PATCH),
    ],
)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"size": 5}', {"size": 5}),
        (b'{"size": "5"}', {"size": 5}),
        (b'{"size": " 12 "}', {"size": 12}),
        (b'{"enabled": true}', {"enabled": True}),
        (b'{"enabled": "true"}', {"enabled": True}),
        (b'{"enabled": "FALSE"}', {"enabled": False}),
        (b'{"limits": {"max": "3"}}', {"limits.max": 3}),
        (b'{"limits.max": 3, "label": "two"}', {"limits.max": 3, "label": "two"}),
    ],
)
def test_strings_are_coerced_to_integers_and_booleans(
    body: bytes, expected: dict[str, Any]
) -> None:
    assert parse_body(body, COERCE, "post") == expected


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b'{"size": "five"}', "size"),
        (b'{"size": true}', "size"),
        (b'{"size": 1.5}', "size"),
        (b'{"enabled": "yes"}', "enabled"),
        (b'{"enabled": 1}', "enabled"),
        (b'{"label": "three"}', "label"),
        (b'{"label": 1}', "label"),
    ],
)
def test_values_that_cannot_be_coerced_are_400_code_262185(body: bytes, field: str) -> None:
    with pytest.raises(OntapError) as caught:
        parse_body(body, COERCE, "post")
    assert (caught.value.status, caught.value.code, caught.value.target) == (400, "262185", field)
