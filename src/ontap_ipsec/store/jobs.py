"""The job rows (written in the transaction of the change a job stands for), the job
progression setting and the job failure rules."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ontap_ipsec.store.prepared import Statement
from ontap_ipsec.store.tables import job_progression as progression_t
from ontap_ipsec.store.tables import job_rules as rules_t
from ontap_ipsec.store.tables import jobs as t


def _bind(name: str, type_: Any = None) -> Any:
    return sa.bindparam(name, value=None, type_=type_)


INSERT = Statement(
    ("jobs", "insert"),
    lambda: t.insert().values(
        uuid=_bind("uuid"),
        description=_bind("description"),
        state=_bind("state"),
        message=_bind("message"),
        code=_bind("code", sa.Integer()),
        start_time=_bind("start_time", sa.DateTime()),
        end_time=_bind("end_time", sa.DateTime()),
        svm_uuid=_bind("svm_uuid"),
        svm_name=_bind("svm_name"),
        plan=_bind("plan"),
        payload=_bind("payload"),
    ),
)

# (state, plan, payload, polls, start_time) of one job
PROGRESS = Statement(
    ("jobs", "progress"),
    lambda: sa.select(t.c.state, t.c.plan, t.c.payload, t.c.polls, t.c.start_time).where(
        t.c.uuid == _bind("uuid")
    ),
)
ADVANCE = Statement(
    ("jobs", "advance"),
    lambda: (
        t.update()
        .where(t.c.uuid == _bind("uuid"))
        .values(
            state=_bind("state"),
            message=_bind("message"),
            code=_bind("code", sa.Integer()),
            start_time=sa.func.coalesce(t.c.start_time, _bind("start_time", sa.DateTime())),
            end_time=_bind("end_time", sa.DateTime()),
            polls=_bind("polls", sa.Integer()),
            plan=_bind("plan"),
            payload=_bind("payload"),
        )
    ),
)

PROGRESSION = Statement(
    ("job_progression", "get"),
    lambda: sa.select(progression_t.c.mode, progression_t.c.queued, progression_t.c.running),
)
CLEAR_PROGRESSION = Statement(("job_progression", "clear"), lambda: progression_t.delete())
SET_PROGRESSION = Statement(
    ("job_progression", "set"),
    lambda: progression_t.insert().values(
        id=1,
        mode=_bind("mode"),
        queued=_bind("queued", sa.Float()),
        running=_bind("running", sa.Float()),
    ),
)

RULE_COLUMNS = (
    rules_t.c.id,
    rules_t.c.method,
    rules_t.c.path,
    rules_t.c.test_id,
    rules_t.c.nth,
    rules_t.c.probability,
    rules_t.c.remaining,
    rules_t.c.seen,
    rules_t.c.fired,
    rules_t.c.message,
    rules_t.c.code,
)
RULES = Statement(("job_rules", "all"), lambda: sa.select(*RULE_COLUMNS).order_by(rules_t.c.id))
RULE = Statement(
    ("job_rules", "one"),
    lambda: sa.select(*RULE_COLUMNS).where(rules_t.c.id == _bind("id", sa.Integer())),
)
NEXT_RULE_ID = Statement(
    ("job_rules", "next_id"),
    lambda: sa.select(sa.func.coalesce(sa.func.max(rules_t.c.id), 0) + 1),
)
INSERT_RULE = Statement(
    ("job_rules", "insert"),
    lambda: rules_t.insert().values(
        id=_bind("id", sa.Integer()),
        method=_bind("method"),
        path=_bind("path"),
        test_id=_bind("test_id"),
        nth=_bind("nth", sa.Integer()),
        probability=_bind("probability", sa.Float()),
        remaining=_bind("remaining", sa.Integer()),
        seen=0,
        fired=0,
        message=_bind("message"),
        code=_bind("code", sa.Integer()),
    ),
)
COUNT_RULE = Statement(
    ("job_rules", "count"),
    lambda: (
        rules_t.update()
        .where(rules_t.c.id == _bind("id", sa.Integer()))
        .values(
            seen=_bind("seen", sa.Integer()),
            fired=_bind("fired", sa.Integer()),
            remaining=_bind("remaining", sa.Integer()),
        )
    ),
)
DELETE_RULE = Statement(
    ("job_rules", "delete"),
    lambda: rules_t.delete().where(rules_t.c.id == _bind("id", sa.Integer())),
)
CLEAR_RULES = Statement(("job_rules", "clear"), lambda: rules_t.delete())
