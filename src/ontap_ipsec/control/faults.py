"""Faults: rules that make chosen requests fail, slow down or break, for tests.

A rule matches by method and path pattern (a glob: `/api/svm/svms*`), optionally only
requests that carry a test id (the `X-Ontap-Ipsec-Test-Id` header), so that tests run
in parallel do not see each other's faults. Of the calls it matches it fires from the
`nth` on, each time with its `probability`, `times` times (null: until removed). Its
effect is ONTAP's error envelope with any status and code, a 429 or 503 (with an
optional Retry-After, for clients' retry settings), a delay (fixed, or the
"real-cluster" profile), a dropped connection or a truncated body. Rules live in the
toolkit's store, so every worker of a server applies them and counts their calls.
"""

from __future__ import annotations

import fnmatch
import random
import time
import uuid
from dataclasses import dataclass
from typing import Any

from ontap_ipsec.control.routes import route
from ontap_ipsec.rest import errors
from ontap_ipsec.rest.body import load_json
from ontap_ipsec.rest.context import Context
from ontap_ipsec.rest.errors import OntapError
from ontap_ipsec.rest.http import Request, Response

TEST_ID_HEADER = "x-ontap-ipsec-test-id"
EFFECTS = ("error", "status", "delay", "drop", "truncate")
_RULE_KEYS = {"method", "path", "nth", "times", "probability", "test_id", "effect"}
MAX_DELAY = 60.0
DEFAULT_MESSAGES = {
    429: ("262160", "Too many requests. Retry after a short delay."),
    503: ("262160", "The service is temporarily unavailable. Retry after a short delay."),
}


@dataclass(frozen=True)
class Fault:
    id: str
    methods: frozenset[str] | None  # None: any
    path: str
    nth: int
    times: int | None
    probability: float
    test_id: str | None
    effect: dict[str, Any]

    def matches(self, method: str, path: str, test_id: str | None) -> bool:
        if self.methods is not None and method not in self.methods:
            return False
        if self.test_id is not None and self.test_id != test_id:
            return False
        return fnmatch.fnmatchcase(path, self.path)

    def fires(self, matched: int, fired: int) -> bool:
        if matched < self.nth or (self.times is not None and fired >= self.times):
            return False
        return self.probability >= 1.0 or random.random() < self.probability

    @classmethod
    def from_rule(cls, fault_id: str, rule: dict[str, Any]) -> Fault:
        method = rule.get("method")
        methods = (
            None
            if method in (None, "*")
            else frozenset(
                [method.upper()] if isinstance(method, str) else [m.upper() for m in method]
            )
        )
        return cls(
            fault_id,
            methods,
            rule["path"],
            int(rule.get("nth", 1)),
            rule.get("times", 1),
            float(rule.get("probability", 1.0)),
            rule.get("test_id"),
            rule["effect"],
        )


def delay_of(effect: dict[str, Any]) -> float:
    """Seconds to wait: fixed, or the "real-cluster" profile: 150-340 ms for most calls,
    a tail for one call in twenty up to 3 s (the spread measured on real ONTAP REST
    calls: most answer in a fifth to a third of a second, now and then one takes seconds)."""
    seconds = effect.get("seconds")
    if seconds != "real-cluster":
        return float(seconds or 0)
    if random.random() < 0.95:
        return random.uniform(0.150, 0.340)
    return min(3.0, 0.340 + random.expovariate(1 / 0.6))


