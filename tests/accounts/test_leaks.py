"""svm1's vsadmin learns nothing of svm2 or of the cluster's objects: not in collections,
counts, next links, instances (a 404 byte for byte that of a uuid that does not exist),
filters, cursors, error messages, nor from answers the response cache kept for others."""

from __future__ import annotations

import uuid as uuids
from urllib.parse import urlsplit

from tests.accounts.conftest import World
from tests.accounts.helpers import ACCOUNTS, ROLES
from tests.conftest import AUTH

CERTS = "/api/security/certificates"
CAS = "/api/security/ipsec/ca-certificates"
POLICIES = "/api/security/ipsec/policies"
COLLECTIONS = [
    CERTS,
    CAS,
    POLICIES,
    "/api/svm/svms",
    "/api/cluster/jobs",
    ACCOUNTS,
    ROLES,
]


def foreign(world: World) -> list[str]:
    """What svm1's accounts must never read: svm2's and the cluster's objects."""
    return [
        world.svm2,
        "svm2",
        "vs2",
        *(world.ids[n] for n in ("c2", "d2", "a2", "cc", "p2", "pc")),
    ]


def assert_clean(world: World, text: str) -> None:
    for secret in foreign(world):
        assert secret not in text, secret


def test_collections_and_counts_hold_only_svm1(any_world: World) -> None:
    world = any_world
    with world.client("vs1") as vs1:
        for path in COLLECTIONS:
            listed = vs1.get(path, params={"fields": "*"})
            assert listed.status_code == 200, listed.text
            assert_clean(world, listed.text)
            counted = vs1.get(path, params={"return_records": "false"}).json()["num_records"]
            assert counted == listed.json()["num_records"] >= 1
        # filters naming svm2's objects find nothing, and say nothing either
        for query in (
            {"svm.name": "svm2"},
            {"uuid": world.ids["c2"]},
            {"scope": "cluster"},
            {"name": "c2|cc"},
        ):
            found = vs1.get(CERTS, params=query).json()
            assert found["num_records"] == 0
        assert vs1.get(CERTS, params={"svm.name": "svm1"}).json()["num_records"] == 3


def test_next_links_page_through_svm1_only(any_world: World) -> None:
    world = any_world
    with world.client("vs1") as vs1:
        seen: list[str] = []
        href: str | None = f"{CERTS}?max_records=1&fields=uuid"
        while href is not None:
            page = vs1.get(href)
            assert page.status_code == 200
            assert_clean(world, page.text)
            seen += [r["uuid"] for r in page.json()["records"]]
            href = page.json().get("_links", {}).get("next", {}).get("href")
        assert sorted(seen) == sorted(world.ids[n] for n in ("c1", "d1", "a1"))
        # a cursor forged at svm2's certificate still starts within svm1's
        start = vs1.get(CERTS, params={"start.uuid": world.ids["c2"], "fields": "uuid"})
        assert_clean(world, str(start.json()["records"]))  # (its self link is the query)
        assert {r["uuid"] for r in start.json()["records"]} <= set(seen)


