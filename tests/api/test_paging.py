"""Paging: max_records, next links (keyset cursors), order_by, return_records."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ontap_ipsec.app import OntapApp
from ontap_ipsec.rest.query import DEFAULT_MAX_RECORDS
from tests.api.helpers import (
    JOBS,
    SVMS,
    assert_error,
    make_svms,
    raw_request,
    records_of,
    walk,
)

COUNT = 25


def _comment(i: int) -> str | None:
    return None if i % 3 == 0 else f"c{i % 4}"  # nulls and ties


SPECS = [(f"n{(i * 7) % COUNT:02d}", _comment(i)) for i in range(COUNT)]


@pytest.fixture(scope="module")
def world(module_app: OntapApp, module_api: httpx.Client) -> dict[str, dict[str, Any]]:
    """name -> {uuid, comment} of 25 SVMs whose name order is not their uuid order."""
    made = make_svms(module_api, SPECS)
    return {name: {"uuid": made[name], "comment": comment} for name, comment in SPECS}


def uuids_of(pages: list[Any]) -> list[str]:
    return [r["uuid"] for r in records_of(pages)]


def test_max_records_1_visits_every_record_once_in_uuid_order(
    module_app: OntapApp, world: dict[str, dict[str, Any]]
) -> None:
    pages = walk(module_app, f"{SVMS}?max_records=1")
    assert len(pages) == COUNT
    assert all(page["num_records"] == 1 for page in pages)
    assert uuids_of(pages) == sorted(v["uuid"] for v in world.values())
    assert "next" not in pages[-1]["_links"]


def test_next_link_starts_with_the_cursor_and_carries_every_parameter(
    module_app: OntapApp, world: dict[str, dict[str, Any]]
) -> None:
    query = "max_records=2&fields=%2A&name=n*&return_timeout=5"
    response = raw_request(module_app, "GET", f"{SVMS}?{query}")
    assert response.status_code == 200
    third = sorted(v["uuid"] for v in world.values())[2]
    assert response.json()["_links"]["next"] == {
        "href": f"{SVMS}?start.uuid={third}&{query}"
    }


def test_next_link_of_a_later_page_replaces_the_cursor(
    module_app: OntapApp, world: dict[str, dict[str, Any]]
) -> None:
    pages = walk(module_app, f"{SVMS}?max_records=10")
    assert len(pages) == 3
    second_next = pages[1]["_links"]["next"]["href"]
    assert second_next.count("start.uuid=") == 1
    assert second_next.endswith("&max_records=10")


def test_paging_by_name_descending_visits_every_record_once(
    module_app: OntapApp, world: dict[str, dict[str, Any]]
) -> None:
    pages = walk(module_app, f"{SVMS}?order_by=name%20desc&max_records=2")
    assert [r["name"] for r in records_of(pages)] == sorted(world, reverse=True)


def test_paging_by_a_nullable_field_visits_every_record_once_in_order(
    module_app: OntapApp, world: dict[str, dict[str, Any]]
) -> None:
    pages = walk(module_app, f"{SVMS}?order_by=comment&max_records=2")
    expected = sorted(
        world.values(), key=lambda v: (v["comment"] is not None, v["comment"] or "", v["uuid"])
    )
    assert uuids_of(pages) == [v["uuid"] for v in expected]


def test_paging_by_a_nullable_field_descending_puts_unset_last(
    module_app: OntapApp, world: dict[str, dict[str, Any]]
) -> None:
    pages = walk(module_app, f"{SVMS}?order_by=comment%20desc&max_records=3")
    with_comment = sorted(
        (v for v in world.values() if v["comment"] is not None),
        key=lambda v: (_inverted(v["comment"]), v["uuid"]),
    )
    without = sorted(v["uuid"] for v in world.values() if v["comment"] is None)
    assert uuids_of(pages) == [v["uuid"] for v in with_comment] + without


def _inverted(text: str) -> tuple[int, ...]:
    return tuple(-ord(ch) for ch in text) + (0,)


def test_num_records_counts_the_records_of_that_response(
    module_app: OntapApp, world: dict[str, dict[str, Any]]
) -> None:
    pages = walk(module_app, f"{SVMS}?max_records=10")
    assert [page["num_records"] for page in pages] == [10, 10, 5]
    assert all(page["num_records"] == len(page["records"]) for page in pages)


def test_return_records_false_returns_only_the_count(
    module_app: OntapApp, world: dict[str, dict[str, Any]]
) -> None:
    response = raw_request(module_app, "GET", f"{SVMS}?return_records=false")
    assert response.status_code == 200
    assert response.json() == {
        "num_records": COUNT,
        "_links": {"self": {"href": f"{SVMS}?return_records=false"}},
    }


def test_return_records_false_honours_filters(
    module_app: OntapApp, world: dict[str, dict[str, Any]]
) -> None:
    target = f"{SVMS}?comment=null&return_records=false"
    response = raw_request(module_app, "GET", target)
    nulls = sum(1 for v in world.values() if v["comment"] is None)
    assert response.json() == {"num_records": nulls, "_links": {"self": {"href": target}}}


def test_default_page_holds_every_record_without_a_next_link(
    module_app: OntapApp, world: dict[str, dict[str, Any]]
) -> None:
    assert DEFAULT_MAX_RECORDS == 10_000
    body = raw_request(module_app, "GET", SVMS).json()
    assert body["num_records"] == COUNT
    assert body["_links"] == {"self": {"href": SVMS}}


@pytest.mark.parametrize(
    ("value", "hint"), [("0", ">= 1"), ("-3", ">= 1"), ("x", "<integer>")]
)
def test_bad_max_records_is_400_code_262197(
    module_api: httpx.Client, value: str, hint: str
) -> None:
    assert_error(
        module_api.get(f"{SVMS}?max_records={value}"),
        400, "262197", f'The value "{value}" is invalid for field "max_records" ({hint})',
        "max_records",
    )


@pytest.mark.parametrize("value", ["121", "-1", "soon"])
def test_bad_return_timeout_on_get_is_400_code_262197(
    module_api: httpx.Client, value: str
) -> None:
    response = module_api.get(f"{SVMS}?return_timeout={value}")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "262197"
    assert response.json()["error"]["target"] == "return_timeout"


@pytest.mark.parametrize("value", ["0", "120"])
def test_return_timeout_bounds_are_accepted_on_get(module_api: httpx.Client, value: str) -> None:
    assert module_api.get(f"{SVMS}?return_timeout={value}").status_code == 200
    assert module_api.get(f"/api/cluster?return_timeout={value}").status_code == 200


def test_order_by_unknown_field_is_400_code_262268(module_api: httpx.Client) -> None:
    assert_error(
        module_api.get(f"{SVMS}?order_by=nosuch"),
        400, "262268", 'The field "nosuch" is not supported as an order_by= field.', "order_by",
    )


def test_order_by_a_field_without_a_column_is_400_code_262268(module_api: httpx.Client) -> None:
    response = module_api.get(f"{SVMS}?order_by=aggregates")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "262268"


def test_order_by_bad_direction_is_400(module_api: httpx.Client) -> None:
    response = module_api.get(f"{SVMS}?order_by=name%20sideways")
    assert response.status_code == 400
    assert response.json()["error"]["target"] == "order_by"


def test_order_by_several_fields_with_directions(
    module_app: OntapApp, world: dict[str, dict[str, Any]]
) -> None:
    for order in ("name%20asc,uuid%20desc", "name+asc,uuid+desc"):
        target = f"{SVMS}?order_by={order}"
        response = raw_request(module_app, "GET", target)
        assert response.status_code == 200, response.text
        assert [r["name"] for r in response.json()["records"]] == sorted(world)


def test_order_by_comment_then_name_descending(
    module_app: OntapApp, world: dict[str, dict[str, Any]]
) -> None:
    body = raw_request(module_app, "GET", f"{SVMS}?order_by=comment,name%20desc").json()
    expected = sorted(
        world,
        key=lambda n: (world[n]["comment"] is not None, world[n]["comment"] or "",
                       _inverted(n)),
    )
    assert [r["name"] for r in body["records"]] == expected


def test_cursor_on_a_field_that_is_not_sorted_is_400_code_262179(
    module_api: httpx.Client,
) -> None:
    assert_error(
        module_api.get(f"{SVMS}?start.name=n01"), 400, "262179", 'Unexpected argument "start.name".'
    )


def test_accept_json_pages_keep_only_the_next_link(
    module_app: OntapApp, world: dict[str, dict[str, Any]]
) -> None:
    pages = walk(module_app, f"{SVMS}?max_records=10", headers={"accept": "application/json"})
    assert [set(page.get("_links", {})) for page in pages] == [{"next"}, {"next"}, set()]
    assert all("_links" not in r for r in records_of(pages))
    assert len(set(uuids_of(pages))) == COUNT


def test_paging_jobs_by_start_time_visits_every_job_once(
    module_app: OntapApp, world: dict[str, dict[str, Any]]
) -> None:
    # The 25 POSTs above each recorded a job, many within the same second.
    everything = raw_request(module_app, "GET", f"{JOBS}?order_by=start_time").json()
    expected = [r["uuid"] for r in everything["records"]]
    assert len(expected) == COUNT
    pages = walk(module_app, f"{JOBS}?order_by=start_time&max_records=4", limit=COUNT)
    assert uuids_of(pages) == expected


@pytest.mark.parametrize("cursor", ["start.uuid=a%00b", "start.name=%00&order_by=name"])
def test_a_cursor_holding_nul_is_refused_alike_on_both_backends(
    any_app: OntapApp, cursor: str
) -> None:
    """Found by the reliability fuzz: SQLite answered such a cursor, PostgreSQL (which
    cannot bind NUL) refused it with a generic 400; no cursor of ours holds NUL."""
    response = raw_request(any_app, "GET", f"{SVMS}?{cursor}")
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "262197"
    assert error["target"].startswith("start.")
    assert "\x00" not in error["message"] and "NUL characters" in error["message"]
