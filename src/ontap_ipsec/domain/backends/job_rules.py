"""How jobs progress, and the rules that make jobs fail: the test toolkit's settings.

Both live in the database, so that every worker process of a server (and every host on
a shared PostgreSQL) applies the same. The progression is one of

- ``immediate``: a job ends within the request that starts it (the default);
- ``time``: a job is queued for ``queued`` seconds, then running for ``running`` seconds;
- ``polls``: a job answers ``queued`` to its first ``queued`` GETs, ``running`` to the
  next ``running`` ones, and has ended by the GET after;
- ``manual``: a job stays queued until stepped (``Jobs.step``), once to running, once more
  to its end.

A failure rule is matched when a job is created: by method, path (a glob) and, when it
names one, the test id the request carries. It fires on the ``nth`` matching call and
after (every one without ``nth``), with a ``probability`` when given, ``times`` times
(once by default, as a fault rule; ``null``: until removed); the job it fires on ends in
``failure`` with the rule's message and code,
and the change it stood for is not made.
"""

from __future__ import annotations

import fnmatch
import random
from dataclasses import asdict, dataclass
from typing import Any

from ontap_ipsec.domain import errors
from ontap_ipsec.domain.errors import DomainError
from ontap_ipsec.store import jobs as rows
from ontap_ipsec.store.engine import Store
from ontap_ipsec.store.prepared import Tx

MODES = ("immediate", "time", "polls", "manual")
DEFAULTS = {"time": (0.5, 1.0), "polls": (1, 1), "manual": (0, 0)}
MAX_SECONDS = 3600.0
MAX_POLLS = 1000
DEFAULT_CODE = 1
RULE_FIELDS = ("method", "path", "test_id", "nth", "probability", "times", "message", "code")

_random = random.Random()


@dataclass(frozen=True)
class Progression:
    mode: str = "immediate"
    queued: float = 0
    running: float = 0

    def describe(self) -> dict[str, Any]:
        if self.mode in ("immediate", "manual"):
            return {"mode": self.mode}
        number: Any = int if self.mode == "polls" else float
        return {"mode": self.mode, "queued": number(self.queued), "running": number(self.running)}


@dataclass(frozen=True)
class Failure:
    message: str
    code: int


@dataclass(frozen=True)
class Rule:
    id: int
    method: str
    path: str
    test_id: str | None
    nth: int | None
    probability: float | None
    remaining: int | None
    seen: int
    fired: int
    message: str
    code: int

    def describe(self) -> dict[str, Any]:
        """The rule as the control API shows it (``matched``: the calls it matched)."""
        out = asdict(self)
        out["matched"] = out.pop("seen")
        return {k: v for k, v in out.items() if v is not None or k == "remaining"}


def _number(body: dict[str, Any], name: str, *, whole: bool, low: float, high: float) -> Any:
    value = body.get(name)
    kinds = (int,) if whole else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or not low <= value <= high:
        kind = "a whole number" if whole else "a number"
        raise errors.invalid_value(name, value, f"{kind} from {low:g} to {high:g}")
    return value


def check_progression(body: Any) -> Progression:
    """A progression from its JSON form: ``{"mode": "polls", "queued": 1, "running": 2}``."""
    if not isinstance(body, dict):
        raise errors.invalid_value("progression", body, "a JSON object")
    for name in body:
        if name not in ("mode", "queued", "running"):
            raise errors.unexpected_argument(name)
    mode = body.get("mode")
    if mode not in MODES:
        raise errors.invalid_value("mode", mode, "one of " + ", ".join(MODES))
    if mode == "immediate":
        return Progression()
    if mode == "manual":
        return Progression("manual")
    queued, running = DEFAULTS[mode]
    whole = mode == "polls"
    high = MAX_POLLS if whole else MAX_SECONDS
    if "queued" in body:
        queued = _number(body, "queued", whole=whole, low=0, high=high)
    if "running" in body:
        running = _number(body, "running", whole=whole, low=0, high=high)
    return Progression(mode, queued, running)


