"""/api/security/ipsec: GET and PATCH of the cluster's IPsec configuration."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from ontap_ipsec.app import OntapApp
from ontap_ipsec.domain import events as ev
from tests.ipsec_policies.conftest import CONFIG, listening, refused

DEFAULTS = {"enabled": False, "replay_window": "0", "offload_enabled": False}


def config(api: httpx.Client, **params: str) -> dict[str, object]:
    response = api.get(CONFIG, params=params)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_a_new_cluster_has_ipsec_disabled(any_api: httpx.Client) -> None:
    assert config(any_api) == {**DEFAULTS, "_links": {"self": {"href": CONFIG}}}
    assert config(any_api, fields="enabled,replay_window") == {
        "enabled": False,
        "replay_window": "0",
        "_links": {"self": {"href": CONFIG}},
    }
    no_hal = any_api.get(CONFIG, headers={"accept": "application/json"}).json()
    assert no_hal == DEFAULTS


def test_patch_changes_each_field_and_answers_200_empty(any_api: httpx.Client) -> None:
    response = any_api.patch(CONFIG, json={"enabled": True, "replay_window": "64"})
    assert (response.status_code, response.json()) == (200, {})
    assert config(any_api, fields="*") == {
        "enabled": True,
        "replay_window": "64",
        "offload_enabled": False,
        "_links": {"self": {"href": CONFIG}},
    }
    # netapp_ontap sends an integer; Ansible text; both are the same window
    assert any_api.patch(CONFIG, json={"replay_window": 1024}).status_code == 200
    assert config(any_api)["replay_window"] == "1024"
    assert any_api.patch(CONFIG + "?return_timeout=30", json={"enabled": "false"}).status_code == (
        200
    )
    assert config(any_api)["enabled"] is False


def test_offload_only_while_ipsec_is_disabled_and_never_with_anti_replay(
    any_api: httpx.Client,
) -> None:
    assert any_api.patch(CONFIG, json={"offload_enabled": True}).status_code == 200
    error = refused(any_api.patch(CONFIG, json={"replay_window": 64}), 400, "66256915")
    assert error["message"] == (
        "Anti-replay protection and IPsec offload cannot be operational at the same time."
    )
    assert any_api.patch(CONFIG, json={"enabled": True}).status_code == 200
    error = refused(any_api.patch(CONFIG, json={"offload_enabled": False}), 400, "66256913")
    assert error == {
        "message": "Offload setting changes are not allowed when IPsec is enabled.",
        "code": "66256913",
        "target": "offload_enabled",
    }
    assert config(any_api)["offload_enabled"] is True  # unchanged
    # the same value is no change
    assert any_api.patch(CONFIG, json={"offload_enabled": True}).status_code == 200
    assert any_api.patch(CONFIG, json={"enabled": False}).status_code == 200
    assert any_api.patch(CONFIG, json={"offload_enabled": False}).status_code == 200
    assert config(any_api) == {**DEFAULTS, "_links": {"self": {"href": CONFIG}}}


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"replay_window": 100}, "262185"),
        ({"replay_window": "100"}, "262185"),
        ({"replay_window": -64}, "262185"),
        ({"replay_window": True}, "262185"),
        ({"replay_window": None}, "262185"),
        ({"replay_window": 1.5}, "262185"),
        ({"enabled": "yes"}, "262185"),
        ({"enabled": None}, "262185"),
        ({"log_level": 2}, "262179"),
        ({"_links": {"self": {"href": "x"}}}, "262179"),
        ({}, "262190"),
        ([], "262199"),
    ],
)
def test_refused_patches_change_nothing(any_api: httpx.Client, body: object, code: str) -> None:
    refused(any_api.patch(CONFIG, json=body), 400, code)
    assert config(any_api) == {**DEFAULTS, "_links": {"self": {"href": CONFIG}}}


def test_an_invalid_window_names_the_values(api: httpx.Client) -> None:
    error = refused(api.patch(CONFIG, json={"replay_window": 100}), 400, "262185")
    assert error == {
        "message": '"100" is an invalid value for field "replay_window" (0|64|128|256|512|1024)',
        "code": "262185",
        "target": "replay_window",
    }


def test_only_get_and_patch(api: httpx.Client) -> None:
    assert api.post(CONFIG, json={}).status_code == 405
    assert api.delete(CONFIG).status_code == 405
    assert api.options(CONFIG).headers["allow"] == "GET, PATCH, HEAD, OPTIONS"
    assert refused(api.get(CONFIG + "?enabled=true"), 400, "262179")
    assert api.get(CONFIG + "?max_records=1").status_code == 200
    assert refused(api.get(CONFIG + "?fields=log_level"), 400, "262197")


def test_a_readonly_account_cannot_patch(app: OntapApp, api: httpx.Client) -> None:
    from ontap_ipsec import auth
    from ontap_ipsec.inprocess import client

    with app.ctx.store.write() as conn:
        auth.set_password(conn, "viewer", "viewer-pw-123", role="readonly")
    with client(app, auth=("viewer", "viewer-pw-123")) as viewer:
        assert viewer.get(CONFIG).status_code == 200
        refused(viewer.patch(CONFIG, json={"enabled": True}), 403, "6")
    assert config(api)["enabled"] is False


def test_a_patch_publishes_old_and_new(any_app: OntapApp, any_api: httpx.Client) -> None:
    with listening(any_app) as heard:
        any_api.patch(CONFIG, json={"enabled": True, "replay_window": 256})
        any_api.patch(CONFIG, json={"replay_window": 7})  # refused: nothing heard
    old = ev.IpsecConfigRecord(False, 0, False)
    assert heard == [ev.IpsecConfigModified(old, ev.IpsecConfigRecord(True, 256, False))]
    assert any_app.ctx.backends.ipsec_policies.config() == ev.IpsecConfigRecord(True, 256, False)


def test_the_reset_restores_a_new_clusters_configuration(
    any_app: OntapApp, any_api: httpx.Client
) -> None:
    any_api.patch(CONFIG, json={"offload_enabled": True})
    any_api.patch(CONFIG, json={"enabled": True})
    with listening(any_app) as heard:
        any_app.ctx.backends.reset()
    assert heard == [
        ev.IpsecConfigModified(
            ev.IpsecConfigRecord(True, 0, True), ev.IpsecConfigRecord(False, 0, False), "reset"
        )
    ]
    assert config(any_api) == {**DEFAULTS, "_links": {"self": {"href": CONFIG}}}
    with listening(any_app) as heard:
        any_app.ctx.backends.reset()
    assert heard == []  # already a new cluster's


@pytest.mark.parametrize("release", ["9.10.1", "9.15.1"])
def test_offload_is_unknown_before_9_16_1(
    release_api: Callable[[str], httpx.Client], release: str
) -> None:
    api = release_api(release)
    assert config(api) == {
        "enabled": False,
        "replay_window": "0",
        "_links": {"self": {"href": CONFIG}},
    }
    error = refused(api.patch(CONFIG, json={"offload_enabled": False}), 400, "262179")
    assert error["message"] == 'Unexpected argument "offload_enabled".'
    refused(api.get(CONFIG + "?fields=offload_enabled"), 400, "262197")
    assert api.patch(CONFIG, json={"enabled": True, "replay_window": 512}).status_code == 200
    document = api.get("/docs/api/openapi.json").json()
    assert set(document["components"]["schemas"]["ipsec"]["properties"]) == {
        "enabled",
        "replay_window",
        "_links",
    }


def test_offload_is_known_from_9_16_1(release_api: Callable[[str], httpx.Client]) -> None:
    api = release_api("9.16.1")
    assert config(api)["offload_enabled"] is False
    assert api.patch(CONFIG, json={"offload_enabled": True}).status_code == 200
    assert config(api)["offload_enabled"] is True
