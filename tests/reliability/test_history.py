"""The serial-order check of tests/reliability/history.py tells a possible history from
an impossible one (so the writers test can fail)."""

from __future__ import annotations

from tests.reliability.history import Step, serializable

ADD, DUP = (False, True), (True, None)
REMOVE, NOT_LISTED = (True, False), (False, None)


def steps(*spans: tuple[float, float, tuple[bool | None, bool | None]]) -> list[Step]:
    return [Step(start, end, pre, post) for start, end, (pre, post) in spans]


def test_ordered_adds_and_removes_replay_to_the_final_state() -> None:
    history = steps((0, 1, ADD), (2, 3, DUP), (4, 5, REMOVE), (6, 7, NOT_LISTED), (8, 9, ADD))
    assert serializable(history, initial=False, final=True)
    assert not serializable(history, initial=False, final=False)  # the last add is lost


def test_two_acknowledged_adds_without_a_remove_between_are_impossible() -> None:
    assert not serializable(steps((0, 1, ADD), (2, 3, ADD)), initial=False, final=True)


def test_overlapping_operations_may_take_effect_in_either_order() -> None:
    # A remove sent before an add was answered, and answered after it: either order.
    history = steps((0, 2, ADD), (1, 3, REMOVE))
    assert serializable(history, initial=False, final=False)
    # ...but the same two one after the other can only end absent.
    assert not serializable(steps((0, 1, ADD), (2, 3, REMOVE)), initial=False, final=True)
    # Overlapping, but the remove found it present: the add came first, so it ends absent.
    assert not serializable(history, initial=False, final=True)


def test_an_answer_the_state_did_not_allow_is_caught() -> None:
    # "duplicate" answered after a remove was acknowledged and before any add was sent
    history = steps((0, 1, ADD), (2, 3, REMOVE), (4, 5, DUP))
    assert not serializable(history, initial=False, final=False)


def test_an_unconditional_clear_empties_the_entry() -> None:
    cleared = [*steps((0, 1, ADD)), Step(2, 3, None, False)]  # its SVM deleted
    assert serializable(cleared, initial=False, final=False)
    assert not serializable(cleared, initial=False, final=True)


def test_many_concurrent_operations_are_checked_quickly() -> None:
    # 8 clients, 400 operations, each overlapping its neighbours: adds and removes
    # alternate in time, so the history is valid and ends present.
    history = [Step(i * 1.0, i * 1.0 + 3.5, *(ADD if i % 2 == 0 else REMOVE)) for i in range(401)]
    assert serializable(history, initial=False, final=True)
