"""GET /api/security/ipsec/ca-certificates and GET .../{certificate.uuid}.

One read-only world for the module: 25 IPsec entries (7 cluster, 6 in each of
vs1, vs2, vs3) plus one installed-but-unlisted CA per scope. Queries are sent
byte for byte, as curl sends them.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ontap_ipsec.app import OntapApp
from tests.api.helpers import assert_error, raw_request, walk
from tests.ipsec.conftest import (
    CERTS,
    IPSEC,
    SVMS,
    World,
    build_world,
    get_records,
    shape,
)

LAYOUT: dict[str | None, int] = {None: 7, "vs1": 6, "vs2": 6, "vs3": 6}
TOTAL = 25

# The seed's example answers (key structure only; values are placeholders).
SEED_COLLECTION = {
    "_links": {"next": {"href": "/api/resourcelink"}, "self": {"href": "/api/resourcelink"}},
    "num_records": 1,
    "records": [
        {
            "certificate": {
                "_links": {"self": {"href": "/api/resourcelink"}},
                "uuid": "1cd8a442-86d1-11e0-aelc-123478563412",
            },
            "scope": "string",
            "svm": {
                "_links": {"self": {"href": "/api/resourcelink"}},
                "name": "svm1",
                "uuid": "02c9e252-41be-11e9-81d5-00a0986138f7",
            },
        }
    ],
}
SEED_INSTANCE = SEED_COLLECTION["records"][0]  # type: ignore[index]
SEED_ERROR_KEYS = {"arguments", "code", "message", "target"}


@pytest.fixture(scope="module")
def world(module_api: httpx.Client) -> World:
    return build_world(module_api, LAYOUT)


def uuids(records: list[dict[str, Any]]) -> set[str]:
    found = [r["certificate"]["uuid"] for r in records]
    assert len(found) == len(set(found)), found
    return set(found)


def q(app: OntapApp, query: str) -> set[str]:
    return uuids(get_records(app, f"{IPSEC}?{query}"))


# ---------------------------------------------------------------------------
# Records and default fields


def test_default_collection_has_certificate_and_svm_but_no_scope_or_record_links(
    module_app: OntapApp, world: World
) -> None:
    records = get_records(module_app, IPSEC)
    assert len(records) == TOTAL
    expected = {world.uuid(n): world.record(n, scope=False) for n in world.listed}
    assert {r["certificate"]["uuid"]: r for r in records} == expected


def test_default_collection_is_in_certificate_uuid_order(
    module_app: OntapApp, world: World
) -> None:
    records = get_records(module_app, IPSEC)
    keys = [r["certificate"]["uuid"] for r in records]
    assert keys == sorted(keys)


def test_fields_star_adds_scope(module_app: OntapApp, world: World) -> None:
    records = get_records(module_app, f"{IPSEC}?fields=*")
    assert {r["certificate"]["uuid"]: r for r in records} == {
        world.uuid(n): world.record(n) for n in world.listed
    }


def test_fields_scope_adds_scope_to_the_default_fields(module_app: OntapApp, world: World) -> None:
    records = get_records(module_app, f"{IPSEC}?fields=scope")
    assert {r["certificate"]["uuid"]: r for r in records} == {
        world.uuid(n): world.record(n) for n in world.listed
    }


def test_cluster_entries_have_no_svm_and_svm_entries_link_their_svm(
    module_app: OntapApp, world: World
) -> None:
    for record in get_records(module_app, f"{IPSEC}?fields=*"):
        cert = record["certificate"]["uuid"]
        assert record["certificate"]["_links"] == {"self": {"href": f"{CERTS}/{cert}"}}
        assert "_links" not in record
        if record["scope"] == "cluster":
            assert "svm" not in record
        else:
            assert record["scope"] == "svm"
            svm = record["svm"]
            assert svm["_links"] == {"self": {"href": f"{SVMS}/{svm['uuid']}"}}
            assert world.svms[svm["name"]] == svm["uuid"]


def test_collection_structure_matches_the_seed_example(module_app: OntapApp, world: World) -> None:
    body = raw_request(module_app, "GET", f"{IPSEC}?fields=*&svm.name=vs1&max_records=1").json()
    assert shape(body) == shape(SEED_COLLECTION)


def test_instance_structure_matches_the_seed_example(
    module_api: httpx.Client, world: World
) -> None:
    response = module_api.get(f"{IPSEC}/{world.uuid('vs2_ca0')}")
    assert response.status_code == 200
    assert shape(response.json()) == shape(SEED_INSTANCE)


def test_error_structure_is_a_subset_of_the_seed_example(module_api: httpx.Client) -> None:
    body = module_api.get(f"{IPSEC}/00000000-0000-0000-0000-000000000000").json()
    assert set(body) == {"error"}
    assert set(body["error"]) <= SEED_ERROR_KEYS
    assert {"code", "message"} <= set(body["error"])


# ---------------------------------------------------------------------------
# Filters with ONTAP operators


def test_scope_filters(module_app: OntapApp, world: World) -> None:
    cluster = world.listed_uuids(None)
    svm_entries = world.listed_uuids() - cluster
    assert q(module_app, "scope=cluster") == cluster
    assert q(module_app, "scope=svm") == svm_entries
    assert q(module_app, "scope=!cluster") == svm_entries
    assert q(module_app, "scope=clu*") == cluster
    assert q(module_app, "scope=svm|cluster") == world.listed_uuids()


def test_scope_filter_with_a_value_outside_the_enum_is_262197(
    module_app: OntapApp, world: World
) -> None:
    assert_error(
        raw_request(module_app, "GET", f"{IPSEC}?scope=nothing"),
        400,
        "262197",
        'The value "nothing" is invalid for field "scope" (svm|cluster)',
        "scope",
    )


def test_filter_on_scope_echoes_scope(module_app: OntapApp, world: World) -> None:
    records = get_records(module_app, f"{IPSEC}?scope=cluster")
    assert records and all(r == {**r, "scope": "cluster"} for r in records)
    assert all(set(r) == {"certificate", "scope"} for r in records)


def test_svm_name_filters(module_app: OntapApp, world: World) -> None:
    vs1, vs2, vs3 = (world.listed_uuids(s) for s in ("vs1", "vs2", "vs3"))
    cluster = world.listed_uuids(None)
    assert q(module_app, "svm.name=vs1") == vs1
    assert q(module_app, "svm.name=vs1|vs3") == vs1 | vs3
    assert q(module_app, "svm.name=vs*") == vs1 | vs2 | vs3
    assert q(module_app, "svm.name=null") == cluster
    assert q(module_app, "svm.name=!null") == vs1 | vs2 | vs3
    assert q(module_app, "svm.name=nosuch") == set()


def test_svm_name_negation_does_not_select_cluster_entries(
    module_app: OntapApp, world: World
) -> None:
    assert q(module_app, "svm.name=!vs1") == world.listed_uuids("vs2") | world.listed_uuids("vs3")


def test_svm_uuid_filters(module_app: OntapApp, world: World) -> None:
    s1, s2 = world.svms["vs1"], world.svms["vs2"]
    assert q(module_app, f"svm.uuid={s1}") == world.listed_uuids("vs1")
    assert q(module_app, f"svm.uuid={s1}|{s2}") == world.listed_uuids("vs1") | world.listed_uuids(
        "vs2"
    )
    assert q(module_app, f"svm.uuid=!{s1}") == world.listed_uuids("vs2") | world.listed_uuids("vs3")
    assert q(module_app, "svm.uuid=null") == world.listed_uuids(None)
    assert q(module_app, "svm.uuid=!null") == world.listed_uuids() - world.listed_uuids(None)


def test_certificate_uuid_filters(module_app: OntapApp, world: World) -> None:
    a, b = world.uuid("vs1_ca0"), world.uuid("cl_ca3")
    assert q(module_app, f"certificate.uuid={a}") == {a}
    assert q(module_app, f"certificate.uuid={a}|{b}") == {a, b}
    assert q(module_app, f"certificate.uuid=!{a}") == world.listed_uuids() - {a}
    assert q(module_app, f"certificate.uuid={a[:8]}*") == {a}
    assert q(module_app, "certificate.uuid=!null") == world.listed_uuids()
    assert q(module_app, "certificate.uuid=null") == set()
    # installed but not in IPsec: not listed
    assert q(module_app, f"certificate.uuid={world.uuid('vs1_ca6')}") == set()


def test_filters_combine_with_and(module_app: OntapApp, world: World) -> None:
    assert q(module_app, "scope=svm&svm.name=!vs1") == (
        world.listed_uuids("vs2") | world.listed_uuids("vs3")
    )
    a = world.uuid("vs2_ca1")
    assert q(module_app, f"certificate.uuid={a}&svm.name=vs1") == set()
    assert q(module_app, f"certificate.uuid={a}&svm.name=vs2") == {a}


def test_httpx_encoded_operators_are_decoded(module_api: httpx.Client, world: World) -> None:
    response = module_api.get(IPSEC, params={"svm.name": "!vs1", "fields": "*"})
    assert response.status_code == 200
    assert uuids(response.json()["records"]) == world.listed_uuids("vs2") | world.listed_uuids(
        "vs3"
    )


# ---------------------------------------------------------------------------
# Paging, counting, ordering


@pytest.mark.parametrize(
    "query",
    [
        "max_records=2",
        "max_records=2&fields=*",
        "max_records=2&order_by=svm.name%20desc",
        "max_records=2&order_by=scope",
        "max_records=3&order_by=svm.name",
        "max_records=1&svm.name=!vs1",
    ],
)
def test_following_next_verbatim_visits_every_entry_once(
    module_app: OntapApp, world: World, query: str
) -> None:
    unpaged = get_records(
        module_app, f"{IPSEC}?{query.split('&', 1)[1]}" if "&" in query else IPSEC
    )
    pages = walk(module_app, f"{IPSEC}?{query}")
    size = int(query.split("&")[0].split("=")[1])
    paged = [r for page in pages for r in page["records"]]
    assert all(page["num_records"] == len(page["records"]) <= size for page in pages)
    assert [r["certificate"]["uuid"] for r in paged] == [r["certificate"]["uuid"] for r in unpaged]
    assert len(uuids(paged)) == len(unpaged)
    assert "next" not in pages[-1]["_links"]
    for page in pages[:-1]:
        href = page["_links"]["next"]["href"]
        assert href.startswith(f"{IPSEC}?")


def test_paging_with_max_records_2_takes_13_pages(module_app: OntapApp, world: World) -> None:
    pages = walk(module_app, f"{IPSEC}?max_records=2")
    assert [p["num_records"] for p in pages] == [2] * 12 + [1]
    assert uuids([r for p in pages for r in p["records"]]) == world.listed_uuids()


def test_next_link_keeps_the_original_parameters(module_app: OntapApp, world: World) -> None:
    body = raw_request(module_app, "GET", f"{IPSEC}?svm.name=vs2&fields=*&max_records=4").json()
    href = body["_links"]["next"]["href"]
    params = href.split("?", 1)[1].split("&")
    assert {"svm.name=vs2", "fields=*", "max_records=4"} <= set(params)
    assert body["_links"]["self"]["href"] == f"{IPSEC}?svm.name=vs2&fields=*&max_records=4"


def test_return_records_false_returns_only_the_count(
    module_api: httpx.Client, world: World
) -> None:
    body = module_api.get(f"{IPSEC}?return_records=false").json()
    assert body["num_records"] == TOTAL
    assert "records" not in body
    body = module_api.get(f"{IPSEC}?return_records=false&svm.name=vs3").json()
    assert body["num_records"] == 6
    assert "records" not in body


@pytest.mark.parametrize("timeout", ["0", "15", "120"])
def test_return_timeout_in_range_is_accepted(
    module_api: httpx.Client, world: World, timeout: str
) -> None:
    response = module_api.get(f"{IPSEC}?return_timeout={timeout}&svm.name=vs1")
    assert response.status_code == 200
    assert response.json()["num_records"] == 6


def test_return_timeout_out_of_range_is_262197(module_api: httpx.Client, world: World) -> None:
    assert_error(
        module_api.get(f"{IPSEC}?return_timeout=121"),
        400,
        "262197",
        'The value "121" is invalid for field "return_timeout" (0..120)',
        "return_timeout",
    )


def test_max_records_zero_is_262197(module_api: httpx.Client, world: World) -> None:
    response = module_api.get(f"{IPSEC}?max_records=0")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "262197"
    assert response.json()["error"]["target"] == "max_records"


def test_order_by_svm_name_desc_puts_cluster_entries_last(
    module_app: OntapApp, world: World
) -> None:
    records = get_records(module_app, f"{IPSEC}?order_by=svm.name%20desc")
    names = [r.get("svm", {}).get("name") for r in records]
    assert names == ["vs3"] * 6 + ["vs2"] * 6 + ["vs1"] * 6 + [None] * 7


def test_order_by_svm_name_asc_puts_cluster_entries_first(
    module_app: OntapApp, world: World
) -> None:
    records = get_records(module_app, f"{IPSEC}?order_by=svm.name")
    names = [r.get("svm", {}).get("name") for r in records]
    assert names == [None] * 7 + ["vs1"] * 6 + ["vs2"] * 6 + ["vs3"] * 6


def test_order_by_scope(module_app: OntapApp, world: World) -> None:
    records = get_records(module_app, f"{IPSEC}?order_by=scope&fields=scope")
    assert [r["scope"] for r in records] == ["cluster"] * 7 + ["svm"] * 18
    records = get_records(module_app, f"{IPSEC}?order_by=scope%20desc&fields=scope")
    assert [r["scope"] for r in records] == ["svm"] * 18 + ["cluster"] * 7


def test_unknown_query_field_is_262179(module_api: httpx.Client, world: World) -> None:
    assert_error(module_api.get(f"{IPSEC}?bogus=1"), 400, "262179", 'Unexpected argument "bogus".')


# ---------------------------------------------------------------------------
# Instance GET


def test_instance_get_of_an_svm_entry_returns_every_field(
    module_api: httpx.Client, world: World
) -> None:
    response = module_api.get(f"{IPSEC}/{world.uuid('vs3_ca2')}")
    assert response.status_code == 200
    assert response.json() == world.record("vs3_ca2")


def test_instance_get_of_a_cluster_entry_has_no_svm(module_api: httpx.Client, world: World) -> None:
    response = module_api.get(f"{IPSEC}/{world.uuid('cl_ca0')}")
    assert response.status_code == 200
    assert response.json() == world.record("cl_ca0")


def test_instance_get_honours_fields(module_api: httpx.Client, world: World) -> None:
    uuid = world.uuid("vs1_ca1")
    full = world.record("vs1_ca1")
    assert module_api.get(f"{IPSEC}/{uuid}?fields=*").json() == full
    assert module_api.get(f"{IPSEC}/{uuid}?fields=scope").json() == full
    without_scope = {k: v for k, v in full.items() if k != "scope"}
    assert module_api.get(f"{IPSEC}/{uuid}?fields=svm.name").json() == without_scope
    assert module_api.get(f"{IPSEC}/{uuid}?fields=certificate.uuid").json() == without_scope


def test_fields_star_collection_record_equals_instance_get(
    module_api: httpx.Client, world: World
) -> None:
    for name in ("cl_ca1", "vs2_ca3"):
        uuid = world.uuid(name)
        instance = module_api.get(f"{IPSEC}/{uuid}").json()
        collection = module_api.get(f"{IPSEC}?certificate.uuid={uuid}&fields=*").json()
        assert collection["records"] == [instance]


@pytest.mark.parametrize(
    "key",
    [
        "00000000-0000-0000-0000-000000000000",
        "not-a-uuid",
        "vs1_ca6",  # installed CA, not in IPsec
        "cl_ca7",  # installed cluster CA, not in IPsec
    ],
)
def test_instance_get_of_unknown_entry_is_404_code_4(
    module_api: httpx.Client, world: World, key: str
) -> None:
    uuid = world.certs.get(key, key)
    response = module_api.get(f"{IPSEC}/{uuid}")
    assert response.status_code == 404
    assert response.json() == {
        "error": {"message": "entry doesn't exist", "code": "4", "target": "uuid"}
    }


def test_instance_get_never_answers_an_empty_object(module_api: httpx.Client, world: World) -> None:
    for name in sorted(world.listed):
        response = module_api.get(f"{IPSEC}/{world.uuid(name)}")
        assert response.status_code == 200
        assert response.json()["certificate"]["uuid"] == world.uuid(name)


def test_head_on_collection_has_no_body(module_api: httpx.Client, world: World) -> None:
    response = module_api.head(IPSEC)
    assert response.status_code == 200
    assert response.content == b""
