"""DELETE of one IPsec entry, query-based collection DELETE, and PATCH (not supported)."""

from __future__ import annotations

import httpx
import pytest

from ontap_ipsec.app import OntapApp
from tests.api.helpers import assert_error, raw_request
from tests.ipsec.conftest import (
    CERTS,
    IPSEC,
    World,
    build_world,
    listed_uuids,
    listing,
)

NOT_IN_IPSEC = ("66257298", "CA certificate is not installed for IPsec.")
NOT_INSTALLED = (
    "66257303",
    "The CA certificate cannot be removed from IPsec because it is not installed.",
)
UNKNOWN = "00000000-0000-0000-0000-000000000000"


@pytest.fixture
def world(api: httpx.Client) -> World:
    return build_world(api, {None: 2, "vs1": 3, "vs2": 2}, unlisted=1)


def test_delete_removes_the_entry_and_answers_200_empty_object(
    api: httpx.Client, world: World
) -> None:
    uuid = world.uuid("vs1_ca0")
    response = api.delete(f"{IPSEC}/{uuid}")
    assert response.status_code == 200
    assert response.json() == {}
    assert listed_uuids(api) == world.listed_uuids() - {uuid}
    assert api.get(f"{IPSEC}/{uuid}").status_code == 404


def test_delete_keeps_the_certificate_installed(api: httpx.Client, world: World) -> None:
    uuid = world.uuid("cl_ca1")
    assert api.delete(f"{IPSEC}/{uuid}").status_code == 200
    assert api.get(f"{CERTS}/{uuid}").status_code == 200


def test_delete_with_empty_object_body_and_return_timeout_is_accepted(
    api: httpx.Client, world: World
) -> None:
    uuid = world.uuid("vs2_ca1")
    response = api.request(
        "DELETE",
        f"{IPSEC}/{uuid}?return_timeout=30",
        content=b"{}",
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 200
    assert response.json() == {}
    assert uuid not in listed_uuids(api)


def test_delete_with_a_non_empty_body_is_262198_and_removes_nothing(
    api: httpx.Client, world: World
) -> None:
    before = listing(api)
    response = api.request(
        "DELETE",
        f"{IPSEC}/{world.uuid('vs1_ca1')}",
        content=b'{"x": 1}',
        headers={"content-type": "application/json"},
    )
    assert_error(response, 400, "262198", "A request body is not allowed on GET, HEAD, and DELETE.")
    assert listing(api) == before


def test_delete_of_installed_but_unlisted_certificate_is_404_66257298(
    api: httpx.Client, world: World
) -> None:
    before = listing(api)
    response = api.delete(f"{IPSEC}/{world.uuid('vs1_ca3')}")
    assert_error(response, 404, *NOT_IN_IPSEC, "certificate.uuid")
    assert listing(api) == before


def test_second_delete_is_404_66257298(api: httpx.Client, world: World) -> None:
    uuid = world.uuid("cl_ca0")
    assert api.delete(f"{IPSEC}/{uuid}").status_code == 200
    assert_error(api.delete(f"{IPSEC}/{uuid}"), 404, *NOT_IN_IPSEC, "certificate.uuid")


@pytest.mark.parametrize("key", [UNKNOWN, "not-a-uuid"])
def test_delete_of_a_certificate_that_is_not_installed_is_404_66257303(
    api: httpx.Client, world: World, key: str
) -> None:
    before = listing(api)
    assert_error(api.delete(f"{IPSEC}/{key}"), 404, *NOT_INSTALLED, "certificate.uuid")
    assert listing(api) == before


def test_delete_with_unknown_query_parameter_is_262179_and_removes_nothing(
    api: httpx.Client, world: World
) -> None:
    before = listing(api)
    response = api.delete(f"{IPSEC}/{world.uuid('vs1_ca0')}?bogus=1")
    assert_error(response, 400, "262179", 'Unexpected argument "bogus".')
    assert listing(api) == before


# ---------------------------------------------------------------------------
# PATCH is not an operation of this API


@pytest.mark.parametrize("instance", [False, True])
def test_patch_is_405_code_3_with_allow(api: httpx.Client, world: World, instance: bool) -> None:
    before = listing(api)
    path = f"{IPSEC}/{world.uuid('vs1_ca0')}" if instance else IPSEC
    response = api.patch(path, json={"scope": "cluster"})
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "3"
    allow = {m.strip() for m in response.headers["allow"].split(",")}
    assert "PATCH" not in allow
    assert {"GET", "DELETE"} <= allow
    assert ("POST" in allow) is not instance
    assert listing(api) == before


def test_options_lists_the_methods(api: httpx.Client, world: World) -> None:
    response = api.options(IPSEC)
    assert response.status_code == 200
    assert {m.strip() for m in response.headers["allow"].split(",")} >= {"GET", "POST", "DELETE"}


# ---------------------------------------------------------------------------
# DELETE on the collection, by query


def test_collection_delete_by_svm_name_removes_exactly_the_matches(
    app: OntapApp, api: httpx.Client, world: World
) -> None:
    response = raw_request(app, "DELETE", f"{IPSEC}?svm.name=vs1")
    assert response.status_code == 200, response.text
    assert response.json() == {"num_records": 3}
    assert listed_uuids(api) == world.listed_uuids() - world.listed_uuids("vs1")


def test_collection_delete_by_scope_cluster_removes_only_cluster_entries(
    app: OntapApp, api: httpx.Client, world: World
) -> None:
    response = raw_request(app, "DELETE", f"{IPSEC}?scope=cluster")
    assert response.status_code == 200, response.text
    assert response.json() == {"num_records": 2}
    assert listed_uuids(api) == world.listed_uuids() - world.listed_uuids(None)


def test_collection_delete_with_negation_keeps_cluster_entries(
    app: OntapApp, api: httpx.Client, world: World
) -> None:
    response = raw_request(app, "DELETE", f"{IPSEC}?svm.name=!vs1")
    assert response.status_code == 200, response.text
    assert response.json() == {"num_records": 2}
    assert listed_uuids(api) == world.listed_uuids() - world.listed_uuids("vs2")


def test_collection_delete_matching_nothing_answers_zero(
    app: OntapApp, api: httpx.Client, world: World
) -> None:
    before = listing(api)
    response = raw_request(app, "DELETE", f"{IPSEC}?svm.name=nosuch")
    assert response.status_code == 200
    assert response.json() == {"num_records": 0}
    assert listing(api) == before


def test_collection_delete_keeps_the_certificates_installed(
    app: OntapApp, api: httpx.Client, world: World
) -> None:
    assert raw_request(app, "DELETE", f"{IPSEC}?svm.name=vs2").status_code == 200
    for uuid in world.listed_uuids("vs2"):
        assert api.get(f"{CERTS}/{uuid}").status_code == 200


@pytest.mark.parametrize("query", ["", "?return_timeout=30", "?max_records=1"])
def test_collection_delete_without_a_filter_is_400_and_removes_nothing(
    api: httpx.Client, world: World, query: str
) -> None:
    before = listing(api)
    response = api.delete(f"{IPSEC}{query}")
    assert_error(
        response,
        400,
        "2",
        "DELETE on a collection needs a query: give at least one field as a query parameter.",
    )
    assert listing(api) == before
