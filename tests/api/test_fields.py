"""The `fields` parameter: default projections, `*`, `**`, lists, nesting."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ontap_ipsec.app import OntapApp
from ontap_ipsec.config import DEFAULT_VERSION, version_parts
from ontap_ipsec.resources.svms import resource as svm_resource
from tests.api.helpers import CLUSTER, JOBS, SVMS, assert_error, make_svms, raw_request

COMMON_SVM_KEYS = {
    "uuid", "name", "state", "subtype", "language", "comment", "ipspace", "snapshot_policy",
    "aggregates", "cifs", "fcp", "iscsi", "nfs", "nvme", "s3", "ndmp", "max_volumes",
    "anti_ransomware_default_volume_state", "auto_enable_analytics",
    "auto_enable_activity_tracking", "storage", "_links",
}


@pytest.fixture(scope="module")
def world(module_api: httpx.Client) -> dict[str, str]:
    return make_svms(module_api, [("fa", "hello"), "fb"])


def only(api: httpx.Client, query: str) -> dict[str, Any]:
    """The single record `name=fa` with extra parameters."""
    response = api.get(f"{SVMS}?name=fa&{query}")
    assert response.status_code == 200, response.text
    records = response.json()["records"]
    assert len(records) == 1
    return records[0]


def self_link(uuid: str) -> dict[str, Any]:
    return {"self": {"href": f"{SVMS}/{uuid}"}}


def test_default_collection_returns_key_fields_and_self_link(
    module_api: httpx.Client, world: dict[str, str]
) -> None:
    body = module_api.get(SVMS).json()
    assert sorted(body["records"], key=lambda r: r["name"]) == [
        {"uuid": world["fa"], "name": "fa", "_links": self_link(world["fa"])},
        {"uuid": world["fb"], "name": "fb", "_links": self_link(world["fb"])},
    ]


def test_filtered_field_is_echoed(module_api: httpx.Client, world: dict[str, str]) -> None:
    body = module_api.get(f"{SVMS}?comment=hello").json()
    assert body["records"] == [
        {"uuid": world["fa"], "name": "fa", "comment": "hello", "_links": self_link(world["fa"])}
    ]


def test_fields_star_returns_the_common_fields(
    module_api: httpx.Client, world: dict[str, str]
) -> None:
    record = only(module_api, "fields=*")
    assert set(record) == COMMON_SVM_KEYS
    assert record["state"] == "running"
    assert record["language"] == "c.utf_8"
    assert record["comment"] == "hello"


def test_fields_star_equals_the_instance_get(
    module_api: httpx.Client, world: dict[str, str]
) -> None:
    instance = module_api.get(f"{SVMS}/{world['fa']}")
    assert instance.status_code == 200
    assert only(module_api, "fields=*") == instance.json()


def test_fields_double_star_returns_every_gettable_field(
    module_api: httpx.Client, world: dict[str, str]
) -> None:
    record = only(module_api, "fields=**")
    for name in svm_resource.gettable_names:
        node: Any = record
        for part in name.split("."):
            assert part in node, f"{name} missing from fields=** ({record})"
            node = node[part]
    assert set(record) >= set(only(module_api, "fields=*"))


def test_fields_comma_list(module_api: httpx.Client, world: dict[str, str]) -> None:
    assert only(module_api, "fields=comment,language") == {
        "uuid": world["fa"], "name": "fa", "comment": "hello", "language": "c.utf_8",
        "_links": self_link(world["fa"]),
    }


def test_repeated_fields_parameters_are_merged(
    module_api: httpx.Client, world: dict[str, str]
) -> None:
    assert only(module_api, "fields=comment&fields=language") == only(
        module_api, "fields=comment,language"
    )


def test_unset_field_is_left_out_of_the_record(
    module_api: httpx.Client, world: dict[str, str]
) -> None:
    records = module_api.get(f"{SVMS}?name=fb&fields=comment").json()["records"]
    assert records == [{"uuid": world["fb"], "name": "fb", "_links": self_link(world["fb"])}]


def test_fields_nested_object_returns_its_members(
    module_api: httpx.Client, world: dict[str, str]
) -> None:
    ipspace = only(module_api, "fields=ipspace")["ipspace"]
    assert set(ipspace) == {"name", "uuid", "_links"}
    assert ipspace["name"] == "Default"
    assert ipspace["_links"] == {"self": {"href": f"/api/network/ipspaces/{ipspace['uuid']}"}}


def test_fields_nested_path_returns_only_that_member(
    module_api: httpx.Client, world: dict[str, str]
) -> None:
    record = only(module_api, "fields=ipspace.name")
    assert set(record) == {"uuid", "name", "ipspace", "_links"}
    assert record["ipspace"]["name"] == "Default"
    assert "uuid" not in record["ipspace"]


def test_unknown_field_is_400_code_262197_target_fields(
    module_api: httpx.Client, world: dict[str, str]
) -> None:
    assert_error(
        module_api.get(f"{SVMS}?fields=name,nosuch"),
        400, "262197", 'The value "nosuch" is invalid for field "fields" (<field,...>)', "fields",
    )


def test_ignore_unknown_fields_skips_unknown_names(
    module_api: httpx.Client, world: dict[str, str]
) -> None:
    record = only(module_api, "fields=nosuch,comment&ignore_unknown_fields=true")
    assert record == {
        "uuid": world["fa"], "name": "fa", "comment": "hello", "_links": self_link(world["fa"])
    }


def test_instance_get_with_fields(module_api: httpx.Client, world: dict[str, str]) -> None:
    response = module_api.get(f"{SVMS}/{world['fa']}?fields=comment")
    assert response.status_code == 200
    assert response.json() == {
        "uuid": world["fa"], "name": "fa", "comment": "hello", "_links": self_link(world["fa"])
    }


def test_cluster_default_body(module_app: OntapApp, module_api: httpx.Client) -> None:
    generation, major, minor = version_parts(DEFAULT_VERSION)
    body = module_api.get(CLUSTER).json()
    assert body == {
        "name": "cluster1",
        "uuid": module_app.ctx.cluster_uuid,
        "version": {
            "full": body["version"]["full"],
            "generation": generation,
            "major": major,
            "minor": minor,
        },
        "timezone": {"name": "Etc/UTC"},
        "dns_domains": [],
        "name_servers": [],
        "ntp_servers": [],
        "san_optimized": False,
        "_links": {"self": {"href": "/api/cluster"}},
    }
    assert body["version"]["full"].startswith(f"NetApp Release {DEFAULT_VERSION}")


def test_cluster_fields_version_returns_only_the_version(module_api: httpx.Client) -> None:
    body = module_api.get(f"{CLUSTER}?fields=version").json()
    assert set(body) == {"version", "_links"}
    assert set(body["version"]) == {"full", "generation", "major", "minor"}
    assert body["_links"] == {"self": {"href": "/api/cluster"}}


def test_cluster_rejects_filters(module_api: httpx.Client) -> None:
    assert_error(module_api.get(f"{CLUSTER}?name=x"), 400, "262179", 'Unexpected argument "name".')


def test_jobs_default_collection_returns_uuid_and_self_link(
    module_app: OntapApp, world: dict[str, str]
) -> None:
    records = raw_request(module_app, "GET", JOBS).json()["records"]
    assert records
    for record in records:
        assert record == {
            "uuid": record["uuid"],
            "_links": {"self": {"href": f"{JOBS}/{record['uuid']}"}},
        }