def test_instances_are_404_exactly_as_a_uuid_that_does_not_exist(any_world: World) -> None:
    world = any_world
    nowhere = str(uuids.uuid4())
    cases = [
        ("GET", f"{CERTS}/{{}}", "c2"),
        ("GET", f"{CERTS}/{{}}", "cc"),
        ("DELETE", f"{CERTS}/{{}}", "d2"),
        ("GET", f"{CAS}/{{}}", "c2"),
        ("DELETE", f"{CAS}/{{}}", "cc"),
        ("GET", f"{POLICIES}/{{}}", "p2"),
        ("PATCH", f"{POLICIES}/{{}}", "pc"),
        ("DELETE", f"{POLICIES}/{{}}", "p2"),
        ("GET", "/api/svm/svms/{}", "svm2"),
        ("POST", f"{CERTS}/{{}}/sign", "cc"),
    ]
    ids = {**world.ids, "svm2": world.svm2}
    with world.client("vs1") as vs1:
        for method, template, name in cases:
            body = {"enabled": False} if method == "PATCH" else None
            if method == "POST":
                body = {"signing_request": "x"}
            theirs = vs1.request(method, template.format(ids[name]), json=body)
            none = vs1.request(method, template.format(nowhere), json=body)
            assert theirs.status_code == 404, (method, template, theirs.text)
            assert theirs.content == none.content, (method, template)
        other = vs1.get(f"{ACCOUNTS}/{world.svm2}/vs2")
        missing = vs1.get(f"{ACCOUNTS}/{world.svm2}/nobody")
        assert other.status_code == 404 and other.content == missing.content
        role = vs1.get(f"{ROLES}/{world.svm2}/vsadmin")
        no_role = vs1.get(f"{ROLES}/{nowhere}/vsadmin")
        assert role.status_code == 404 and role.content == no_role.content
    # and nothing was deleted or changed by those attempts
    with world.client("admin") as admin:
        assert admin.get(f"{CERTS}/{world.ids['d2']}").status_code == 200
        assert admin.get(f"{POLICIES}/{world.ids['pc']}?fields=enabled").json()["enabled"]


def test_error_messages_name_svm2_as_an_svm_that_does_not_exist(world: World) -> None:
    with world.client("vs1") as vs1:

        def refusal(svm: dict[str, str]) -> dict[str, object]:
            body = {"certificate": {"uuid": world.ids["a1"]}, "svm": svm}
            answer = vs1.post(CAS, json=body)
            assert answer.status_code == 400
            return answer.json()["error"]  # type: ignore[no-any-return]

        theirs = refusal({"name": "svm2"})
        assert theirs == {"message": 'SVM "svm2" does not exist', "code": "2", "target": "svm.name"}
        assert refusal({"name": "svm7"})["message"] == 'SVM "svm7" does not exist'
        by_uuid = refusal({"uuid": world.svm2})
        assert by_uuid == refusal({"uuid": str(uuids.uuid4())}) | {
            "message": f'SVM "{world.svm2}" does not exist'
        }
        # a tunnel header naming svm2 is refused as an unknown SVM would be
        with world.client("vs1", headers={"X-Dot-SVM-Name": "svm2"}) as tunnel:
            named = tunnel.get(CERTS)
        with world.client("vs1", headers={"X-Dot-SVM-Name": "svm7"}) as tunnel:
            unknown = tunnel.get(CERTS)
        assert named.status_code == unknown.status_code == 400
        assert named.json()["error"]["code"] == unknown.json()["error"]["code"] == "2"


def test_answers_kept_for_others_are_never_served_to_svm1(world: World) -> None:
    cache = world.app.responses
    assert cache is not None, "the response cache is on by default"
    paths = [f"{p}?fields=*" for p in COLLECTIONS]
    with (
        world.client("admin") as admin,
        world.client("vs2") as vs2,
        world.client("admin", headers={"X-Dot-SVM-Name": "svm2"}) as tunnel,
        world.client("vs1") as vs1,
    ):
        for path in paths:  # primed twice each, so they are surely kept
            for other in (admin, vs2, tunnel):
                assert other.get(path).status_code == 200
                assert other.get(path).status_code == 200
        kept = cache.hits
        assert kept >= len(paths) * 3  # the second of each pair was a hit
        for path in paths:
            first = vs1.get(path)
            assert first.status_code == 200
            assert_clean(world, first.text)
        assert cache.hits == kept  # none of those was another account's answer
        again = vs1.get(paths[0])  # svm1's own answer is kept for it, though
        assert cache.hits == kept + 1 and again.content == vs1.get(paths[0]).content
    # the cluster's view is still whole for the admin after all that
    with world.client("admin") as admin:
        listed = admin.get(paths[0]).json()
        assert listed["num_records"] == 7
        assert urlsplit(listed["_links"]["self"]["href"]).path == CERTS


