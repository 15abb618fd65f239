"""8 concurrent writers on 2 server processes sharing one database: the final state is a
serial replay of what was acknowledged.

Each writer sends `size(150, 1000)` random operations (IPsec add and remove, certificate
install and delete, SVM create and delete) over a small key space (2 SVM names, 3
certificate names per scope), half of the writers through each server; both servers are
real `ontap-ipsec serve` processes with their workers, on the same SQLite file (the same
data dir) or on the same PostgreSQL database. Every answer is recorded with the server's
response; none may be a 5xx or missing.

How the final state is judged against a serial order:

- An SVM and a certificate are each one incarnation with a uuid of its own, made once
  (an acknowledged create) and removed at most once (an acknowledged delete, or for a
  certificate the acknowledged delete of its SVM). Their final sets do not depend on
  the order of operations: exactly the acknowledged creates minus the acknowledged
  deletes (and cascades) must remain, nothing else.
- An IPsec entry (keyed by its certificate's uuid) is added and removed many times, so
  its history is checked for a valid serialization (tests/reliability/history.py): each
  operation took effect at one instant between sending its request and reading its
  answer, so an order must keep real time (one answered before another was sent comes
  first) while operations that overlapped in time may go either way; along the order
  every answer must be the one the state allowed (201 to an add only when absent, 409
  duplicate only when present, 200 to a remove only when present, "not listed" only when
  absent, a certificate delete only when not listed, "in use" only when listed; the
  delete of the entry's SVM empties it), and the order must end in the state listed at
  the end. An add refused as "not installed" says nothing about the entry (the SVM name
  may name a newer SVM), so it constrains nothing.
- A certificate installed (201) but already gone when the handler read it back for
  `return_records` (its SVM was deleted in between: an empty `records`) is known to be
  gone at that answer, and cannot come back (its uuid is new), so it is expected absent.
- Invariants, over the API and in the database: every entry's certificate exists and is
  a CA of the entry's scope, no entry or certificate of a deleted SVM, no entry twice.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.reliability.history import Step, serializable
from tests.reliability.load import (
    CERTS,
    IPSEC,
    SVMS,
    Clock,
    Op,
    ca_pems,
    call,
    certificates_over_api,
    client,
    group,
    listed_over_api,
    record_of,
    report,
    run_threads,
    stored,
    svms_over_api,
)
from tests.reliability.sizes import size
from tests.server.process import Server

WRITERS = 8
OPS = size(150, 1000)
SVM_NAMES = ("vs0", "vs1")
CERT_NAMES = ("ca0", "ca1", "ca2")
KINDS = ("ipsec_add", "ipsec_remove", "cert_create", "cert_delete", "svm_create", "svm_delete")
WEIGHTS = (34, 24, 20, 10, 7, 5)
IN_USE = "52560272"
NOT_LISTED = ("66257298", "66257303")
GONE = "(deleted with its SVM before it was read back)"


@dataclass
class Cert:
    uuid: str
    svm_uuid: str | None
    svm_name: str | None


@dataclass
class Known:
    """What the writers saw acknowledged, to aim at: targets, not the truth."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    svms: dict[str, str] = field(default_factory=dict)  # name -> uuid
    gone_svms: list[str] = field(default_factory=list)
    certs: dict[str, Cert] = field(default_factory=dict)  # live ones
    gone_certs: list[Cert] = field(default_factory=list)

    def a_cert(self, rng: random.Random) -> Cert | None:
        with self.lock:
            if self.gone_certs and (not self.certs or rng.random() < 0.1):
                return rng.choice(self.gone_certs[-20:])
            return rng.choice(list(self.certs.values())) if self.certs else None


def writer(worker: int, server: Server, known: Known, pems: dict[str, str], out: list[Op]) -> None:
    rng = random.Random(7919 * worker)
    with client(server) as http:
        for _ in range(OPS):
            op = one(worker, http, known, pems, rng)
            if op is not None:
                out.append(op)


