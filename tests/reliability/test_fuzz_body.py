"""Fuzzing the body decoder: JSON bodies (and bytes that are not JSON) for every body a
resource declares, through `parse_body`, as a POST or PATCH handler calls it.

The bodies are built from each declaration: its fields, dotted or nested, of their own
type and of every other, near their length limits, twice, with deep nesting, numbers past
64 bits or past any float, NUL, lone UTF-16 surrogates as escapes and as bytes UTF-8
refuses; then mutated bytewise. The property: only a 4xx OntapError ever comes out.

Sizes: 20,000 inputs in `make test`, 1,000,000 under `make reliability`.
"""

from __future__ import annotations

import random
import time

from tests.reliability import fuzz_inputs as inputs
from tests.reliability.fuzz_world import Tally, body_targets, run_body
from tests.reliability.sizes import size
from tests.requirements import require

require("hypothesis", "hypothesis is in the test extra")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

TOTAL = size(20_000, 1_000_000)
BUILT = 2
MUTANTS = 99
TARGETS = body_targets()
STRATEGIES = {label: inputs.body_bytes(res) for label, res, _op in TARGETS}


def test_the_targets_cover_every_declared_body() -> None:
    labels = {label for label, _r, _o in TARGETS}
    assert {
        "POST /api/svm/svms (collection)",
        "PATCH /api/svm/svms (instance)",
        "POST /api/security/certificates (collection)",
        "POST /api/security/certificates/{}/sign",
        "POST /api/security/ipsec/ca-certificates (collection)",
        "POST /api/security/ipsec/policies (collection)",
        "PATCH /api/security/ipsec/policies (instance)",
        "PATCH /api/security/ipsec (collection)",
        "PATCH /api/cluster (collection)",
        "POST /api/security/certificate-signing-request (collection)",
    } <= labels, sorted(labels)


def test_bodies_meet_only_refusals() -> None:
    tally = Tally()
    started = time.monotonic()

    @settings(
        max_examples=TOTAL // (BUILT * (MUTANTS + 1)) + 1,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data(), seed=st.integers(0, 2**32 - 1))
    def run(data: st.DataObject, seed: int) -> None:
        label, resource, operation = data.draw(st.sampled_from(TARGETS), label="target")
        built = data.draw(st.lists(STRATEGIES[label], min_size=BUILT, max_size=BUILT))
        rng = random.Random(seed)
        for raw in built:
            for variant in [raw, *inputs.mutations(raw, rng, MUTANTS, inputs.JSON_TOKENS)]:
                run_body(resource, operation, variant, tally)
        assert not tally.escaped, "\n\n".join(tally.escaped)

    run()
    elapsed = time.monotonic() - started
    print(
        f"\nbody fuzz: {tally.inputs} inputs in {elapsed:.1f} s "
        f"({tally.answered} accepted, {tally.refused} refused, {tally.escapes} escaped)"
    )
    assert tally.inputs >= TOTAL
    assert tally.answered >= TOTAL // 50 and tally.refused >= TOTAL // 20, tally
