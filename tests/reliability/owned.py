"""IPsec CA entries each written by one client thread only, and what each must be.

Each client owns a set of installed CA certificates and is the only one to POST or
DELETE their IPsec entries, one request at a time. Its operations on a key are therefore
totally ordered, and after each answer the entry's expected state is exact:

- 201 to a POST: present; 200 to a DELETE: absent (acknowledged writes);
- 409 duplicate (code 1) to a POST: it was present; 404 "not installed for IPsec"
  (66257298) to a DELETE: it was absent; contradicting the expectation is a violation
  (a ghost or a lost write seen while serving);
- no complete answer (the server was killed, the connection dropped) or a 503: "either",
  the write may or may not have landed; the next read of the entry settles it. A
  request that found no server to connect to was never sent: nothing changes.

`settle` compares what a restarted server lists with those expectations.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from tests.reliability.load import IPSEC, Op, ca_pems, call, create_svm, install_ca

PRESENT, ABSENT, EITHER = "present", "absent", "either"
DUPLICATE = "1"
NOT_LISTED = "66257298"


@dataclass
class Owned:
    """One client's keys: certificate uuid -> (SVM name or None, expected state)."""

    worker: int
    scopes: dict[str, str | None]
    expected: dict[str, str] = field(default_factory=dict)
    ops: list[Op] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        for key in self.scopes:
            self.expected.setdefault(key, ABSENT)

    def one(self, http: httpx.Client, rng: random.Random) -> Op:
        """POST or DELETE one entry (mostly the one that changes it) and record it."""
        key = rng.choice(sorted(self.scopes))
        state = self.expected[key]
        adding = rng.random() < (0.85 if state == ABSENT else 0.15 if state == PRESENT else 0.5)
        if adding:
            body: dict[str, object] = {"certificate": {"uuid": key}}
            if self.scopes[key] is not None:
                body["svm"] = {"name": self.scopes[key]}
            op = call(http, self.worker, "add", key, "POST", IPSEC, json=body)
        else:
            op = call(http, self.worker, "remove", key, "DELETE", f"{IPSEC}/{key}")
        self.record(op)
        return op

    def record(self, op: Op) -> None:
        self.ops.append(op)
        key, before = op.key, self.expected[op.key]
        if op.error == "ConnectError":
            return  # no connection was made: the request was never sent
        if op.status is None or op.status == 503:
            self.expected[key] = EITHER
        elif op.kind == "add" and op.status == 201:
            self.expected[key] = PRESENT
        elif op.kind == "remove" and op.status == 200:
            self.expected[key] = ABSENT
        elif op.kind == "add" and op.status == 409 and op.code == DUPLICATE:
            if before == ABSENT:
                self.violations.append(f"{key}: POST said duplicate, but it was removed ({op})")
            self.expected[key] = PRESENT
        elif op.kind == "remove" and op.status == 404 and op.code == NOT_LISTED:
            if before == PRESENT:
                self.violations.append(f"{key}: DELETE said not listed, but it was added ({op})")
            self.expected[key] = ABSENT
        else:
            self.violations.append(f"{key}: unexpected answer {op}")
            self.expected[key] = EITHER

    def settle(self, listed: set[str]) -> tuple[int, int]:
        """Check every key against `listed` (what the server holds now), resolve the
        "either" ones to it; (keys that were "either", keys checked exactly)."""
        either = exact = 0
        for key, state in self.expected.items():
            there = key in listed
            if state == EITHER:
                either += 1
            elif state == PRESENT and not there:
                self.violations.append(f"{key}: an acknowledged POST is lost")
            elif state == ABSENT and there:
                self.violations.append(f"{key}: an acknowledged DELETE is undone")
            else:
                exact += 1
            self.expected[key] = PRESENT if there else ABSENT
        return either, exact


def worker_loop(
    owned: Owned,
    connect: Callable[[], httpx.Client],
    stop: threading.Event,
    seed: int,
    *,
    end_on_no_answer: bool,
) -> Callable[[], None]:
    """A thread's body: operations until `stop` (or, with `end_on_no_answer`, until the
    server stops answering: it was killed)."""

    def run() -> None:
        rng = random.Random(seed)
        with connect() as http:
            while not stop.is_set():
                op = owned.one(http, rng)
                if op.status is None:
                    if end_on_no_answer:
                        return
                    stop.wait(0.05)

    return run


def acked(owners: list[Owned]) -> int:
    return sum(op.acked for o in owners for op in o.ops)


def unanswered(owners: list[Owned]) -> int:
    return sum(not op.answered for o in owners for op in o.ops)


def owners_with_keys(http: httpx.Client, workers: int, keys: int, prefix: str) -> list[Owned]:
    """SVM vs1 made, and `keys` CA certificates installed for each of `workers` clients,
    alternately in the cluster and in vs1."""
    create_svm(http, "vs1")
    pems = iter(ca_pems(workers * keys, prefix))
    owners = []
    for w in range(workers):
        scopes: dict[str, str | None] = {}
        for k in range(keys):
            svm = "vs1" if k % 2 else None
            scopes[install_ca(http, next(pems), f"{prefix}-{w}-{k}", svm)] = svm
        owners.append(Owned(w, scopes))
    return owners