def one(
    worker: int, http: httpx.Client, known: Known, pems: dict[str, str], rng: random.Random
) -> Op | None:
    kind = rng.choices(KINDS, WEIGHTS)[0]
    if kind == "svm_create":
        name = rng.choice(SVM_NAMES)
        op = call(
            http, worker, kind, name, "POST",
            f"{SVMS}?return_timeout=30&return_records=true", json={"name": name},
        )  # fmt: skip
        if op.status == 201:
            op.meta["uuid"] = record_of(op)["uuid"]
            with known.lock:
                known.svms[name] = op.meta["uuid"]
        return op
    if kind == "svm_delete":
        with known.lock:
            pool = list(known.svms.values()) or known.gone_svms[-5:]
            if not pool:
                return None
            svm = rng.choice(pool if rng.random() < 0.9 else known.gone_svms[-5:] or pool)
        op = call(http, worker, kind, svm, "DELETE", f"{SVMS}/{svm}?return_timeout=30")
        if op.status == 200:
            with known.lock:
                known.svms = {n: u for n, u in known.svms.items() if u != svm}
                known.gone_svms.append(svm)
                for c in [c for c in known.certs.values() if c.svm_uuid == svm]:
                    known.gone_certs.append(known.certs.pop(c.uuid))
        return op
    if kind == "cert_create":
        scope = rng.choice((None, *SVM_NAMES))
        name = rng.choice(CERT_NAMES)
        body: dict[str, object] = {"type": "server_ca", "name": name}
        body["public_certificate"] = pems[name]
        if scope is not None:
            body["svm"] = {"name": scope}
        op = call(
            http, worker, kind, f"{scope}/{name}", "POST", f"{CERTS}?return_records=true",
            json=body,
        )  # fmt: skip
        if op.status == 201:
            uuid = str(op.location).rsplit("/", 1)[1]
            if not op.body["records"]:
                # Installed, and gone before the handler read it back: its SVM's delete
                # (a cascade) came in between. It cannot come back (a new uuid each time).
                op.meta.update(uuid=uuid, svm_uuid=GONE)
                return op
            record = record_of(op)
            assert record["uuid"] == uuid
            svm_uuid = record["svm"]["uuid"] if scope is not None else None
            cert = Cert(uuid, svm_uuid, scope)
            op.meta.update(uuid=uuid, svm_uuid=svm_uuid)
            with known.lock:
                known.certs[cert.uuid] = cert
        return op
    cert = known.a_cert(rng)
    if cert is None:
        return None
    if kind == "cert_delete":
        op = call(http, worker, kind, cert.uuid, "DELETE", f"{CERTS}/{cert.uuid}")
        if op.status == 200:
            with known.lock:
                if known.certs.pop(cert.uuid, None) is not None:
                    known.gone_certs.append(cert)
        return op
    if kind == "ipsec_add":
        body = {"certificate": {"uuid": cert.uuid}}
        if cert.svm_name is not None:
            body["svm"] = {"name": cert.svm_name}
        return call(http, worker, kind, cert.uuid, "POST", IPSEC, json=body)
    return call(http, worker, kind, cert.uuid, "DELETE", f"{IPSEC}/{cert.uuid}")


def steps_of(op: Op) -> Step | None:
    """What `op`'s answer says about the IPsec entry of its certificate."""
    s, code = op.status, op.code
    if op.kind == "ipsec_add":
        if s == 201:
            return Step(op.start, op.end, False, True, "add")
        if s == 409 and code == "1":
            return Step(op.start, op.end, True, None, "add: duplicate")
    elif op.kind == "ipsec_remove":
        if s == 200:
            return Step(op.start, op.end, True, False, "remove")
        if s == 404 and code in NOT_LISTED:
            return Step(op.start, op.end, False, None, "remove: not listed")
    elif op.kind == "cert_delete":
        if s == 200 or s == 404:
            return Step(op.start, op.end, False, None, f"certificate delete: {s}")
        if code == IN_USE:
            return Step(op.start, op.end, True, None, "certificate delete: in use")
    return None


