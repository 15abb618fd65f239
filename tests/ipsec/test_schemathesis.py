"""Property-based API tests with Schemathesis against the served OpenAPI document.

Every operation of /docs/api/openapi.json is driven in-process (ASGI) with
generated requests, authenticated as admin: no answer may be a 5xx and every
answer must match the schema the document declares for it. Each operation gets
a fresh app seeded with SVMs, certificates and IPsec entries, and path
parameters are often replaced by the uuids of that seed, so positive paths are
reached as well as 404s. Runs are derandomized (reproducible in CI) and bounded.
"""

from __future__ import annotations

import copy
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from ontap_ipsec.app import OntapApp
from ontap_ipsec.inprocess import client as inprocess_client
from tests.api.helpers import basic
from tests.conftest import ADMIN_PASSWORD, AUTH, app_on, fresh_app
from tests.ipsec.conftest import (
    IPSEC,
    build_world,
    install_ca,
)
from tests.requirements import require

schemathesis = require("schemathesis", "schemathesis is in the test extra")
require("hypothesis", "hypothesis is in the test extra")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import response_schema_conformance  # noqa: E402

POSITIVE_EXAMPLES = int(os.environ.get("ONTAP_IPSEC_SCHEMATHESIS_EXAMPLES", "20"))
NEGATIVE_EXAMPLES = max(1, POSITIVE_EXAMPLES * 3 // 5)
HEADERS = {"Authorization": basic("admin", ADMIN_PASSWORD)}
CHECKS = [not_a_server_error, response_schema_conformance]


@dataclass
class Seed:
    data_dir: Path  # a data dir with the seed, copied for every operation
    known: dict[str, list[str]]  # uuids by kind, the same in every copy
    document: dict[str, Any]  # the served OpenAPI document, adapted for Schemathesis


@pytest.fixture(scope="module")
def seed(template_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Seed:
    """SVMs, certificates (listed and not) and jobs, built once through the API."""
    where = tmp_path_factory.mktemp("st-seed")
    app = fresh_app(template_data_dir, where)
    try:
        with inprocess_client(app, auth=AUTH) as api:
            world = build_world(api, {None: 2, "vs1": 2, "vs2": 1}, unlisted=1)
            jobs = api.get("/api/cluster/jobs").json()["records"]
            response = api.get("/docs/api/openapi.json")
        assert response.status_code == 200
    finally:
        app.ctx.store.dispose()
    known = {
        "certificate": sorted(world.certs.values()),
        "svm": sorted(world.svms.values()),
        "job": [j["uuid"] for j in jobs],
    }
    return Seed(where / "data", known, adapt(response.json()))


def adapt(document: dict[str, Any]) -> dict[str, Any]:
    """Rename the dotted path parameters (`certificate.uuid`, sign's `ca.uuid`) with `_`.

    The name is ONTAP's own (its reference uses it) and valid OpenAPI, but
    Schemathesis fills path templates with `str.format`, which reads the dot as
    attribute access (KeyError 'certificate'), so the test renames it.
    """
    paths = {}
    for path, item in document["paths"].items():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path" and "." in parameter["name"]:
                    parameter["name"] = parameter["name"].replace(".", "_")
        paths[re.sub(r"\{([^}]*)\}", lambda m: "{" + m.group(1).replace(".", "_") + "}", path)] = (
            item
        )
    document["paths"] = paths
    return document


def endpoints(document: dict[str, Any]) -> list[tuple[str, str]]:
    """(METHOD, path) of every operation the document declares."""
    return [(m.upper(), path) for path, item in document["paths"].items() for m in item]


def operation_of(document: dict[str, Any], app: OntapApp, method: str, path: str) -> Any:
    schema = schemathesis.openapi.from_dict(copy.deepcopy(document))
    schema.app = app
    return schema[path][method]


def path_choices(path: str, known: dict[str, list[str]]) -> list[str]:
    if path.startswith(("/api/security/certificates", IPSEC)):
        return known["certificate"]
    if path.startswith("/api/svm/svms"):
        return known["svm"]
    if path.startswith("/api/cluster/jobs"):
        return known["job"]
    return []


def test_the_document_covers_every_ipsec_operation(seed: Seed) -> None:
    assert {
        f"GET {IPSEC}",
        f"POST {IPSEC}",
        f"DELETE {IPSEC}",
        f"GET {IPSEC}/{{certificate_uuid}}",
        f"DELETE {IPSEC}/{{certificate_uuid}}",
    } <= {f"{method} {path}" for method, path in endpoints(seed.document)}


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_operation_answers_without_5xx_and_matches_its_schema(
    seed: Seed, tmp_path: Path, mode: GenerationMode
) -> None:
    """Each operation on its own copy of the seed, so destructive ones do not starve the rest."""
    failures: list[str] = []
    assert len(endpoints(seed.document)) >= 5
    for index, (method, path) in enumerate(endpoints(seed.document)):
        data = tmp_path / f"op{index}" / "data"
        shutil.copytree(seed.data_dir, data)
        with app_on(data) as app:
            operation = operation_of(seed.document, app, method, path)
            failures += run_operation(operation, seed.known, mode)
    assert not failures, "\n\n".join(failures)


def run_operation(operation: Any, known: dict[str, list[str]], mode: GenerationMode) -> list[str]:
    strategy = operation.as_strategy(generation_mode=mode)
    choices = path_choices(operation.path, known)

    @settings(
        max_examples=POSITIVE_EXAMPLES if mode == GenerationMode.POSITIVE else NEGATIVE_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy, data=st.data())
    def run(case: Any, data: Any) -> None:
        for name in list(case.path_parameters or {}):
            if choices and data.draw(st.booleans()):
                case.path_parameters[name] = data.draw(st.sampled_from(choices))
        response = case.call(headers=HEADERS)
        case.validate_response(response, checks=CHECKS)

    try:
        run()
    except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - report every operation
        return [f"{operation.label} [{mode.value}]: {exc}"]
    return []


def test_found_by_schemathesis_empty_fields_on_cluster_is_not_a_server_error(
    api: httpx.Client,
) -> None:
    """`GET /api/cluster?fields=` answered 500 (SQL with an empty select list)."""
    for query in ("fields=", "fields=,"):
        response = api.get(f"/api/cluster?{query}")
        assert response.status_code < 500, (query, response.text)
        assert response.status_code == 200 or set(response.json()) == {"error"}


# ---------------------------------------------------------------------------
# The stateful chain, explicitly: POST -> GET -> DELETE -> GET


@pytest.mark.parametrize("svm", ["vs1", None])
def test_post_get_delete_get_chain(api: httpx.Client, svm: str | None) -> None:
    if svm:
        api.post("/api/svm/svms", json={"name": svm})
    uuid = install_ca(api, "chain", svm)
    body: dict[str, Any] = {"certificate": {"uuid": uuid}}
    if svm:
        body["svm"] = {"name": svm}
    created = api.post(IPSEC, json=body)
    assert created.status_code == 201
    location = created.headers["location"]
    assert location == f"{IPSEC}/{uuid}"
    got = api.get(location)
    assert got.status_code == 200
    assert got.json()["certificate"]["uuid"] == uuid
    assert got.json()["scope"] == ("svm" if svm else "cluster")
    deleted = api.delete(location)
    assert deleted.status_code == 200
    assert deleted.json() == {}
    gone = api.get(location)
    assert gone.status_code == 404
    assert gone.json() == {
        "error": {"message": "entry doesn't exist", "code": "4", "target": "uuid"}
    }
    assert api.get(f"{IPSEC}?certificate.uuid={uuid}").json()["num_records"] == 0
