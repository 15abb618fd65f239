"""The pytest plugin's state snapshots: `ontap_state`, and `load_state` for any endpoint.

A snapshot (``ontap-ipsec state export``, or ``GET /_ontap-ipsec/state``) loaded into the
test's app replaces SVMs, certificates, the IPsec list and the cluster's identity in one
transaction; the plugin's own account is kept, so its clients go on working. After a test
that used `ontap_state`, the state from before the test is back.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


def load_state(
    endpoint: Any,
    snapshot: str | Path,
    *,
    passphrase: str | None = None,
    keep_accounts: bool = True,
) -> dict[str, int]:
    """Load a snapshot (a path, or the YAML text) into `endpoint`'s app (an `InProcess`,
    `ontap_server`, or the app itself); how many records of each section."""
    text = snapshot.read_text(encoding="utf-8") if isinstance(snapshot, Path) else snapshot
    app = getattr(endpoint, "app", endpoint)
    loaded: dict[str, int] = app.ctx.backends.state.load(
        text, passphrase, keep_accounts=keep_accounts
    )
    return loaded


def export_state(endpoint: Any, passphrase: str | None = None) -> str:
    """The state of `endpoint`'s app as a snapshot (private keys sealed with `passphrase`)."""
    app = getattr(endpoint, "app", endpoint)
    text: str = app.ctx.backends.state.export(passphrase)
    return text


class State:
    """Snapshots of the test's app: ``ontap_state.load("tests/lab.yaml")``."""

    def __init__(self, endpoint: Any) -> None:
        self._endpoint = endpoint

    def load(self, snapshot: str | Path, passphrase: str | None = None) -> dict[str, int]:
        return load_state(self._endpoint, snapshot, passphrase=passphrase)

    def export(self, passphrase: str | None = None) -> str:
        return export_state(self._endpoint, passphrase)


@pytest.fixture
def ontap_state(ontap_inprocess: Any) -> Iterator[State]:
    """Load and export snapshots of the test's app; the state before the test comes back."""
    before = export_state(ontap_inprocess)
    yield State(ontap_inprocess)
    load_state(ontap_inprocess, before)
