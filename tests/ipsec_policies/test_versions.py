"""The IPsec endpoints in each release profile: both since 9.8 (so in every profile), the
post-quantum key from 9.17.1, certificate_modify_keepsa from 9.18.1, offload from 9.16.1."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from tests.ipsec_policies.conftest import CONFIG, POLICIES, PPK, create, policy, psk_body, refused


@pytest.mark.parametrize("release", ["9.10.1", "9.16.1"])
def test_before_9_17_1_there_is_no_post_quantum_key(
    release_api: Callable[[str], httpx.Client], release: str
) -> None:
    api = release_api(release)
    uuid = create(api, psk_body())
    got = policy(api, uuid)
    assert "ppk" not in got and "certificate_modify_keepsa" not in got
    assert got["authentication_method"] == "psk"
    with_ppk = psk_body("p2", ppk={"identity": "i", "shared_key": PPK})
    error = refused(api.post(POLICIES, json=with_ppk), 400, "262179")
    assert error["message"] == 'Unexpected argument "ppk.identity".'
    refused(api.post(POLICIES, json=psk_body("p3", certificate_modify_keepsa=True)), 400, "262179")
    refused(api.get(POLICIES + "?fields=ppk.identity"), 400, "262197")
    refused(api.get(POLICIES + "?ppk.identity=x"), 400, "262179")
    refused(api.patch(f"{POLICIES}/{uuid}", json={"ppk": {"identity": "x"}}), 400, "262179")
    document = api.get("/docs/api/openapi.json").json()
    properties = document["components"]["schemas"]["ipsec_policy"]["properties"]
    assert "ppk" not in properties and "certificate_modify_keepsa" not in properties
    assert api.get(CONFIG).status_code == 200


def test_9_17_1_has_the_post_quantum_key_but_not_keepsa(
    release_api: Callable[[str], httpx.Client],
) -> None:
    api = release_api("9.17.1")
    uuid = create(api, psk_body(ppk={"identity": "i", "shared_key": PPK}))
    got = policy(api, uuid)
    assert got["ppk"] == {"identity": "i"} and "certificate_modify_keepsa" not in got
    refused(api.post(POLICIES, json=psk_body("p2", certificate_modify_keepsa=True)), 400, "262179")


def test_the_newest_release_has_everything(release_api: Callable[[str], httpx.Client]) -> None:
    api = release_api("9.18.1")
    uuid = create(
        api, psk_body(ppk={"identity": "i", "shared_key": PPK}, certificate_modify_keepsa=True)
    )
    got = policy(api, uuid)
    assert got["ppk"] == {"identity": "i"} and got["certificate_modify_keepsa"] is True
    assert "offload_enabled" in api.get(CONFIG).json()
    document = api.get("/docs/api/openapi.json").json()
    assert {POLICIES, f"{POLICIES}/{{uuid}}", CONFIG} <= set(document["paths"])
    assert set(document["paths"][CONFIG]) == {"get", "patch"}
    assert set(document["paths"][POLICIES]) == {"get", "post", "patch", "delete"}
    assert set(document["paths"][f"{POLICIES}/{{uuid}}"]) == {"get", "patch", "delete"}
