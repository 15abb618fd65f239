"""The fuzz inputs as whole requests, through the ASGI app in-process: every method a
resource serves, on its collection or on an instance (a stored key, one that names
nothing, one holding NUL), with a fuzzed query string and body, authenticated as admin.

The property, per request: no 5xx; a 4xx answer is ONTAP's envelope (`error.message` and
`error.code` strings, `target` a string when present) and changed nothing (the store's
`data_version` is where it was; a query-based PATCH/DELETE is left out of that check,
since ONTAP's serial semantics keep the records changed before a failure).

Sizes: 1,000 requests in `make test`, 5,000 under `make reliability`.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from ontap_ipsec.app import OntapApp
from tests.api.helpers import basic
from tests.conftest import ADMIN_PASSWORD, fresh_app
from tests.reliability import fuzz_inputs as inputs
from tests.reliability.fuzz_world import RESOURCES, instance_keys, load, seeded_document
from tests.reliability.sizes import size
from tests.requirements import require

require("hypothesis", "hypothesis is in the test extra")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

TOTAL = size(1_000, 5_000)
PER_EXAMPLE = 4
AUTHORIZATION = basic("admin", ADMIN_PASSWORD).encode()
QUERIES = {res.name: inputs.query_strings(res) for res in RESOURCES}
BODIES = {res.name: inputs.body_bytes(res) for res in RESOURCES}


class Driver:
    """Whole ASGI requests on one event loop of its own, as a server hands them over."""

    def __init__(self, app: OntapApp) -> None:
        self.app = app
        self.loop = asyncio.new_event_loop()

    def request(self, method: str, path: str, query: bytes, body: bytes) -> tuple[int, bytes]:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode("utf-8", "surrogatepass"),
            "query_string": query,
            "root_path": "",
            "headers": [
                (b"authorization", AUTHORIZATION),
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
            "server": ("ontap.local", 80),
            "client": ("127.0.0.1", 50000),
        }
        pending = [{"type": "http.request", "body": body, "more_body": False}]
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return pending.pop() if pending else {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        self.loop.run_until_complete(self.app(scope, receive, send))
        start = next(m for m in sent if m["type"] == "http.response.start")
        content = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
        return start["status"], content

    def close(self) -> None:
        self.loop.close()


@pytest.fixture(scope="module")
def app(template_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OntapApp]:
    document = seeded_document(template_data_dir, tmp_path_factory.mktemp("asgi-seed"))
    application = fresh_app(template_data_dir, tmp_path_factory.mktemp("asgi-fuzz"))
    load(application, document)
    yield application
    application.close()


def domain_digest(app: OntapApp) -> bytes:
    """Every table's rows but the audit log's: a refused change is recorded there (that
    is the audit log's job) and must change nothing else."""
    database = app.ctx.store.engine.url.database
    digest = hashlib.blake2b()
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as conn:
        names = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                " AND name NOT LIKE 'audit%' ORDER BY name"
            )
        ]
        for name in names:
            digest.update(name.encode())
            for row in conn.execute(f'SELECT * FROM "{name}" ORDER BY rowid'):
                digest.update(repr(row).encode())
    return digest.digest()


def envelope_problem(content: bytes) -> str | None:
    """What is wrong with an error answer's body, or None for ONTAP's envelope."""
    try:
        body = json.loads(content)
        error = body["error"]
    except (ValueError, KeyError, TypeError):
        return "not an error envelope"
    if set(body) != {"error"} or not isinstance(error, dict):
        return "more than the envelope"
    if not (isinstance(error.get("message"), str) and isinstance(error.get("code"), str)):
        return "message and code must be strings"
    if "target" in error and not isinstance(error["target"], str):
        return "target must be a string"
    return None


def test_fuzzed_requests_get_answers_or_envelopes(app: OntapApp) -> None:
    keys = instance_keys(app)
    driver = Driver(app)
    store = app.ctx.store
    counts = {"requests": 0, "2xx": 0, "4xx": 0}
    problems: list[str] = []
    started = time.monotonic()

    @settings(
        max_examples=TOTAL // PER_EXAMPLE + 1,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data(), seed=st.integers(0, 2**32 - 1))
    def run(data: st.DataObject, seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(PER_EXAMPLE):
            resource = data.draw(st.sampled_from(RESOURCES), label="resource")
            scope, method = data.draw(st.sampled_from(sorted(resource.handlers)))
            path = resource.path
            if scope == "instance":
                own = keys.get(resource.name) or ["none"]
                path = resource.instance_href(
                    rng.choice([*own, *own, "2c8b1d9e-0000-4000-8000-000000000000", "a\x00b"])
                )
            query = data.draw(QUERIES[resource.name])
            body = data.draw(BODIES[resource.name]) if method in ("POST", "PATCH") else b""
            if method == "DELETE" and rng.random() < 0.2:
                body = rng.choice([b"{}", b"[]", b'{"a":1}', b"\xff"])
            before = store.version(), domain_digest(app) if method != "GET" else b""
            status, content = driver.request(method, path, query, body)
            counts["requests"] += 1
            label = f"{method} {path}?{query!r} body={body[:300]!r} -> {status} {content[:300]!r}"
            if status >= 500:
                problems.append(label)
            elif status >= 400:
                counts["4xx"] += 1
                problem = envelope_problem(content)
                if problem is not None:
                    problems.append(f"{problem}: {label}")
                bulk = scope == "collection" and method in ("PATCH", "DELETE")
                if not bulk and store.version() != before[0] and domain_digest(app) != before[1]:
                    problems.append(f"a refusal changed the state: {label}")
            else:
                counts["2xx"] += 1
            assert not problems, "\n".join(problems)

    try:
        run()
    finally:
        driver.close()
    elapsed = time.monotonic() - started
    print(f"\nASGI fuzz: {counts} in {elapsed:.1f} s")
    assert counts["requests"] >= TOTAL
    assert counts["2xx"] >= TOTAL // 50 and counts["4xx"] >= TOTAL // 5, counts
