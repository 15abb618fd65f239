"""Best of interleaved rounds: other load on a shared machine only ever slows a run down."""

from __future__ import annotations

from typing import Any

from .context import Ctx
from .wrk import wrk


class Best:
    """The best (highest `metric`) run of each key, and every run's figure, rounded."""

    def __init__(self, metric: str) -> None:
        self.metric = metric
        self.best: dict[str, dict[str, Any]] = {}
        self.runs: dict[str, list[float]] = {}

    def add(self, key: str, run: dict[str, Any]) -> None:
        self.runs.setdefault(key, []).append(round(run[self.metric], 1))
        if key not in self.best or run[self.metric] > self.best[key][self.metric]:
            self.best[key] = run


def interleaved(c: Ctx, targets: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """wrk on each target in turn, `c.rounds` times; each keeps its best (fastest) run.

    The machine is shared: other load only ever slows a run down, so the best
    of interleaved rounds is the least disturbed figure of each, and the rounds
    spread any disturbance over every target alike.
    """
    kept = Best("rps")
    for round_no in range(c.rounds):
        for key, kwargs in targets.items():
            kept.add(key, wrk(c, warmup=round_no == 0, **kwargs))
    return {key: {**run, "runs_rps": kept.runs[key]} for key, run in kept.best.items()}
