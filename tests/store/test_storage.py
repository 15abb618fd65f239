"""Storage on both backends: round trips, restarts, constraints, odd values.

Each test runs on SQLite and on PostgreSQL (`any_api` / `backend`).
"""

from __future__ import annotations

import uuid
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ontap_ipsec.app import OntapApp
from ontap_ipsec.config import Settings
from ontap_ipsec.inprocess import client as inprocess_client
from ontap_ipsec.store.tables import cluster, svms
from tests.api.helpers import SVMS, make_svms, name_set
from tests.conftest import AUTH, app_on, make_settings


def running(
    settings: Settings, announced: list[str] | None = None
) -> AbstractContextManager[OntapApp]:
    """The app on `settings`, what it announces kept in `announced`."""
    sink = announced if announced is not None else []
    return app_on(settings, announce=sink.append)


def follow(api: httpx.Client, first: str, limit: int = 100) -> list[dict[str, object]]:
    records: list[dict[str, object]] = []
    target: str | None = first
    for _ in range(limit):
        if target is None:
            return records
        body = api.get(target).json()
        records += body["records"]
        target = body.get("_links", {}).get("next", {}).get("href")
    raise AssertionError("the next links do not advance")


def test_create_list_filter_page_patch_delete_round_trip(any_api: httpx.Client) -> None:
    made = make_svms(any_api, [("rt1", "a"), ("rt2", None), ("RT3", "b"), ("rt4", "c"), "rt5"])
    assert any_api.get(SVMS).json()["num_records"] == 5
    assert name_set(any_api.get(f"{SVMS}?name=rt*")) == {"rt1", "rt2", "rt4", "rt5"}
    paged = follow(any_api, f"{SVMS}?max_records=2")
    assert [r["uuid"] for r in paged] == sorted(made.values())

    assert any_api.patch(f"{SVMS}/{made['rt2']}", json={"comment": "z"}).status_code == 202
    assert any_api.get(f"{SVMS}/{made['rt2']}").json()["comment"] == "z"
    assert any_api.delete(f"{SVMS}/{made['rt1']}").status_code == 202
    assert any_api.get(f"{SVMS}/{made['rt1']}").status_code == 404
    assert name_set(any_api.get(SVMS)) == {"rt2", "RT3", "rt4", "rt5"}


def test_filter_semantics_agree_on_both_backends(any_api: httpx.Client) -> None:
    make_svms(any_api, [
        ("vs1", "alpha"), ("vs2", None), ("VS3", "beta"), ("svm_a", "50% off"),
        ("svmXa", "50x off"), ("zeta", "zulu"),
    ])
    cases = {
        "comment=!alpha": {"VS3", "svm_a", "svmXa", "zeta"},
        "name=VS*": {"VS3"},
        "name=vs*": {"vs1", "vs2"},
        "name=svm_*": {"svm_a"},
        "comment=50%25*": {"svm_a"},
        "comment=>m|null": {"zeta", "vs2"},
        "name=vs1..vs2": {"vs1", "vs2"},
        "comment=null": {"vs2"},
        "comment=!null&name=vs*": {"vs1"},
        "name=<svm": {"VS3"},
    }
    for query, expected in cases.items():
        assert name_set(any_api.get(f"{SVMS}?{query}")) == expected, query


def test_ordering_and_paging_with_nulls_agree_on_both_backends(any_api: httpx.Client) -> None:
    specs = [(f"p{i:02d}", None if i % 3 == 0 else f"c{i % 4}") for i in range(12)]
    made = make_svms(any_api, specs)
    comments = dict(specs)
    expected = sorted(made, key=lambda n: (comments[n] is not None, comments[n] or "", made[n]))
    paged = follow(any_api, f"{SVMS}?order_by=comment&max_records=5")
    assert [r["name"] for r in paged] == expected
    descending = follow(any_api, f"{SVMS}?order_by=comment%20desc&max_records=5")
    assert [r["name"] for r in descending][-4:] == sorted(
        (n for n in made if comments[n] is None), key=lambda n: made[n]
    )