def check_rule(body: Any) -> dict[str, Any]:
    """A failure rule's stored values from its JSON form."""
    if not isinstance(body, dict):
        raise errors.invalid_value("rule", body, "a JSON object")
    for name in body:
        if name not in RULE_FIELDS:
            raise errors.unexpected_argument(name)
    method = body.get("method", "*")
    if not isinstance(method, str) or not (method == "*" or method.isalpha()):
        raise errors.invalid_value("method", method, 'an HTTP method, or "*" for any')
    path = body.get("path")
    if not isinstance(path, str) or not path.startswith("/") or len(path) > 1024:
        raise errors.invalid_value("path", path, 'a path or a glob, e.g. "/api/svm/svms*"')
    test_id = body.get("test_id")
    if test_id is not None and (not isinstance(test_id, str) or not 0 < len(test_id) <= 255):
        raise errors.invalid_value("test_id", test_id, "a text of 1 to 255 characters")
    message = body.get("message")
    if message is None:
        raise DomainError("262212", 'Request is missing required value: "message".')
    if not isinstance(message, str) or not 0 < len(message) <= 1024:
        raise errors.invalid_value("message", message, "a text of 1 to 1024 characters")
    code = body.get("code", DEFAULT_CODE)
    if isinstance(code, str) and code.isdigit():
        code = int(code)
    code = _number({"code": code}, "code", whole=True, low=0, high=2**31 - 1)
    values = {
        "method": method.upper(),
        "path": path,
        "test_id": test_id,
        "nth": None,
        "probability": None,
        "remaining": None,
        "message": message,
        "code": code,
    }
    if body.get("nth") is not None:
        values["nth"] = _number(body, "nth", whole=True, low=1, high=2**31 - 1)
    if body.get("probability") is not None:
        values["probability"] = _number(body, "probability", whole=False, low=0, high=1)
    if "times" not in body:
        values["remaining"] = 1  # once, as a fault rule
    elif body["times"] is not None:  # null: until removed
        values["remaining"] = _number(body, "times", whole=True, low=1, high=2**31 - 1)
    return values


def _rule(row: Any) -> Rule:
    return Rule(*row)


class JobRules:
    """The progression setting and the failure rules, in the store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- progression

    def progression(self, tx: Tx | None = None) -> Progression:
        row = (tx or self.store).first(rows.PROGRESSION, {})
        return Progression() if row is None else Progression(row[0], row[1], row[2])

    def set_progression(self, body: Any) -> Progression:
        progression = check_progression(body)
        with self.store.transaction() as tx:
            tx.run(rows.CLEAR_PROGRESSION, {})
            if progression.mode != "immediate":
                tx.run(
                    rows.SET_PROGRESSION,
                    {
                        "mode": progression.mode,
                        "queued": progression.queued,
                        "running": progression.running,
                    },
                )
        return progression

    # -- failure rules

    def rules(self) -> list[Rule]:
        return [_rule(r) for r in self.store.rows(rows.RULES, {})]

    def rule(self, rule_id: int) -> Rule:
        row = self.store.first(rows.RULE, {"id": rule_id})
        if row is None:
            raise errors.not_found("id")
        return _rule(row)

    def add_rule(self, body: Any) -> Rule:
        values = check_rule(body)
        with self.store.transaction() as tx:
            rule_id = tx.first(rows.NEXT_RULE_ID, {})[0]
            tx.run(rows.INSERT_RULE, {"id": rule_id, **values})
            return _rule(tx.first(rows.RULE, {"id": rule_id}))

    def remove_rule(self, rule_id: int) -> None:
        with self.store.transaction() as tx:
            if tx.first(rows.RULE, {"id": rule_id}) is None:
                raise errors.not_found("id")
            tx.run(rows.DELETE_RULE, {"id": rule_id})

    def clear_rules(self) -> None:
        with self.store.transaction() as tx:
            tx.run(rows.CLEAR_RULES, {})

    def match(self, tx: Tx, method: str, path: str, test_id: str | None) -> Failure | None:
        """The failure the first firing rule gives a job created by `method` `path` (in
        the creating transaction: every rule that matches counts the call)."""
        found: Failure | None = None
        for rule in (_rule(r) for r in tx.rows(rows.RULES, {})):
            if rule.method not in ("*", method.upper()):
                continue
            if not fnmatch.fnmatchcase(path, rule.path):
                continue
            if rule.test_id is not None and rule.test_id != test_id:
                continue
            seen, fired, remaining = rule.seen + 1, rule.fired, rule.remaining
            fires = found is None and (rule.nth is None or seen >= rule.nth)
            if fires and rule.probability is not None:
                fires = _random.random() < rule.probability
            if fires:
                found = Failure(rule.message, rule.code)
                fired += 1
                remaining = None if remaining is None else remaining - 1
            if remaining == 0:
                tx.run(rows.DELETE_RULE, {"id": rule.id})
            else:
                tx.run(
                    rows.COUNT_RULE,
                    {"id": rule.id, "seen": seen, "fired": fired, "remaining": remaining},
                )
        return found
