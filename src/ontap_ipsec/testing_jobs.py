"""The pytest plugin's `ontap_jobs` fixture: job progression and job failure rules.

It drives the control API of the plugin's app (/_ontap-ipsec/jobs/...) in-process, so
what a test sets applies to the in-process client and to `ontap_server` alike; after the
test, jobs are immediate again and no failure rule is left.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ontap_ipsec.testing_toolkit import ControlClient

JOBS = "/_ontap-ipsec/jobs"


class Jobs(ControlClient):
    """How the test app's jobs progress, which of them fail, and moving them by hand."""

    def progression(self, mode: str = "immediate", **numbers: float) -> dict[str, Any]:
        """Set how new jobs progress: ``progression("polls", queued=1, running=2)``,
        ``("time", queued=0.5, running=1)``, ``("manual")`` or ``("immediate")``."""
        return dict(self._call("PUT", f"{JOBS}/progression", json={"mode": mode, **numbers}))

    def fail(
        self,
        path: str = "/api/svm/svms*",
        message: str = "The job failed.",
        code: int = 1,
        **rule: Any,
    ) -> int:
        """Make jobs fail: a rule (`method`, `nth`, `times`, `probability`, `test_id` as
        keywords) whose jobs end in failure with `message` and `code`; its id."""
        body = {"path": path, "message": message, "code": code, **rule}
        return int(self._call("POST", f"{JOBS}/rules", json=body)["id"])

    def rules(self) -> list[dict[str, Any]]:
        return list(self._call("GET", f"{JOBS}/rules")["records"])

    def remove(self, rule_id: int) -> None:
        self._call("DELETE", f"{JOBS}/rules/{rule_id}")

    def step(
        self,
        job_uuid: str,
        state: str | None = None,
        message: str | None = None,
        code: int | None = None,
    ) -> str:
        """Move a job on (to its next state, or to `state`); its new state."""
        body = {k: v for k, v in (("state", state), ("message", message), ("code", code)) if v}
        return str(self._call("POST", f"{JOBS}/{job_uuid}/step", json=body)["state"])

    def progress(self, job_uuid: str) -> dict[str, Any]:
        """A job's state, mode, polls and the states its GETs were answered."""
        return dict(self._call("GET", f"{JOBS}/{job_uuid}"))

    def reset(self) -> None:
        self.progression("immediate")
        self._call("DELETE", f"{JOBS}/rules")


@pytest.fixture
def ontap_jobs(ontap_inprocess: Any) -> Iterator[Jobs]:
    """Job progression and failure rules on the test's app; immediate again after it."""
    jobs = Jobs(ontap_inprocess)
    yield jobs
    jobs.reset()