def test_restart_keeps_the_data_and_the_cluster_identity(
    backend: str | None, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path / "data", backend)
    with running(settings) as first, inprocess_client(first, auth=AUTH) as api:
        made = make_svms(api, [("keep1", "kept"), "keep2"])
        cluster_uuid = api.get("/api/cluster").json()["uuid"]
    with running(settings) as second, inprocess_client(second, auth=AUTH) as api:
        assert api.get("/api/cluster").json()["uuid"] == cluster_uuid
        assert name_set(api.get(SVMS)) == {"keep1", "keep2"}
        assert api.get(f"{SVMS}/{made['keep1']}").json()["comment"] == "kept"
        assert api.get("/api/cluster/jobs").json()["num_records"] == 2


def test_restart_does_not_regenerate_the_admin_password(
    backend: str | None, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path / "data", database=backend, admin_password=None)
    announced: list[str] = []
    with running(settings, announced):
        pass
    assert len(announced) == 1
    password = announced[0].split("generated password ")[1].split()[0]
    again: list[str] = []
    with running(settings, again) as second, inprocess_client(
        second, auth=("admin", password)
    ) as api:
        assert again == []
        assert api.get("/api/cluster").status_code == 200


def test_unique_svm_name_is_enforced_by_the_database(
    backend: str | None, tmp_path: Path
) -> None:
    with running(make_settings(tmp_path / "data", backend)) as application:
        with application.ctx.store.write() as conn:
            home = conn.execute(sa.select(cluster)).one()
        row = {
            "name": "dup", "comment": None, "language": "c.utf_8", "state": "running",
            "subtype": "default", "ipspace_name": "Default", "ipspace_uuid": home.ipspace_uuid,
            "snapshot_policy_name": "default",
            "snapshot_policy_uuid": home.snapshot_policy_uuid, "created": datetime(2024, 1, 1),
        }
        with application.ctx.store.write() as conn:
            conn.execute(svms.insert().values(uuid=str(uuid.uuid4()), **row))
        with pytest.raises(IntegrityError), application.ctx.store.write() as conn:
            conn.execute(svms.insert().values(uuid=str(uuid.uuid4()), **row))
        with application.ctx.store.write() as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(svms)).scalar() == 1


def test_comment_of_255_characters_is_stored(any_api: httpx.Client) -> None:
    response = any_api.post(SVMS, json={"name": "c255", "comment": "x" * 255})
    assert response.status_code == 202
    assert any_api.get(f"{response.headers['location']}?fields=comment").json()["comment"] == (
        "x" * 255
    )


def test_comment_longer_than_255_characters_is_400_on_both_backends(
    any_api: httpx.Client,
) -> None:
    response = any_api.post(SVMS, json={"name": "c256", "comment": "x" * 256})
    assert response.status_code == 400, response.text
    assert response.json()["error"]["target"] == "comment"
    assert any_api.get(SVMS).json()["num_records"] == 0


def test_patch_comment_longer_than_255_characters_is_400_on_both_backends(
    any_api: httpx.Client,
) -> None:
    uuid_ = make_svms(any_api, [("c1", "short")])["c1"]
    response = any_api.patch(f"{SVMS}/{uuid_}", json={"comment": "x" * 300})
    assert response.status_code == 400, response.text
    assert any_api.get(f"{SVMS}/{uuid_}").json()["comment"] == "short"


def test_overlong_language_is_400_on_both_backends(any_api: httpx.Client) -> None:
    response = any_api.post(SVMS, json={"name": "lang", "language": "a" * 40})
    assert response.status_code == 400, response.text
    assert response.json()["error"]["target"] == "language"


def test_nul_character_in_a_body_is_never_a_server_error(any_api: httpx.Client) -> None:
    response = any_api.post(SVMS, json={"name": "nul", "comment": "x\u0000y"})
    assert response.status_code in (202, 400), response.text
    if response.status_code == 202:
        stored = any_api.get(f"{response.headers['location']}?fields=comment").json()
        assert stored["comment"] == "x\u0000y"


def test_nul_character_in_a_filter_matches_nothing(any_api: httpx.Client) -> None:
    make_svms(any_api, ["ab"])
    response = any_api.get(f"{SVMS}?name=a%00b")
    assert response.status_code == 200, response.text
    assert response.json()["num_records"] == 0


def test_nul_character_in_an_instance_key_is_404(any_api: httpx.Client) -> None:
    response = any_api.get(f"{SVMS}/a%00b")
    assert response.status_code == 404, response.text
    assert response.json()["error"]["code"] == "4"
