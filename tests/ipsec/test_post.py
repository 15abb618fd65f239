"""POST /api/security/ipsec/ca-certificates: body forms, answers and errors."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.helpers import assert_error
from tests.ipsec.conftest import (
    IPSEC,
    World,
    build_world,
    install_leaf,
    listing,
)

NOT_INSTALLED = ("66257304", "CA certificate is not installed.")
UNKNOWN = "00000000-0000-0000-0000-000000000000"


@pytest.fixture
def world(api: httpx.Client) -> World:
    """vs1 and vs2 with one listed and one unlisted CA each; the cluster likewise; a leaf in vs1."""
    w = build_world(api, {None: 1, "vs1": 1, "vs2": 1}, unlisted=2)
    w.certs["leaf"] = install_leaf(api, "leaf", "vs1")
    w.owner["leaf"] = "vs1"
    return w


def post(api: httpx.Client, body: Any, query: str = "") -> httpx.Response:
    return api.post(f"{IPSEC}{query}", json=body)


def assert_added(api: httpx.Client, response: httpx.Response, world: World, name: str) -> None:
    """201, Location of the new entry, body {}; the entry is listed with its scope."""
    uuid = world.uuid(name)
    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"{IPSEC}/{uuid}"
    assert response.json() == {}
    got = api.get(f"{IPSEC}/{uuid}")
    assert got.status_code == 200
    assert got.json() == world.record(name)


# ---------------------------------------------------------------------------
# Accepted forms


def test_nested_body_with_svm_name_adds_the_entry(api: httpx.Client, world: World) -> None:
    response = post(api, {"certificate": {"uuid": world.uuid("vs1_ca1")}, "svm": {"name": "vs1"}})
    assert_added(api, response, world, "vs1_ca1")


def test_dotted_body_adds_the_entry(api: httpx.Client, world: World) -> None:
    response = post(api, {"certificate.uuid": world.uuid("vs2_ca1"), "svm.name": "vs2"})
    assert_added(api, response, world, "vs2_ca1")


def test_svm_uuid_form_adds_the_entry(api: httpx.Client, world: World) -> None:
    body = {"certificate": {"uuid": world.uuid("vs1_ca2")}, "svm": {"uuid": world.svms["vs1"]}}
    assert_added(api, post(api, body), world, "vs1_ca2")


def test_svm_name_and_uuid_together_add_the_entry(api: httpx.Client, world: World) -> None:
    body = {
        "certificate": {"uuid": world.uuid("vs1_ca2")},
        "svm": {"name": "vs1", "uuid": world.svms["vs1"]},
    }
    assert_added(api, post(api, body), world, "vs1_ca2")


def test_cluster_certificate_without_svm_adds_a_cluster_entry(
    api: httpx.Client, world: World
) -> None:
    assert_added(api, post(api, {"certificate.uuid": world.uuid("cl_ca1")}), world, "cl_ca1")


@pytest.mark.parametrize(
    ("name", "extra"),
    [("cl_ca1", {"scope": "cluster"}), ("vs1_ca1", {"scope": "svm", "svm": {"name": "vs1"}})],
)
def test_scope_that_agrees_is_accepted(
    api: httpx.Client, world: World, name: str, extra: dict[str, Any]
) -> None:
    assert_added(api, post(api, {"certificate": {"uuid": world.uuid(name)}, **extra}), world, name)


def test_return_records_true_answers_the_seed_example_shape_for_an_svm_entry(
    api: httpx.Client, world: World
) -> None:
    uuid = world.uuid("vs2_ca1")
    response = post(
        api, {"certificate": {"uuid": uuid}, "svm": {"name": "vs2"}}, "?return_records=true"
    )
    assert response.status_code == 201
    assert response.headers["location"] == f"{IPSEC}/{uuid}"
    assert response.json() == {
        "num_records": 1,
        "records": [
            {"certificate": {"uuid": uuid}, "svm": {"name": "vs2", "uuid": world.svms["vs2"]}}
        ],
    }


def test_return_records_true_for_a_cluster_entry_has_no_svm(
    api: httpx.Client, world: World
) -> None:
    uuid = world.uuid("cl_ca2")
    response = post(api, {"certificate": {"uuid": uuid}}, "?return_records=true")
    assert response.status_code == 201
    assert response.json() == {"num_records": 1, "records": [{"certificate": {"uuid": uuid}}]}


def test_return_records_false_answers_an_empty_object(api: httpx.Client, world: World) -> None:
    response = post(api, {"certificate": {"uuid": world.uuid("cl_ca2")}}, "?return_records=false")
    assert response.status_code == 201
    assert response.json() == {}


def test_return_timeout_30_is_accepted(api: httpx.Client, world: World) -> None:
    response = post(
        api,
        {"certificate.uuid": world.uuid("vs1_ca1"), "svm.name": "vs1"},
        "?return_timeout=30",
    )
    assert_added(api, response, world, "vs1_ca1")


def test_added_entry_keeps_the_others(api: httpx.Client, world: World) -> None:
    before = listing(api)
    post(api, {"certificate": {"uuid": world.uuid("vs2_ca2")}, "svm": {"name": "vs2"}})
    after = listing(api)
    assert [r for r in after if r["certificate"]["uuid"] != world.uuid("vs2_ca2")] == before
    assert len(after) == len(before) + 1


# ---------------------------------------------------------------------------
# Errors: each with its exact envelope, and the list unchanged


def _cases() -> list[tuple[str, Any, int, str, str, object]]:
    """(id, body maker, status, code, message, target); the body maker takes the World."""
    no_target = object()
    return [
        (
            "unknown uuid",
            lambda w: {"certificate": {"uuid": UNKNOWN}},
            400,
            *NOT_INSTALLED,
            no_target,
        ),
        (
            "unknown uuid in an svm",
            lambda w: {"certificate": {"uuid": UNKNOWN}, "svm": {"name": "vs1"}},
            400,
            *NOT_INSTALLED,
            no_target,
        ),
        ("not a uuid", lambda w: {"certificate": {"uuid": "nope"}}, 400, *NOT_INSTALLED, no_target),
        (
            "svm certificate without its svm",
            lambda w: {"certificate": {"uuid": w.uuid("vs1_ca1")}},
            400,
            *NOT_INSTALLED,
            no_target,
        ),
        (
            "svm certificate with scope cluster and no svm",
            lambda w: {"certificate": {"uuid": w.uuid("vs1_ca1")}, "scope": "cluster"},
            400,
            *NOT_INSTALLED,
            no_target,
        ),
        (
            "cluster certificate with an svm",
            lambda w: {"certificate": {"uuid": w.uuid("cl_ca1")}, "svm": {"name": "vs1"}},
            400,
            *NOT_INSTALLED,
            no_target,
        ),
        (
            "certificate of another svm",
            lambda w: {"certificate": {"uuid": w.uuid("vs2_ca1")}, "svm": {"name": "vs1"}},
            400,
            *NOT_INSTALLED,
            no_target,
        ),
        (
            "certificate of another svm by uuid",
            lambda w: {"certificate": {"uuid": w.uuid("vs2_ca1")}, "svm": {"uuid": w.svms["vs1"]}},
            400,
            *NOT_INSTALLED,
            no_target,
        ),
        (
            "non-CA certificate",
            lambda w: {"certificate": {"uuid": w.uuid("leaf")}, "svm": {"name": "vs1"}},
            400,
            *NOT_INSTALLED,
            no_target,
        ),
        (
            "missing certificate.uuid",
            lambda w: {"svm": {"name": "vs1"}},
            400,
            "262212",
            'Request is missing required value: "certificate.uuid".',
            "certificate.uuid",
        ),
        (
            "empty body",
            lambda w: {},
            400,
            "262212",
            'Request is missing required value: "certificate.uuid".',
            "certificate.uuid",
        ),
        (
            "unknown field",
            lambda w: {"certificate": {"uuid": w.uuid("cl_ca1")}, "bogus": 1},
            400,
            "262179",
            'Unexpected argument "bogus".',
            no_target,
        ),
        (
            "unknown nested field",
            lambda w: {"certificate": {"uuid": w.uuid("cl_ca1"), "name": "x"}},
            400,
            "262179",
            'Unexpected argument "certificate.name".',
            no_target,
        ),
        (
            "unknown svm name",
            lambda w: {"certificate": {"uuid": w.uuid("vs1_ca1")}, "svm": {"name": "nosuch"}},
            400,
            "2",
            'SVM "nosuch" does not exist',
            "svm.name",
        ),
        (
            "unknown svm uuid",
            lambda w: {"certificate": {"uuid": w.uuid("vs1_ca1")}, "svm": {"uuid": UNKNOWN}},
            400,
            "2",
            f'SVM "{UNKNOWN}" does not exist',
            "svm.uuid",
        ),
        (
            "scope cluster with an svm",
            lambda w: {
                "certificate": {"uuid": w.uuid("vs1_ca1")},
                "svm": {"name": "vs1"},
                "scope": "cluster",
            },
            400,
            "262186",
            'Field "scope" is "cluster", but the request names SVM "vs1".',
            "scope",
        ),
        (
            "scope svm without an svm",
            lambda w: {"certificate": {"uuid": w.uuid("cl_ca1")}, "scope": "svm"},
            400,
            "262186",
            'Field "scope" is "svm", but the request names no SVM.',
            "scope",
        ),
        (
            "uuid given twice",
            lambda w: {
                "certificate.uuid": w.uuid("cl_ca1"),
                "certificate": {"uuid": w.uuid("cl_ca1")},
            },
            400,
            "262188",
            'Field "certificate.uuid" was specified more than once.',
            "certificate.uuid",
        ),
    ]


CASES = _cases()


@pytest.mark.parametrize(
    ("make", "status", "code", "message", "target"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_refused_post_answers_the_error_and_leaves_the_list_unchanged(
    api: httpx.Client,
    world: World,
    make: Any,
    status: int,
    code: str,
    message: str,
    target: object,
) -> None:
    before = listing(api)
    response = post(api, make(world))
    assert response.status_code == status, response.text
    expected: dict[str, Any] = {"message": message, "code": code}
    if isinstance(target, str):
        expected["target"] = target
    assert response.json() == {"error": expected}
    assert "location" not in response.headers
    assert listing(api) == before


def test_duplicate_add_is_409_code_1_and_changes_nothing(api: httpx.Client, world: World) -> None:
    before = listing(api)
    response = post(api, {"certificate": {"uuid": world.uuid("vs1_ca0")}, "svm": {"name": "vs1"}})
    assert_error(response, 409, "1", "duplicate entry", "certificate.uuid")
    assert listing(api) == before


def test_duplicate_add_of_a_cluster_entry_is_409(api: httpx.Client, world: World) -> None:
    response = post(api, {"certificate.uuid": world.uuid("cl_ca0")})
    assert_error(response, 409, "1", "duplicate entry", "certificate.uuid")


def test_non_string_uuid_is_262185(api: httpx.Client, world: World) -> None:
    before = listing(api)
    response = post(api, {"certificate": {"uuid": 5}})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "262185"
    assert response.json()["error"]["target"] == "certificate.uuid"
    assert listing(api) == before


@pytest.mark.parametrize("raw", [b"[]", b"{", b"null", b'"x"'])
def test_malformed_json_is_262199(api: httpx.Client, world: World, raw: bytes) -> None:
    before = listing(api)
    response = api.post(IPSEC, content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "262199"
    assert listing(api) == before


def test_unknown_query_parameter_is_262179(api: httpx.Client, world: World) -> None:
    before = listing(api)
    response = post(api, {"certificate": {"uuid": world.uuid("cl_ca1")}}, "?bogus=1")
    assert_error(response, 400, "262179", 'Unexpected argument "bogus".')
    assert listing(api) == before


def test_post_without_credentials_is_401(app: Any, world: World, api: httpx.Client) -> None:
    from ontap_ipsec.inprocess import client

    before = listing(api)
    with client(app) as anon:
        response = anon.post(IPSEC, json={"certificate": {"uuid": world.uuid("cl_ca1")}})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "6"
    assert listing(api) == before