def error_body(effect: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
    """The status, envelope and headers of an `error` or `status` effect."""
    status = int(effect["status"])
    code, message = DEFAULT_MESSAGES.get(status, ("2", "An error was injected."))
    error: dict[str, Any] = {
        "message": effect.get("message", message),
        "code": str(effect.get("code", code)),
    }
    if effect.get("target") is not None:
        error["target"] = effect["target"]
    headers = {}
    if effect.get("retry_after") is not None:
        headers["retry-after"] = str(int(effect["retry_after"]))
    return status, {"error": error}, headers


# -- validation -----------------------------------------------------------------------


def _invalid(field: str, value: Any, reason: str) -> OntapError:
    return errors.invalid_body_value(field, value, reason)


def validate(rule: Any) -> dict[str, Any]:
    """The rule as stored, or ONTAP's envelope naming what is wrong."""
    if not isinstance(rule, dict):
        raise OntapError(400, errors.INVALID_JSON, "Invalid JSON input: an object was expected.")
    for key in rule:
        if key not in _RULE_KEYS:
            raise errors.unexpected_argument(key)
    path = rule.get("path")
    if not isinstance(path, str) or not path.startswith("/"):
        raise (
            errors.missing_value("path")
            if path is None
            else _invalid("path", path, "a path pattern starting with /")
        )
    method = rule.get("method")
    if method is not None and not (
        isinstance(method, str)
        or (isinstance(method, list) and all(isinstance(m, str) for m in method))
    ):
        raise _invalid("method", method, "a method, a list of methods or *")
    for name, low in (("nth", 1), ("times", 1)):
        value = rule.get(name)
        if value is not None and (
            not isinstance(value, int) or isinstance(value, bool) or value < low
        ):
            raise _invalid(name, value, f"a whole number >= {low}")
    probability = rule.get("probability", 1.0)
    if (
        isinstance(probability, bool)
        or not isinstance(probability, int | float)
        or not 0 < probability <= 1
    ):
        raise _invalid("probability", probability, "a number in (0, 1]")
    test_id = rule.get("test_id")
    if test_id is not None and (not isinstance(test_id, str) or not test_id):
        raise _invalid("test_id", test_id, "a non-empty string")
    out = dict(rule)
    out.setdefault("times", 1)
    out["effect"] = _effect(rule.get("effect"))
    return out


def _effect(effect: Any) -> dict[str, Any]:
    if effect is None:
        raise errors.missing_value("effect")
    if not isinstance(effect, dict) or effect.get("type") not in EFFECTS:
        raise _invalid(
            "effect.type", getattr(effect, "get", lambda _k: effect)("type"), "|".join(EFFECTS)
        )
    kind = effect["type"]
    allowed = {
        "error": {"type", "status", "code", "message", "target", "retry_after"},
        "status": {"type", "status", "retry_after", "code", "message"},
        "delay": {"type", "seconds"},
        "drop": {"type"},
        "truncate": {"type"},
    }[kind]
    for key in effect:
        if key not in allowed:
            raise errors.unexpected_argument(f"effect.{key}")
    if kind in ("error", "status"):
        status = effect.get("status")
        valid = (429, 503) if kind == "status" else range(400, 600)
        if isinstance(status, bool) or not isinstance(status, int) or status not in valid:
            reason = "429|503" if kind == "status" else "an HTTP status from 400 to 599"
            raise _invalid("effect.status", status, reason)
        for name in ("code", "message", "target"):
            if name in effect and not isinstance(effect[name], str):
                raise _invalid(f"effect.{name}", effect[name], "a string")
        retry = effect.get("retry_after")
        if retry is not None and (
            isinstance(retry, bool) or not isinstance(retry, int) or retry < 0
        ):
            raise _invalid("effect.retry_after", retry, "a whole number of seconds")
    if kind == "delay":
        seconds = effect.get("seconds")
        if seconds != "real-cluster" and (
            isinstance(seconds, bool)
            or not isinstance(seconds, int | float)
            or not 0 <= seconds <= MAX_DELAY
        ):
            raise _invalid(
                "effect.seconds", seconds, f"0 to {MAX_DELAY:g} seconds, or real-cluster"
            )
    return dict(effect)


# -- the routes -------------------------------------------------------------------------


def _listed(fault_id: str, rule: dict[str, Any], matched: int, fired: int) -> dict[str, Any]:
    return {"id": fault_id, **rule, "matched": matched, "fired": fired}


@route("/_ontap-ipsec/faults", "GET", "POST", "DELETE")
def faults(ctx: Context, request: Request) -> Response:
    store = ctx.toolkit
    if request.method in ("GET", "HEAD"):
        records = [_listed(*row) for row in store.faults()]
        return Response(200, {"records": records, "num_records": len(records)})
    if request.method == "DELETE":
        return Response(200, {"num_records": store.remove_faults()})
    rule = validate(load_json(request.body))
    fault_id = str(uuid.uuid4())
    store.add_fault(fault_id, rule, time.time())
    return Response(
        201, _listed(fault_id, rule, 0, 0), {"location": f"/_ontap-ipsec/faults/{fault_id}"}
    )


@route("/_ontap-ipsec/faults/", "GET", "DELETE")
def fault(ctx: Context, request: Request) -> Response:
    fault_id = request.path[len("/_ontap-ipsec/faults/") :]
    rows = [row for row in ctx.toolkit.faults() if row[0] == fault_id]
    if not rows:
        raise errors.not_found("id")
    if request.method == "DELETE":
        ctx.toolkit.remove_faults(fault_id)
        return Response(200, {})
    return Response(200, _listed(*rows[0]))
