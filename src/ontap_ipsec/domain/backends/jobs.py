"""Jobs: the record of an operation ONTAP runs asynchronously, and its progression.

An operation that ONTAP runs as a job (SVM create, modify, delete) checks what it can
in its request, then hands :meth:`Jobs.start` its change as a payload. With the default
progression (``immediate``) the change is made in the request's own transaction and the
job recorded there, already ended, as ONTAP's fast jobs are. Otherwise the job is
recorded ``queued`` with its payload, and the change is made when the job succeeds: in
the transaction that ends it, with the change's rules checked again then (a job whose
change is no longer possible fails with the rule's error). A job that fails leaves the
state as it was. Change events are published after that commit, as for any change.

Jobs move on (:mod:`.job_rules` describes the progressions) when they are polled
(:meth:`observe`, each GET of the job), when their time comes (a timer of the process
that started them; a poll catches up on a late one), and when stepped (:meth:`step`).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from ontap_ipsec.domain import errors
from ontap_ipsec.domain.backends.job_rules import Failure, JobRules, Progression
from ontap_ipsec.domain.clock import naive_utc
from ontap_ipsec.domain.errors import DomainError
from ontap_ipsec.domain.events import Event, EventBus
from ontap_ipsec.store import jobs as job_rows
from ontap_ipsec.store.engine import Store
from ontap_ipsec.store.prepared import Tx

STATES = ("queued", "running", "paused", "success", "failure")
PENDING = ("queued", "running")
ENDED = ("success", "failure")
DEFAULT_FAILURE = Failure("The job failed.", 1)

# payload["op"] -> the change: (tx, payload) -> the events it makes
Applier = Callable[[Tx, dict[str, Any]], list[Event]]


def record_done(
    tx: Tx,
    now: datetime,
    description: str,
    *,
    svm_uuid: str | None = None,
    svm_name: str | None = None,
) -> str:
    """Record a job that ran to success inside the caller's transaction."""
    job_uuid = str(uuid.uuid4())
    tx.run(job_rows.INSERT, _row(job_uuid, description, "success", now, svm_uuid, svm_name))
    return job_uuid


def _row(
    job_uuid: str,
    description: str,
    state: str,
    now: datetime,
    svm_uuid: str | None,
    svm_name: str | None,
    failure: Failure | None = None,
    plan: dict[str, Any] | None = None,
    payload: dict[str, Any] | None = None,
) -> dict[str, Any]:
    ended = state in ENDED
    return {
        "uuid": job_uuid,
        "description": description,
        "state": state,
        "message": failure.message if failure else state,
        "code": failure.code if failure else 0,
        "start_time": now if ended else None,
        "end_time": now if ended else None,
        "svm_uuid": svm_uuid,
        "svm_name": svm_name,
        "plan": None if plan is None else orjson.dumps(plan).decode(),
        "payload": None if payload is None else orjson.dumps(payload).decode(),
    }


@dataclass(frozen=True)
class Started:
    """A job just recorded: its uuid, its state, and the events of a change already made."""

    uuid: str
    state: str
    events: list[Event] = field(default_factory=list)
    ends_in: tuple[float, ...] = ()  # seconds from now to its next states (time mode)


def _code(error: DomainError) -> int:
    return int(error.code) if error.code.isdigit() else 1


def due_state(plan: dict[str, Any], polls: int, now: float) -> str | None:
    """The state a pending job is due: queued, running, "end", or None (moved by hand).
    By polls, the poll counted is the one being answered: with ``queued`` 1 the first
    GET sees queued."""
    mode, queued, running = plan["mode"], plan["queued"], plan["running"]
    if mode == "polls":
        if polls <= queued:
            return "queued"
        return "running" if polls <= queued + running else "end"
    if mode == "time":
        spent = now - plan["created"]
        if spent < queued:
            return "queued"
        return "running" if spent < queued + running else "end"
    return None


