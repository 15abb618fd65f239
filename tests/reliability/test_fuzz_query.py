"""Fuzzing ONTAP's query language: query strings, as bytes a client could send, through what
a request runs for them.

Each input goes through one operation of one resource: a GET runs its handler (the query
parsed, the projection, the filters compiled and run on the database, the records
rendered), a POST, PATCH or DELETE parses its query (a query-based PATCH or DELETE also
selects its records in SQL). The property: nothing but the project's refusals ever comes
out (fuzz_world.REFUSALS, each a 4xx envelope on the wire). A sample of the GETs runs on
PostgreSQL too, on the same records, and must be answered there exactly as on SQLite.

Sizes: 20,000 inputs in `make test`, 1,000,000 under `make reliability` (sizes.py); the
count actually run is printed and checked.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ontap_ipsec.app import OntapApp
from tests.conftest import app_on, fresh_app
from tests.reliability import fuzz_inputs as inputs
from tests.reliability.fuzz_world import (
    RESOURCES,
    Tally,
    instance_keys,
    load,
    run_get,
    run_query,
    seeded_document,
)
from tests.reliability.sizes import size
from tests.requirements import require

require("hypothesis", "hypothesis is in the test extra")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

TOTAL = size(20_000, 1_000_000)
MUTANTS = 99  # variants of each built query string: 100 inputs per string
BUILT = 2  # query strings built per example
PG_SAMPLE = size(400, 20_000)
STRATEGIES = {res.name: inputs.query_strings(res) for res in RESOURCES}
SETTINGS = {
    "derandomize": True,
    "database": None,
    "deadline": None,
    "suppress_health_check": list(HealthCheck),
}


@pytest.fixture(scope="module")
def document(template_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    return seeded_document(template_data_dir, tmp_path_factory.mktemp("fuzz-seed"))


@pytest.fixture(scope="module")
def sqlite_app(
    document: str, template_data_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[OntapApp]:
    app = fresh_app(template_data_dir, tmp_path_factory.mktemp("fuzz-sqlite"))
    load(app, document)
    yield app
    app.ctx.store.dispose()


def examples_for(total: int, per_example: int) -> int:
    return total // per_example + 1


def test_query_strings_meet_only_refusals(sqlite_app: OntapApp) -> None:
    keys = instance_keys(sqlite_app)
    assert sum(len(v) for v in keys.values()) >= 15, keys  # the seed is there to be read
    tally = Tally()
    started = time.monotonic()

    @settings(max_examples=examples_for(TOTAL, BUILT * (MUTANTS + 1)), **SETTINGS)
    @given(data=st.data(), seed=st.integers(0, 2**32 - 1))
    def run(data: st.DataObject, seed: int) -> None:
        resource = data.draw(st.sampled_from(RESOURCES), label="resource")
        built = data.draw(st.lists(STRATEGIES[resource.name], min_size=BUILT, max_size=BUILT))
        rng = random.Random(seed)
        own = keys.get(resource.name, [])
        for raw in built:
            for variant in [raw, *inputs.mutations(raw, rng, MUTANTS, inputs.QUERY_TOKENS)]:
                run_query(sqlite_app, resource, variant, rng.randrange(1 << 30), own, tally)
        assert not tally.escaped, "\n\n".join(tally.escaped)

    run()
    elapsed = time.monotonic() - started
    print(
        f"\nquery fuzz: {tally.inputs} inputs in {elapsed:.1f} s "
        f"({tally.answered} answered, {tally.refused} refused, {tally.escapes} escaped)"
    )
    assert tally.inputs >= TOTAL
    # Both outcomes are reached in numbers: the inputs are neither all garbage nor all tame.
    assert tally.answered >= TOTAL // 50 and tally.refused >= TOTAL // 20, tally


@pytest.mark.postgres
def test_a_sample_is_answered_alike_on_postgresql(
    sqlite_app: OntapApp, document: str, pg_url: str, tmp_path: Path
) -> None:
    keys = instance_keys(sqlite_app)
    compared = answered = 0
    differences: list[str] = []
    with app_on(tmp_path / "data", pg_url) as pg_app:
        load(pg_app, document)
        assert instance_keys(pg_app) == keys

        @settings(max_examples=examples_for(PG_SAMPLE, 4), **SETTINGS)
        @given(data=st.data(), seed=st.integers(0, 2**32 - 1))
        def run(data: st.DataObject, seed: int) -> None:
            nonlocal compared, answered
            readable = [r for r in RESOURCES if ("collection", "GET") in r.handlers]
            resource = data.draw(st.sampled_from(readable), label="resource")
            raw = data.draw(STRATEGIES[resource.name])
            rng = random.Random(seed)
            for variant in [raw, *inputs.mutations(raw, rng, 3, inputs.QUERY_TOKENS)]:
                on_sqlite = run_get(sqlite_app, resource, variant, None)
                on_pg = run_get(pg_app, resource, variant, None)
                compared += 1
                answered += on_sqlite[0] == "answered"
                if on_sqlite != on_pg and len(differences) < 5:
                    differences.append(
                        f"GET {resource.path}?{variant!r}\n  sqlite: {on_sqlite}\n  pg: {on_pg}"
                    )

        run()
    print(f"\nquery fuzz on PostgreSQL: {compared} inputs compared, {answered} answered")
    assert not differences, "\n\n".join(differences)
    assert compared >= PG_SAMPLE
    assert answered >= PG_SAMPLE // 20