def test_svm2_account_sees_svm2_only_and_admin_tunnels_each(world: World) -> None:
    with world.client("vs2") as vs2:
        names = {r["name"] for r in vs2.get(CERTS, params={"fields": "name"}).json()["records"]}
        assert names == {"c2", "d2", "a2"}
    for svm, expected in (("svm1", {"c1", "d1", "a1"}), ("svm2", {"c2", "d2", "a2"})):
        with world.client("admin", headers={"X-Dot-SVM-Name": svm}) as tunnel:
            got = tunnel.get(CERTS, params={"fields": "name"}).json()["records"]
            assert {r["name"] for r in got} == expected
    svm_uuid = world.svm2
    with world.client("admin", headers={"X-Dot-SVM-UUID": svm_uuid}) as tunnel:
        made = tunnel.post(CERTS, json={"type": "root_ca", "common_name": "tunnelled"})
        assert made.status_code == 201
        where = made.headers["location"]
    from ontap_ipsec.inprocess import client

    with client(world.app, auth=AUTH) as admin:
        record = admin.get(where, params={"fields": "svm.name,scope"}).json()
        assert record["svm"]["name"] == "svm2" and record["scope"] == "svm"


def test_metrics_which_span_every_svm_are_for_cluster_accounts(world: World) -> None:
    with world.client("vs1") as vs1, world.client("ro") as ro:
        refused = vs1.get("/metrics")
        assert refused.status_code == 403 and "svm2" not in refused.text
        assert ro.get("/metrics").status_code == 200


def test_what_svm1_makes_lands_in_svm1_and_bulk_changes_skip_svm2(world: World) -> None:
    from tests.ipsec_policies.conftest import psk_body

    with world.client("vs1") as vs1:
        cert = vs1.post(CERTS, json={"type": "root_ca", "common_name": "mine"})
        policy = vs1.post(POLICIES, json=psk_body("mine"))
        entry = vs1.post(CAS, json={"certificate": {"uuid": world.ids["a1"]}})
        assert cert.status_code == policy.status_code == entry.status_code == 201
        assert vs1.post(CAS, json={"certificate": {"uuid": world.ids["a2"]}}).status_code == 400
        # a query-based DELETE and PATCH select among svm1's records only
        gone = vs1.delete(CERTS, params={"name": "d2|d1"})
        assert gone.json() == {"num_records": 1}
        patched = vs1.patch(POLICIES, params={"name": "*"}, json={"enabled": False})
        assert patched.status_code == 200
    with world.client("admin") as admin:
        for where in (cert, policy):
            record = admin.get(where.headers["location"], params={"fields": "svm.name"}).json()
            assert record["svm"]["name"] == "svm1"
        listed = admin.get(f"{CAS}/{world.ids['a1']}", params={"fields": "svm.name"}).json()
        assert listed["svm"]["name"] == "svm1"
        assert admin.get(f"{CERTS}/{world.ids['d2']}").status_code == 200
        assert admin.get(f"{CERTS}/{world.ids['d1']}").status_code == 404
        enabled = admin.get(POLICIES, params={"fields": "name,enabled"}).json()["records"]
        assert {r["name"]: r["enabled"] for r in enabled} == {
            "p1": False,
            "mine": False,
            "p2": True,
            "pc": True,
        }


def test_an_svm_renamed_is_its_accounts_by_its_new_name(world: World) -> None:
    with world.client("vs1") as vs1, world.client("admin") as admin:
        assert vs1.get(CERTS).status_code == 200  # its credential is remembered now
        renamed = admin.patch(f"/api/svm/svms/{world.svm1}", json={"name": "svm1new"})
        assert renamed.status_code == 202
        made = vs1.post(CERTS, json={"type": "root_ca", "common_name": "after"})
        assert made.status_code == 201
        record = admin.get(made.headers["location"], params={"fields": "svm.name"}).json()
        assert record["svm"]["name"] == "svm1new"
    with world.client("vs1", headers={"X-Dot-SVM-Name": "svm1new"}) as named:
        assert named.get(CERTS).json()["num_records"] == 4
    with world.client("vs1", headers={"X-Dot-SVM-Name": "svm1"}) as old_name:
        assert old_name.get(CERTS).status_code == 400
