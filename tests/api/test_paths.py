"""Paths as clients write them: repeated slashes are one slash, as ONTAP takes them.

na_ontap_rest_info follows `_links.next` by asking "api/" + the link without "/api", which is
"/api//security/..."; on ONTAP that is the same collection.
"""

from __future__ import annotations

import httpx
import pytest

from tests.api.helpers import SVMS, make_svms


@pytest.mark.parametrize(
    "path", ["/api//svm/svms", "/api/svm//svms", "/api///svm/svms", "/api//svm//svms"]
)
def test_repeated_slashes_name_the_collection(api: httpx.Client, path: str) -> None:
    make_svms(api, ["vs1"])
    response = api.get(f"{path}?fields=name")
    assert response.status_code == 200, response.text
    assert [r["name"] for r in response.json()["records"]] == ["vs1"]
    assert response.json()["_links"]["self"]["href"] == f"{SVMS}?fields=name"


def test_repeated_slashes_reach_an_instance_and_its_methods(api: httpx.Client) -> None:
    uuid = make_svms(api, ["vs1"])["vs1"]
    assert api.get(f"/api//svm/svms//{uuid}").json()["name"] == "vs1"
    assert api.patch(f"/api//svm/svms/{uuid}", json={"comment": "c"}).status_code == 202
    assert api.get(f"{SVMS}/{uuid}?fields=comment").json()["comment"] == "c"


def test_a_next_link_followed_the_way_rest_info_does(api: httpx.Client) -> None:
    make_svms(api, ["a", "b", "c"])
    names: list[str] = []
    response = api.get(f"{SVMS}?max_records=1&fields=name")
    while True:
        assert response.status_code == 200, response.text
        body = response.json()
        names += [r["name"] for r in body["records"]]
        following = body["_links"].get("next")
        if following is None:
            break
        assert following["href"].startswith("/api/svm/svms?")  # canonical, not compounded
        response = api.get("/api/" + following["href"].replace("/api", ""))
    assert sorted(names) == ["a", "b", "c"]
