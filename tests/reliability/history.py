"""Is a history of one key's operations explained by some serial order of them?

Each operation happened at one instant between the moment its request was sent and the
moment its answer was read (the server applies a change in one transaction), so an order
is valid when it keeps real time (an operation answered before another was sent comes
first) and every answer is what the state allowed at that point: a `Step`'s `pre` is the
state its answer says there was (None: any), its `post` the state it leaves (None: as it
was). The search is the usual one for linearizability (Wing and Gong's): place, one at a
time, any operation sent before every unplaced one was answered, and backtrack; states
already visited are not tried twice, so with a few clients in flight it stays small.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    start: float
    end: float
    pre: bool | None
    post: bool | None
    label: str = ""


def serializable(steps: list[Step], *, initial: bool, final: bool) -> bool:
    """Whether some valid order of `steps`, from `initial`, ends in `final`."""
    ordered = sorted(steps, key=lambda s: s.start)
    n = len(ordered)
    # (every step before `k` is placed, the placed ones from k on, the state)
    stack: list[tuple[int, frozenset[int], bool]] = [(0, frozenset(), initial)]
    seen: set[tuple[int, frozenset[int], bool]] = set()
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        k, placed, state = node
        if k == n:
            if state == final:
                return True
            continue
        horizon = float("inf")  # the earliest answer among the unplaced steps
        for i in range(k, n):
            if ordered[i].start > horizon:
                break
            if i not in placed:
                horizon = min(horizon, ordered[i].end)
        for i in range(k, n):
            step = ordered[i]
            if step.start > horizon:
                break
            if i in placed or (step.pre is not None and step.pre != state):
                continue
            now_placed, nk = placed | {i}, k
            while nk in now_placed:
                now_placed, nk = now_placed - {nk}, nk + 1
            stack.append((nk, now_placed, state if step.post is None else step.post))
    return False
