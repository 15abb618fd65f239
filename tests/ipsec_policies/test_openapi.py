"""The served OpenAPI document covers /api/security/ipsec and its policies, and Schemathesis
drives every IPsec operation against a seed that holds policies (PSK, PKI, bypass; SVM
and cluster scope), its path parameters often the seed's own uuids: never a 5xx, every
answer as the document declares it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest

from ontap_ipsec.inprocess import client as inprocess_client
from ontap_ipsec.resources.ipsec_policies import resource as policy_resource
from tests.conftest import AUTH, app_on, fresh_app
from tests.ipsec.test_schemathesis import CHECKS, HEADERS, adapt, endpoints, operation_of
from tests.ipsec_policies.conftest import (
    CONFIG,
    POLICIES,
    create,
    install_leaf,
    make_svm,
    pki_body,
    psk_body,
)
from tests.requirements import require

schemathesis = require("schemathesis", "schemathesis is in the test extra")
require("hypothesis", "hypothesis is in the test extra")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402

EXAMPLES = int(os.environ.get("ONTAP_IPSEC_SCHEMATHESIS_EXAMPLES", "20")) * 3


@pytest.fixture(scope="module")
def seeded(
    template_data_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, list[str], dict[str, Any]]:
    where = tmp_path_factory.mktemp("policies-seed")
    app = fresh_app(template_data_dir, where)
    try:
        with inprocess_client(app, auth=AUTH) as api:
            make_svm(api, "vs1")
            install_leaf(api, "leaf", "vs1")
            uuids = [
                create(api, psk_body("psk")),
                create(api, psk_body("psk", svm="vs1", protocol="tcp")),
                create(api, pki_body({"name": "leaf"}, "pki", svm="vs1")),
                create(api, psk_body("bypass", action="bypass")),
            ]
            document = api.get("/docs/api/openapi.json").json()
    finally:
        app.ctx.store.dispose()
    return where / "data", uuids, adapt(document)


def test_the_document_has_both_endpoints(seeded: tuple[Path, list[str], Any]) -> None:
    document = seeded[2]
    assert {
        f"GET {CONFIG}",
        f"PATCH {CONFIG}",
        f"GET {POLICIES}",
        f"POST {POLICIES}",
        f"PATCH {POLICIES}",
        f"DELETE {POLICIES}",
        f"GET {POLICIES}/{{uuid}}",
        f"PATCH {POLICIES}/{{uuid}}",
        f"DELETE {POLICIES}/{{uuid}}",
    } <= {f"{m} {p}" for m, p in endpoints(document)}
    params = {p["name"] for p in document["paths"][POLICIES]["get"]["parameters"]}
    assert [n for n in policy_resource.gettable_names if n not in params] == []
    assert "secret_key" not in params and "ppk.shared_key" not in params
    post = document["paths"][POLICIES]["post"]["requestBody"]["content"]["application/json"]
    body = post["schema"]
    assert body["required"] == ["name", "local_endpoint", "remote_endpoint"]
    assert body["properties"]["local_endpoint"]["required"] == ["address"]
    patch = document["paths"][f"{POLICIES}/{{uuid}}"]["patch"]["requestBody"]["content"]
    patchable = set(patch["application/json"]["schema"]["properties"])
    assert patchable == {
        "enabled",
        "certificate",
        "certificate_modify_keepsa",
        "local_endpoint",
        "remote_endpoint",
        "protocol",
        "local_identity",
        "remote_identity",
        "ppk",
    }
    record = document["components"]["schemas"]["ipsec_policy"]["properties"]
    assert "_links" not in record and "_links" in record["svm"]["properties"]
    assert record["action"]["enum"] == ["bypass", "discard", "esp_transport", "esp_udp"]
    config = document["components"]["schemas"]["ipsec"]["properties"]
    assert config["replay_window"]["enum"] == ["0", "64", "128", "256", "512", "1024"]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_ipsec_operation_answers_without_5xx_and_matches_its_schema(
    seeded: tuple[Path, list[str], Any], tmp_path: Path, mode: GenerationMode
) -> None:
    data_dir, uuids, document = seeded
    failures: list[str] = []
    chosen = [(m, p) for m, p in endpoints(document) if p == CONFIG or p.startswith(POLICIES)]
    assert len(chosen) == 9
    for index, (method, path) in enumerate(chosen):
        data = tmp_path / f"op{index}" / "data"
        shutil.copytree(data_dir, data)
        with app_on(data) as app:
            operation = operation_of(document, app, method, path)
            failures += _run(operation, uuids, mode)
    assert not failures, "\n\n".join(failures)


def _run(operation: Any, uuids: list[str], mode: GenerationMode) -> list[str]:
    strategy = operation.as_strategy(generation_mode=mode)

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy, data=st.data())
    def run(case: Any, data: Any) -> None:
        for name in list(case.path_parameters or {}):
            if data.draw(st.booleans()):
                case.path_parameters[name] = data.draw(st.sampled_from(uuids))
        response = case.call(headers=HEADERS)
        case.validate_response(response, checks=CHECKS)

    try:
        run()
    except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - report every operation
        return [f"{operation.label} [{mode.value}]: {exc}"]
    return []


@pytest.mark.parametrize(
    "raw",
    [
        b'{"name": "x", "local_endpoint": {"address": 1, "netmask": 2}}',
        b'{"name": "x", "local_endpoint": {"address": "10.0.0.1", "netmask": []}}',
        b'{"name": "x", "local_endpoint": null, "remote_endpoint": null}',
        b'{"name": "x", "local_endpoint": {"address": "1.2.3.4", "netmask": "32"},'
        b' "remote_endpoint": {"address": "::ffff:1.2.3.4", "netmask": "128"}, "secret_key": ""}',
        b'{"name": "\\u0000", "local_endpoint.address": "1.1.1.1"}',
        b'{"name": "x", "local_endpoint": {"address": "1.2.3.4", "netmask": "32", "port":'
        b' "99999999999999999999"}, "remote_endpoint": {"address": "1.2.3.5", "netmask": "32"},'
        b' "secret_key": "a-pre-shared-key-long-enough"}',
        b'{"name": "x", "protocol": "00000000000000000000000000000000000006"}',
        b'{"name": "x", "certificate": {"uuid": 5}}',
        b'{"name": "x", "ipspace": "Default"}',
        b'{"name": "x", "svm": {"name": ["vs1"]}}',
        b'{"name": "x", "enabled": 1}',
        b'{"name": "x", "name": "y"}',
        b"[1, 2]",
        b"not json",
    ],
)
def test_hostile_bodies_get_4xx(api: httpx.Client, raw: bytes) -> None:
    for method, path in (("POST", POLICIES), ("PATCH", CONFIG)):
        response = api.request(method, path, content=raw)
        assert 400 <= response.status_code < 500, (method, response.text)
        assert set(response.json()) == {"error"}
    uuid = create(api, psk_body("target"))
    response = api.patch(f"{POLICIES}/{uuid}", content=raw)
    assert 400 <= response.status_code < 500, response.text
