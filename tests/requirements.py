"""What a test needs that may be missing: it skips outside CI, and fails under CI=true.

Every component the suite can run without (a module of the test extra, a program such as
bash or curl, the PostgreSQL server) is asked for through these helpers, never with a bare
`pytest.skip` or `pytest.importorskip`: on a developer's machine a missing piece skips
with its reason, in CI (where everything must be installed) it is a failure, so a test
cannot stop running there without anyone noticing.

Each helper works in a test, in a fixture, and at module level (where a skip skips the
module and a failure is a collection error).
"""

from __future__ import annotations

import importlib
import os
import shutil
from pathlib import Path
from types import ModuleType
from typing import NoReturn

import pytest

IN_CI = os.environ.get("CI") == "true"


def missing(reason: str) -> NoReturn:
    """Skip, or under CI fail, because `reason`."""
    if IN_CI:
        pytest.fail(f"under CI=true this must be available: {reason}", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def need(condition: object, reason: str) -> None:
    """Go on when `condition` holds; otherwise skip (fail under CI) because `reason`."""
    if not condition:
        missing(reason)


def require(module: str, reason: str) -> ModuleType:
    """The imported `module`; skip (fail under CI) when it cannot be imported.

    `reason` says what it is for or how to install it; the import error is added to it.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        missing(f"{module} cannot be imported ({exc}): {reason}")


def require_executable(program: str | Path, reason: str) -> str:
    """The path of `program` (a name looked up on PATH, or a path); skip (fail under CI)
    when there is none."""
    found = shutil.which(str(program))
    if found is None:
        missing(f"{program} is not available: {reason}")
    return found
