"""tests/requirements.py: a missing component skips a test outside CI and fails it under CI."""

from __future__ import annotations

import sys

import pytest

from tests import requirements

ABSENT = "ontap_ipsec_no_such_module"


@pytest.mark.parametrize(
    "ask",
    [
        lambda: requirements.need(False, "a reason"),
        lambda: requirements.require(ABSENT, "a reason"),
        lambda: requirements.require_executable("ontap-ipsec-no-such-program", "a reason"),
    ],
    ids=["need", "require", "require_executable"],
)
def test_missing_skips_outside_ci_and_fails_under_ci(
    monkeypatch: pytest.MonkeyPatch, ask: object
) -> None:
    monkeypatch.setattr(requirements, "IN_CI", False)
    with pytest.raises(pytest.skip.Exception, match="a reason"):
        ask()  # type: ignore[operator]
    monkeypatch.setattr(requirements, "IN_CI", True)
    with pytest.raises(pytest.fail.Exception, match="under CI=true .*a reason"):
        ask()  # type: ignore[operator]


def test_what_is_there_is_given_back(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(requirements, "IN_CI", True)
    requirements.need(True, "unused")
    assert requirements.require("json", "unused") is sys.modules["json"]
    assert requirements.require_executable(sys.executable, "unused") == sys.executable