def check(ops: list[Op], http: httpx.Client, data_dir: Path, database: str | None) -> dict:
    answers = Counter((op.kind, op.status, op.code) for op in ops)
    failed = [op for op in ops if op.status is None or op.status >= 500]
    assert not failed, f"{len(failed)} requests unanswered or 5xx, e.g. {failed[:3]}"

    made_svms = {op.meta["uuid"] for op in ops if op.kind == "svm_create" and op.acked}
    deleted_svms = {op.key for op in ops if op.kind == "svm_delete" and op.acked}
    made_certs = {
        op.meta["uuid"]: op.meta["svm_uuid"] for op in ops if op.kind == "cert_create" and op.acked
    }
    deleted_certs = {op.key for op in ops if op.kind == "cert_delete" and op.acked}
    assert deleted_svms <= made_svms and deleted_certs <= set(made_certs)

    svms, certs, listed = svms_over_api(http), certificates_over_api(http), listed_over_api(http)
    assert set(svms) == made_svms - deleted_svms
    expected_certs = {
        c
        for c, svm in made_certs.items()
        if c not in deleted_certs and svm not in deleted_svms and svm != GONE
    }
    assert set(certs) == expected_certs
    for c in certs.values():  # each in the SVM it was installed in
        assert (c.get("svm") or {}).get("uuid") == made_certs[c["uuid"]]

    listed_uuids = [e["certificate"]["uuid"] for e in listed]
    assert len(listed_uuids) == len(set(listed_uuids)), "an entry listed twice"
    for e in listed:
        cert = certs.get(e["certificate"]["uuid"])
        assert cert is not None, f"entry {e} without its certificate"
        assert cert["type"] == "server_ca"
        assert (e.get("svm") or {}).get("uuid") == (cert.get("svm") or {}).get("uuid")

    db = stored(data_dir, database)
    assert db.integrity == "ok", db.integrity
    assert db.broken == {}, db.broken
    assert db.listed == set(listed_uuids)

    histories: dict[str, list[Step]] = {c: [] for c in made_certs}
    for op in ops:
        step = steps_of(op)
        if step is not None and op.key in histories:
            histories[op.key].append(step)
        if op.kind == "svm_delete" and op.acked:
            for c, svm in made_certs.items():
                if svm == op.key:
                    histories[c].append(Step(op.start, op.end, None, False, "SVM delete"))
    unexplained = [
        c
        for c, steps in histories.items()
        if not serializable(steps, initial=False, final=c in set(listed_uuids))
    ]
    assert not unexplained, (
        f"no serial order explains the entries of {unexplained[:3]}: "
        f"{[sorted(histories[c], key=lambda s: s.start) for c in unexplained[:1]]}"
    )
    return {
        "operations": len(ops),
        "acknowledged": sum(op.acked for op in ops),
        "refused_4xx": sum(1 for op in ops if op.status and 400 <= op.status < 500),
        "ipsec_keys_checked": len(histories),
        "ipsec_steps": sum(len(s) for s in histories.values()),
        "final_svms": len(svms),
        "final_certificates": len(certs),
        "final_entries": len(listed),
        "lost": 0,
        "unexplained": 0,
        "answers": dict(sorted((f"{k}:{s}:{c}", n) for (k, s, c), n in answers.items())),
    }


@pytest.mark.parametrize("db", ["sqlite", "postgresql"])
def test_two_servers_eight_writers_end_in_a_serial_replay(
    db: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    database = None if db == "sqlite" else str(request.getfixturevalue("pg_url"))
    clock = Clock()
    pems = dict(zip(CERT_NAMES, ca_pems(len(CERT_NAMES), "writers"), strict=True))
    logs = tmp_path / "logs"
    # Same data dir on SQLite (one file); on PostgreSQL two data dirs, as two hosts.
    first_dir = tmp_path / "data"
    second_dir = first_dir if database is None else tmp_path / "data-2"
    with (
        group(first_dir, logs, database=database) as first,
        group(second_dir, logs, database=database) as second,
    ):
        known = Known()
        outs: list[list[Op]] = [[] for _ in range(WRITERS)]
        started = clock()
        run_threads(
            [
                (lambda w=w: writer(w, (first, second)[w % 2], known, pems, outs[w]))
                for w in range(WRITERS)
            ]
        )
        seconds = clock() - started
        ops = [op for out in outs for op in out]
        with client(first) as http:
            figures = check(ops, http, first_dir, database)
    report(
        f"concurrent_writers[{db}]",
        writers=WRITERS,
        servers=2,
        ops_per_writer=OPS,
        load_seconds=round(seconds, 1),
        wall_seconds=clock(),
        **figures,
    )
