"""The pytest plugin's toolkit fixtures: `ontap_faults` and `ontap_journal`.

Both drive the control API of the plugin's app (/_ontap-ipsec/faults, /journal) in-process,
so what a test sets applies to the in-process client and to `ontap_server` alike, and both
leave nothing behind: the rules are removed and the journal turned off after the test.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

FAULTS = "/_ontap-ipsec/faults"
JOURNAL = "/_ontap-ipsec/journal"


class ControlClient:
    """Calls of the test app's control API; a refusal is a ValueError with ONTAP's envelope."""

    def __init__(self, endpoint: Any) -> None:
        self._endpoint = endpoint

    def _call(self, method: str, path: str, **kw: Any) -> Any:
        with self._endpoint.client() as c:
            response = c.request(method, path, **kw)
        if response.status_code >= 400:
            raise ValueError(f"{method} {path}: {response.status_code} {response.text}")
        return response.json()


class Faults(ControlClient):
    """Fault rules of the test's app (see the README's "Faults")."""

    def add(self, path: str, effect: dict[str, Any], **rule: Any) -> str:
        """Add a rule (`method`, `nth`, `times`, `probability`, `test_id` as keywords); its id."""
        return str(self._call("POST", FAULTS, json={"path": path, "effect": effect, **rule})["id"])

    def error(self, path: str, status: int, code: str, message: str, **rule: Any) -> str:
        effect = {"type": "error", "status": status, "code": code, "message": message}
        return self.add(path, effect, **rule)

    def listed(self) -> list[dict[str, Any]]:
        return list(self._call("GET", FAULTS)["records"])

    def remove(self, fault_id: str) -> None:
        self._call("DELETE", f"{FAULTS}/{fault_id}")

    def clear(self) -> None:
        self._call("DELETE", FAULTS)


class Journal:
    """The requests the test's app answered, newest last (secrets redacted)."""

    def __init__(self, endpoint: Any) -> None:
        self._endpoint = endpoint

    def _get(self, **params: Any) -> Any:
        with self._endpoint.client() as c:
            response = c.get(JOURNAL, params={k: v for k, v in params.items() if v is not None})
        response.raise_for_status()
        return response.json()

    def entries(
        self,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        test_id: str | None = None,
    ) -> list[dict[str, Any]]:
        """Entries filtered by method, path (a glob) and status."""
        found = self._get(method=method, path=path, status=status, test_id=test_id)
        return list(found["records"])

    def count(self, method: str | None = None, path: str | None = None) -> int:
        return len(self.entries(method, path))

    def assert_once(self, method: str, path: str) -> dict[str, Any]:
        """Exactly one `method` request to `path` (a glob); that entry."""
        found = self.entries(method, path)
        assert len(found) == 1, f"{len(found)} {method} requests to {path}: {found}"
        return found[0]

    def har(self) -> dict[str, Any]:
        return dict(self._get(format="har"))

    def clear(self) -> None:
        with self._endpoint.client() as c:
            c.delete(JOURNAL).raise_for_status()


def _set_journal(endpoint: Any, enabled: bool) -> None:
    with endpoint.client() as c:
        c.put(JOURNAL, json={"enabled": enabled}).raise_for_status()
        if enabled:
            c.delete(JOURNAL).raise_for_status()


@pytest.fixture
def ontap_faults(ontap_inprocess: Any) -> Iterator[Faults]:
    """Fault rules on the test's app; all removed after the test."""
    faults = Faults(ontap_inprocess)
    faults.clear()
    yield faults
    faults.clear()


@pytest.fixture
def ontap_journal(ontap_inprocess: Any) -> Iterator[Journal]:
    """The request journal of the test's app, on and empty for the test, off after it."""
    _set_journal(ontap_inprocess, True)
    yield Journal(ontap_inprocess)
    _set_journal(ontap_inprocess, False)