class Jobs:
    def __init__(self, store: Store, bus: EventBus, now: Callable[[], datetime]) -> None:
        self.store = store
        self.bus = bus
        self.now = now
        self.rules = JobRules(store)
        self.appliers: dict[str, Applier] = {}

    def start(
        self,
        tx: Tx,
        method: str,
        path: str,
        payload: dict[str, Any],
        *,
        test_id: str | None = None,
        svm_uuid: str | None = None,
        svm_name: str | None = None,
    ) -> Started:
        """Record the job of a change (in the caller's transaction); make the change now
        if the progression is immediate and no rule fails the job."""
        now = self.now()
        stamp = naive_utc(now)
        progression: Progression = self.rules.progression(tx)
        failure = self.rules.match(tx, method, path, test_id)
        job_uuid = str(uuid.uuid4())
        description = f"{method} {path}"
        if progression.mode == "immediate":
            made = [] if failure else self.appliers[payload["op"]](tx, payload)
            state = "failure" if failure else "success"
            tx.run(
                job_rows.INSERT,
                _row(job_uuid, description, state, stamp, svm_uuid, svm_name, failure),
            )
            return Started(job_uuid, state, made)
        plan: dict[str, Any] = {
            "mode": progression.mode,
            "queued": progression.queued,
            "running": progression.running,
            "created": now.timestamp(),
        }
        if failure:
            plan["fail"] = {"message": failure.message, "code": failure.code}
        tx.run(
            job_rows.INSERT,
            _row(job_uuid, description, "queued", stamp, svm_uuid, svm_name, None, plan, payload),
        )
        ends_in: tuple[float, ...] = ()
        if progression.mode == "time":
            ends_in = (progression.queued, progression.queued + progression.running)
        return Started(job_uuid, "queued", [], ends_in)

    def committed(self, started: Started) -> None:
        """After the starting transaction's commit: its events, and the job's timers."""
        self.bus.publish(started.events)
        for delay in started.ends_in:
            timer = threading.Timer(delay, self._on_time, (started.uuid,))
            timer.daemon = True
            timer.start()

    def _on_time(self, job_uuid: str) -> None:
        try:
            self.advance(job_uuid)
        except Exception:  # noqa: BLE001 - a timer has nobody to tell; a poll catches up
            import logging

            logging.getLogger("ontap_ipsec").exception("job %s: progression failed", job_uuid)

    def progress(self, job_uuid: str) -> dict[str, Any]:
        """How a job progressed: its state, mode, polls and the states they were answered
        (a job that ended in its request has mode ``immediate`` and no polls counted)."""
        row = self.store.first(job_rows.PROGRESS, {"uuid": job_uuid})
        if row is None:
            raise errors.not_found("uuid")
        state, plan_text, _payload, polls, _start = row
        plan = orjson.loads(plan_text) if plan_text else {"mode": "immediate"}
        return {
            "uuid": job_uuid,
            "state": state,
            "mode": plan["mode"],
            "polls": polls,
            "answered": plan.get("answered", []),
        }

    def state(self, job_uuid: str) -> str | None:
        row = self.store.first(job_rows.PROGRESS, {"uuid": job_uuid})
        return None if row is None else str(row[0])

    def observe(self, job_uuid: str) -> None:
        """A GET of the job: count the poll, move the job on if it is due."""
        if self.state(job_uuid) in PENDING:
            self.advance(job_uuid, poll=True)

    def wait(self, job_uuid: str, seconds: float) -> str:
        """Wait up to `seconds` for a timed job to end (``return_timeout``); its state.
        A job that only polls or a step move on does not end by waiting: at once."""
        row = self.store.first(job_rows.PROGRESS, {"uuid": job_uuid})
        if row is None or row[0] not in PENDING:
            return "gone" if row is None else str(row[0])
        plan = orjson.loads(row[1])
        if plan["mode"] == "time":
            left = plan["created"] + plan["queued"] + plan["running"] - self.now().timestamp()
            if left <= seconds:
                time.sleep(max(left, 0) + 0.001)
                self.advance(job_uuid)
        return self.state(job_uuid) or "gone"

    def step(self, job_uuid: str, to: str | None = None, failure: Failure | None = None) -> str:
        """Move a pending job on by hand: to its next state, or to `to` (running, success
        or failure, with `failure`'s message and code); its new state."""
        if to not in (None, "running", "success", "failure"):
            raise errors.invalid_value("state", to, "running, success or failure")
        current = self.state(job_uuid)
        if current is None:
            raise errors.not_found("uuid")
        if current not in PENDING or (to == "running" and current == "running"):
            raise DomainError(
                errors.INVALID,
                f'The job is {current}: it cannot be moved to "{to or "its next state"}".',
                target="state",
                kind="conflict",
            )
        target = to or ("running" if current == "queued" else "end")
        return self.advance(
            job_uuid,
            to="end" if target in ENDED else target,
            failure=failure if to == "failure" else None,
            forced=to,
        )

    def advance(
        self,
        job_uuid: str,
        *,
        poll: bool = False,
        to: str | None = None,
        failure: Failure | None = None,
        forced: str | None = None,
    ) -> str:
        """Move a job to the state it is due (or to `to`), in one transaction; ending it
        makes its change, or records why it failed."""
        made: list[Event] = []
        with self.store.transaction() as tx:
            row = tx.first(job_rows.PROGRESS, {"uuid": job_uuid})
            if row is None or row[0] not in PENDING or row[1] is None:
                return "gone" if row is None else str(row[0])
            state, plan_text, payload_text, polls, _start = row
            plan = orjson.loads(plan_text)
            polls = polls + 1 if poll else polls
            now = self.now()
            target = to or due_state(plan, polls, now.timestamp()) or state
            if target == "end":
                fail = failure or _planned(plan, forced)
                if fail is None:
                    payload = orjson.loads(payload_text)
                    try:  # an applier checks everything before it writes anything
                        made = self.appliers[payload["op"]](tx, payload)
                    except DomainError as exc:
                        fail = Failure(exc.message, _code(exc))
                target = "failure" if fail else "success"
            else:
                fail = None
            if poll:  # the states its polls were answered, for a test to assert on
                plan["answered"] = [*plan.get("answered", []), target]
            ended = target in ENDED
            if target == "failure" and fail is None:
                fail = DEFAULT_FAILURE
            stamp = naive_utc(now)
            tx.run(
                job_rows.ADVANCE,
                {
                    "uuid": job_uuid,
                    "state": target,
                    "message": fail.message if fail else target,
                    "code": fail.code if fail else 0,
                    "start_time": stamp if target != "queued" else None,  # unless set
                    "end_time": stamp if ended else None,
                    "polls": polls,
                    "plan": orjson.dumps(plan).decode(),
                    "payload": None if ended else payload_text,
                },
            )
        self.bus.publish(made)
        return target


def _planned(plan: dict[str, Any], forced: str | None) -> Failure | None:
    if forced == "success":
        return None
    fail = plan.get("fail")
    if fail is not None:
        return Failure(fail["message"], fail["code"])
    return DEFAULT_FAILURE if forced == "failure" else None
